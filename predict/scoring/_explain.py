"""Per-patient feature contributions of a trained pipeline.

Three methods, by model:

- linear models (elastic net): coefficient x standardised feature value, in
  log-odds (or % change) units;
- XGBoost: XGBoost's own SHAP contributions (``pred_contribs``), in log-odds
  (or % change) units;
- anything else (SVM, random forest, prior): the change in predicted
  probability (or % change) when the feature is set to missing, which the
  pipeline then imputes or the trees route as missing.

The functions here work on the built feature matrix as a NumPy array, so the
scorer builds features once per call and its single-patient path skips pandas.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn import config_context
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler

from predict.models import unwrap_calibrated

__all__ = ["contributions", "contributions_of", "prepare", "score_prepared"]


def prepare(pipeline: Any, built: np.ndarray) -> np.ndarray:
    """Run a fitted pipeline's steps between features and model on an array.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        Fitted: features first, the estimator last.
    built : ndarray of shape (n_patients, n_features)
        The features step's output.

    Returns
    -------
    prepared : ndarray of shape (n_patients, n_features)
        What the final estimator takes (imputed, scaled).
    """
    prepared = built
    with warnings.catch_warnings(), config_context(assume_finite=True):
        # the steps were fitted on named columns; the array has them in order
        warnings.filterwarnings("ignore", message="X does not have valid feature")
        for _, step in pipeline.steps[1:-1]:
            if step is None or step == "passthrough":
                continue
            direct = _direct(step, prepared)
            if direct is None:
                direct = np.asarray(step.transform(prepared), dtype=float)
            prepared = direct
    return prepared


def _direct(step: Any, X: np.ndarray) -> np.ndarray | None:
    """Apply a fitted median imputer or standard scaler without input checks.

    The same arithmetic as their ``transform`` (NaN -> ``statistics_``;
    ``(X - mean_) / scale_``) at a fraction of the per-call cost, for the
    common configurations only; ``None`` for anything else.
    """
    if type(step) is SimpleImputer:
        stats = step.statistics_
        if (
            step.add_indicator
            or not (
                isinstance(step.missing_values, float) and np.isnan(step.missing_values)
            )
            or (not step.keep_empty_features and np.isnan(stats).any())
        ):
            return None
        return np.where(np.isnan(X), stats, X)
    if type(step) is StandardScaler:
        out = X - step.mean_ if step.with_mean else X.copy()
        return out / step.scale_ if step.with_std else out
    return None


def score_prepared(estimator: Any, prepared: np.ndarray, task: str) -> np.ndarray:
    """Return the final estimator's probability of response (or % change)."""
    with warnings.catch_warnings(), config_context(assume_finite=True):
        warnings.filterwarnings("ignore", message="X does not have valid feature")
        if task == "binary":
            return np.asarray(estimator.predict_proba(prepared)[:, 1], dtype=float)
        return np.asarray(estimator.predict(prepared), dtype=float)


def contributions_of(
    pipeline: Any,
    built: np.ndarray,
    names: Sequence[str],
    task: str,
    *,
    prepared: np.ndarray | None = None,
) -> tuple[np.ndarray, str]:
    """Return each patient's contribution per feature from built features.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        The fitted pipeline (unwrapped from calibration).
    built : ndarray of shape (n_patients, n_features)
        The features step's output.
    names : sequence of str
        Feature names, in column order.
    task : {"binary", "regression"}
        What the model predicts.
    prepared : ndarray of shape (n_patients, n_features), default=None
        ``prepare(pipeline, built)`` when the caller has it already.

    Returns
    -------
    values : ndarray of shape (n_patients, n_features)
    unit : str
        ``"log-odds"``, ``"probability"`` or ``"% change"``.
    """
    estimator = pipeline.steps[-1][1]
    if prepared is None:
        prepared = prepare(pipeline, built)
    if hasattr(estimator, "coef_"):
        values = prepared * np.ravel(estimator.coef_)
        return values, "log-odds" if task == "binary" else "% change"
    if type(estimator).__module__.startswith("xgboost"):
        import xgboost as xgb

        matrix = xgb.DMatrix(prepared, missing=np.nan, feature_names=list(names))
        values = estimator.get_booster().predict(matrix, pred_contribs=True)[:, :-1]
        return values, "log-odds" if task == "binary" else "% change"
    base = score_prepared(estimator, prepared, task)
    values = np.empty_like(built, dtype=float)
    for j in range(built.shape[1]):
        blanked = built.copy()
        blanked[:, j] = np.nan
        values[:, j] = base - score_prepared(
            estimator, prepare(pipeline, blanked), task
        )
    return values, "probability" if task == "binary" else "% change"


def contributions(
    model: Any, data: pd.DataFrame, task: str
) -> tuple[pd.DataFrame, str]:
    """Return each patient's contribution per feature, and the unit.

    Parameters
    ----------
    model : Pipeline or CalibratedClassifierCV
        The bundle's fitted model.
    data : pandas.DataFrame
        Validated cohort data (``Cohort.data``).
    task : {"binary", "regression"}
        What the model predicts.

    Returns
    -------
    contributions : pandas.DataFrame of shape (n_patients, n_features)
        Indexed like ``data``; columns are the feature names.
    unit : str
        ``"log-odds"``, ``"probability"`` or ``"% change"``.
    """
    pipeline = unwrap_calibrated(model)
    features = pipeline.steps[0][1]
    built = np.asarray(features.transform(data), dtype=float)
    names = [str(n) for n in features.get_feature_names_out()]
    values, unit = contributions_of(pipeline, built, names, task)
    return pd.DataFrame(values, index=data.index, columns=names), unit
