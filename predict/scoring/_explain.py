"""Per-patient feature contributions of a trained pipeline.

By model:

- linear models (elastic net, spline elastic net, protocol interactions):
  coefficient x prepared feature value, in log-odds (or % change) units; when
  the steps widen the features (spline bases, marker x protocol products),
  the terms are summed back to the built column each came from, through the
  steps' ``feature_sources_``;
- XGBoost: XGBoost's own SHAP contributions (``pred_contribs``), in log-odds
  (or % change) units;
- ``auto`` and ``select`` stacks: the weighted sum of their members'
  contributions in log-odds (or % change), each member's computed as here
  (change-to-missing on the log-odds for trees);
- anything else (SVM, random forest, prior): the change in predicted
  probability (or % change) when the feature is set to missing, which the
  pipeline then imputes or the trees route as missing. All patients and all
  blanked copies go through the pipeline in one batch.

:func:`log_odds_contributions` gives the same in the model's link units for
every model (the change-to-missing on the logit of the probability), so
contributions of different models can be added up.

The functions here work on the built feature matrix as a NumPy array, so the
scorer builds features once per call and its single-patient path skips pandas.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn import config_context
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler

from predict.models import unwrap_calibrated
from predict.models._hist import hist_missing_change, hist_predict
from predict.models._stack import member_logits

__all__ = [
    "contributions",
    "contributions_of",
    "log_odds_contributions",
    "prepare",
    "score_prepared",
    "scores_and_contributions",
]

#: Largest number of cells (rows x features) blanked copies take in one batch.
_BATCH_CELLS = 2_000_000


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
    unit = "log-odds" if task == "binary" else "% change"
    if hasattr(estimator, "members_"):  # auto, select
        return _stack_terms(estimator, built, names, task)[1], unit
    if prepared is None:
        prepared = prepare(pipeline, built)
    exact = _exact(pipeline, estimator, built, prepared, names)
    if exact is not None:
        return exact, unit
    values = _change_to_missing(pipeline, built, task, logit=False)
    return values, "probability" if task == "binary" else "% change"


def log_odds_contributions(
    pipeline: Any, built: np.ndarray, names: Sequence[str], task: str
) -> np.ndarray:
    """Return each patient's contribution per feature in the model's link units.

    Linear models and XGBoost as in :func:`contributions_of`, whose
    parameters these are (without ``prepared``); any other model by the
    change, when the feature is set to missing, of the logit of its
    probability (of its prediction for percent change).

    Returns
    -------
    values : ndarray of shape (n_patients, n_features)
        Log-odds for ``"binary"``, % change for ``"regression"``.
    """
    estimator = pipeline.steps[-1][1]
    if hasattr(estimator, "members_"):  # auto, select
        return _stack_terms(estimator, built, names, task)[1]
    exact = _exact(pipeline, estimator, built, prepare(pipeline, built), names)
    if exact is not None:
        return exact
    return _change_to_missing(pipeline, built, task, logit=task == "binary")


def scores_and_contributions(
    pipeline: Any, built: np.ndarray, names: Sequence[str], task: str
) -> tuple[np.ndarray, np.ndarray, str]:
    """Return the prediction, the contributions and their unit, each step run once.

    The scorer's path: the same numbers as :func:`score_prepared` on
    :func:`prepare`'s output and :func:`contributions_of`, but a stack's
    members prepare their features once for both.

    Returns
    -------
    scores : ndarray of shape (n_patients,)
        Probability of response (or % change).
    values : ndarray of shape (n_patients, n_features)
    unit : str
    """
    estimator = pipeline.steps[-1][1]
    if hasattr(estimator, "members_"):  # auto, select
        link, values = _stack_terms(estimator, built, names, task)
        if task == "binary":
            return expit(link), values, "log-odds"
        return link, values, "% change"
    prepared = prepare(pipeline, built)
    scores = score_prepared(estimator, prepared, task)
    values, unit = contributions_of(pipeline, built, names, task, prepared=prepared)
    return scores, values, unit


def _stack_terms(
    stack: Any, built: np.ndarray, names: Sequence[str], task: str
) -> tuple[np.ndarray, np.ndarray]:
    """Return a stack's link-unit prediction and contributions.

    The stack's log-odds are ``intercept + sum_k w_k logit(p_k)``, so each
    member's log-odds contributions, times its weight, add up to the stack's.
    """
    from sklearn.pipeline import Pipeline

    link = np.full(len(built), float(stack.intercept_))
    values = np.zeros(built.shape, dtype=float)
    for (_, member), weight in zip(stack.members_, stack.weights_, strict=True):
        steps = member.steps if isinstance(member, Pipeline) else [("model", member)]
        whole = Pipeline([("features", "passthrough"), *steps])
        member_link, member_values = _member_terms(whole, built, names, task)
        link += weight * member_link
        values += weight * member_values
    return link, values


def _member_terms(
    pipeline: Any, built: np.ndarray, names: Sequence[str], task: str
) -> tuple[np.ndarray, np.ndarray]:
    """Return a stack member's link-unit prediction and contributions.

    The prediction is what the stack combines (log-odds clipped as in
    :func:`~predict.models._stack.member_logits`, or % change); linear terms
    add up to it, boosted trees give it with their change-to-missing.
    """
    estimator = pipeline.steps[-1][1]
    binary = task == "binary"
    prepared = prepare(pipeline, built)
    exact = _exact(pipeline, estimator, built, prepared, names)
    if exact is not None and hasattr(estimator, "coef_"):
        link = exact.sum(axis=1) + float(np.ravel(estimator.intercept_)[0])
        return (member_logits(expit(link)) if binary else link), exact
    trees = None
    if prepared is built:  # no steps before the model
        trees = hist_missing_change(estimator, built, link=True)
    if trees is not None:
        raw, values = trees
        return (member_logits(expit(raw)) if binary else raw), values
    scores = score_prepared(estimator, prepared, task)
    link = member_logits(scores) if binary else scores
    if exact is None:
        exact = _change_to_missing(pipeline, built, task, logit=binary)
    return link, exact


def _exact(
    pipeline: Any,
    estimator: Any,
    built: np.ndarray,
    prepared: np.ndarray,
    names: Sequence[str],
) -> np.ndarray | None:
    """Linear terms or XGBoost's SHAP values per built feature; else ``None``."""
    if hasattr(estimator, "coef_"):
        terms = prepared * np.ravel(estimator.coef_)
        if prepared.shape[1] == built.shape[1]:
            return terms
        values = np.zeros(built.shape, dtype=float)
        np.add.at(
            values.T, _sources(pipeline, built.shape[1], prepared.shape[1]), terms.T
        )
        return values
    if type(estimator).__module__.startswith("xgboost"):
        import xgboost as xgb

        matrix = xgb.DMatrix(prepared, missing=np.nan, feature_names=list(names))
        contribs = estimator.get_booster().predict(matrix, pred_contribs=True)
        return np.asarray(contribs[:, :-1], dtype=float)
    return None


