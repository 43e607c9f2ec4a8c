"""Clinical covariates: age, sex, severity, resistance, protocol, diagnosis."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import StrOptions

from predict.cohort._contract import SCALES
from predict.features._base import Columns, FeatureBuilder, Recipe, missing, numeric

__all__ = ["ClinicalFeatures", "maudsley_treatment_score"]

_NUMERIC = ("age", "n_prior_treatments")
_CATEGORICAL = ("protocol", "diagnosis")
_BASELINES = tuple(baseline for baseline, _ in SCALES.values())


def maudsley_treatment_score(n_failed: Any) -> np.ndarray:
    """Score treatment resistance from the number of failed treatment trials.

    The treatment-failure dimension of the Maudsley Staging Method (Fekadu et
    al. 2009, J Clin Psychiatry 70:177-184): 0 failures -> 0, 1-2 -> 1,
    3-4 -> 2, 5-6 -> 3, 7-10 -> 4, more than 10 -> 5. Missing stays missing.

    Parameters
    ----------
    n_failed : array-like of shape (n_patients,)
        Failed adequate treatment trials (``n_prior_treatments``).

    Returns
    -------
    stage : ndarray of float, shape (n_patients,)

    Examples
    --------
    >>> maudsley_treatment_score([0, 2, 3, 11, float("nan")]).tolist()
    [0.0, 1.0, 2.0, 5.0, nan]
    """
    counts = np.asarray(n_failed, dtype=float)
    stage = np.digitize(counts, [0, 2, 4, 6, 10], right=True).astype(float)
    return np.where(np.isnan(counts), np.nan, stage)


class ClinicalFeatures(FeatureBuilder):
    """Clinical covariates as model features.

    Features: ``age``; ``sex_male`` (1 for M, 0 for F); ``baseline_severity``
    (baseline total on the primary scale); ``n_prior_treatments``;
    ``resistance_stage`` (Maudsley treatment-failure score, see
    :func:`maudsley_treatment_score`); one-hot ``protocol_<level>`` and
    ``diagnosis_<level>`` for the levels seen in ``fit`` (a level first seen
    at transform time gets zeros in every column; a missing value too).

    Parameters
    ----------
    primary_scale : {"hamd17", "madrs"} or None, default=None
        Scale of ``baseline_severity``; ``None`` takes HAMD-17 when the
        training table has it, MADRS otherwise (the contract's rule).

    Attributes
    ----------
    columns_ : list of str
        Clinical columns found in the training table.
    scale_ : str or None
        Scale used for ``baseline_severity``.
    levels_ : dict of str to list of str
        One-hot levels learned per categorical column.
    feature_names_out_ : ndarray of str
        Output feature names.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (table input only).

    Examples
    --------
    >>> from predict import read_cohort, simulate_cohort
    >>> cohort = read_cohort(simulate_cohort(50, seed=0))
    >>> builder = ClinicalFeatures().fit(cohort.data)
    >>> "resistance_stage" in builder.get_feature_names_out()
    True
    """

    modality: ClassVar[str] = "clinical"
    label: ClassVar[str] = "clinical covariates"
    named_columns: ClassVar[tuple[str, ...]] = (
        *_NUMERIC,
        *_CATEGORICAL,
        "sex",
        *_BASELINES,
    )
    has_indicator: ClassVar[bool] = False
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "primary_scale": [StrOptions(set(SCALES)), None],
    }

    def __init__(self, *, primary_scale: str | None = None) -> None:
        self.primary_scale = primary_scale

    def _owns(self, column: str) -> bool:
        if not hasattr(self, "feature_names_in_"):
            return True
        return column in self.named_columns

    def _passthrough(self) -> list[str]:
        if not hasattr(self, "feature_names_in_"):
            return list(self.columns_)
        return [c for c in _NUMERIC if c in self.columns_]

    def _learn(self, frame: pd.DataFrame) -> None:
        self.scale_ = self.primary_scale
        if self.scale_ is None:
            for scale, (baseline, _) in SCALES.items():
                if baseline in frame and frame[baseline].notna().any():
                    self.scale_ = scale
                    break
        self.levels_ = {}
        if hasattr(self, "feature_names_in_"):
            for column in _CATEGORICAL:
                if column in frame:
                    values = frame[column].dropna().astype(str)
                    self.levels_[column] = sorted(values.unique())

    def _recipes(self) -> dict[str, Recipe]:
        recipes: dict[str, Recipe] = {
            "sex_male": (("sex",), _sex_male),
            "resistance_stage": (
                ("n_prior_treatments",),
                lambda f: maudsley_treatment_score(numeric(f, "n_prior_treatments")),
            ),
        }
        if self.scale_ is not None:
            baseline = SCALES[self.scale_][0]
            recipes["baseline_severity"] = ((baseline,), lambda f: numeric(f, baseline))
        for column, levels in self.levels_.items():
            for level in levels:
                recipes[f"{column}_{level}"] = ((column,), _one_hot(column, level))
        return recipes


def _sex_male(columns: Columns) -> np.ndarray:
    sex = columns["sex"]
    return np.where(missing(sex), np.nan, (sex == "M").astype(float))


def _one_hot(column: str, level: str) -> Any:
    def encode(columns: Columns) -> np.ndarray:
        return (columns[column] == level).astype(float)

    return encode
