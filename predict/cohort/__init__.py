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
from predict.cohort._summary import CohortSummary, summarize_cohort

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
    "modality_of",
    "read_cohort",
    "simulate_cohort",
    "spec_for",
    "summarize_cohort",
]