def _sources(pipeline: Any, n_built: int, n_prepared: int) -> np.ndarray:
    """Return, for each prepared column, the built column it derives from."""
    sources = np.arange(n_built)
    for _, step in pipeline.steps[1:-1]:
        step_sources = getattr(step, "feature_sources_", None)
        if step_sources is not None:
            sources = sources[np.asarray(step_sources, dtype=int)]
    if len(sources) != n_prepared:
        raise ValueError(
            f"Cannot trace the model's {n_prepared} columns back to the "
            f"{n_built} features: a step between them changes the width without "
            "saying where its columns come from (feature_sources_)."
        )
    return sources


def _change_to_missing(
    pipeline: Any, built: np.ndarray, task: str, *, logit: bool
) -> np.ndarray:
    """Return base prediction minus prediction with each feature set to missing.

    Every patient's row and its copies with one feature blanked each go
    through the pipeline in one batch (in chunks for large cohorts).
    """
    estimator = pipeline.steps[-1][1]
    if all(s in (None, "passthrough") for _, s in pipeline.steps[1:-1]):
        # boosted trees on the built features: only the trees splitting on a
        # feature are walked again for it
        fast_change = hist_missing_change(estimator, built, link=logit)
        if fast_change is not None:
            return fast_change[1]
    n, p = built.shape
    values = np.empty((n, p), dtype=float)
    per_chunk = max(1, _BATCH_CELLS // max(1, (p + 1) * p))
    blank = np.arange(p)
    for start in range(0, n, per_chunk):
        part = built[start : start + per_chunk]
        stacked = np.repeat(part[:, None, :], p + 1, axis=1)  # (m, p + 1, p)
        stacked[:, blank + 1, blank] = np.nan
        prepared = prepare(pipeline, stacked.reshape(-1, p))
        fast = hist_predict(estimator, prepared)
        scores = (
            fast if fast is not None else score_prepared(estimator, prepared, task)
        ).reshape(len(part), p + 1)
        if logit:
            clipped = np.clip(scores, 1e-12, 1 - 1e-12)
            scores = np.log(clipped) - np.log1p(-clipped)
        values[start : start + per_chunk] = scores[:, :1] - scores[:, 1:]
    return values


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
