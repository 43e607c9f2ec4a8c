"""Read, validate and simulate cohort tables; derive outcomes."""

from predict.cohort._cohort import CLINICAL_COLUMNS, Cohort, read_cohort
from predict.cohort._contract import (
    CATEGORIES,
    COLUMNS,
    MODALITIES,
    MODALITY_PREFIXES,
    PATH_COLUMNS,
    ColumnSpec,
    modality_of,
    spec_for,
)
from predict.cohort._simulate import simulate_cohort
from predict.cohort._simulate_visits import simulate_visits
from predict.cohort._summary import CohortSummary, summarize_cohort
from predict.cohort._timepoint import VISIT_PREFIX, TimePoint
from predict.cohort._visits import Visits, read_visits

__all__ = [
    "CATEGORIES",
    "CLINICAL_COLUMNS",
    "COLUMNS",
    "Cohort",
    "CohortSummary",
    "ColumnSpec",
    "MODALITIES",
    "MODALITY_PREFIXES",
    "PATH_COLUMNS",
    "TimePoint",
    "VISIT_PREFIX",
    "Visits",
    "modality_of",
    "read_cohort",
    "read_visits",
    "simulate_cohort",
    "simulate_visits",
    "spec_for",
    "summarize_cohort",
]
