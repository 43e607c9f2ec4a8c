"""Feature importance of a trained pipeline's final estimator."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from predict.exceptions import UsageError
from predict.models import unwrap_calibrated

if TYPE_CHECKING:
    from predict.evaluation import ExperimentResult

__all__ = ["feature_importance"]


def feature_importance(
    result: ExperimentResult, data: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, str, str]:
    """Return the final model's feature importances, their kind, and a note.

    Gain share (XGBoost) or mean decrease in impurity (random forest) from the
    trees, ``|coefficient|`` on standardised features for linear models with
    one coefficient per feature. Other models (``auto`` and ``select``
    stacks, spline bases, protocol interactions, histogram boosting, SVM)
    get the mean absolute contribution over the patients of ``data`` (see
    :func:`predict.scoring._explain.contributions`), or zeros with a note
    when no ``data`` is given.

    Parameters
    ----------
    result : ExperimentResult
        A result of :func:`predict.train`.
    data : pandas.DataFrame or None, default=None
        The training patients (``Cohort.data``), for contribution-based
        importances.

    Returns
    -------
    table : pandas.DataFrame
        ``feature`` and ``importance``, largest first.
    kind : str
        What the numbers are, for an axis label.
    note : str
        Empty, or why every importance is zero.
    """
    pipeline = unwrap_calibrated(result.final_model)
    steps = getattr(pipeline, "named_steps", {})
    if "features" not in steps:
        raise UsageError(
            "plot_feature_importance: the final model is not a pipeline with a "
            f"'features' step (got {type(pipeline).__name__}); train it with "
            "predict.train."
        )
    names = [str(name) for name in steps["features"].get_feature_names_out()]
    estimator = unwrap_calibrated(pipeline.steps[-1][1])
    kind, note = "", ""
    width = np.size(getattr(estimator, "coef_", np.empty(0)))
    simple = hasattr(estimator, "feature_importances_") or width == len(names)
    if not simple and data is not None:
        from predict.scoring._explain import contributions

        table, unit = contributions(result.final_model, data, result.task)
        values = table.abs().mean().to_numpy(dtype=float)
        kind = f"mean |contribution| ({unit})"
    elif hasattr(estimator, "feature_importances_"):
        values = np.asarray(estimator.feature_importances_, dtype=float)
        kind = "importance (gain share)"
        if "XGB" not in type(estimator).__name__:
            kind = "importance (mean decrease in impurity)"
    elif width == len(names):
        values = np.abs(np.atleast_2d(np.asarray(estimator.coef_, dtype=float)))
        values = values.mean(axis=0)
        kind = "|coefficient|"
        if "scale" in steps:
            kind += " on standardised features"
    else:
        values = np.zeros(len(names))
        kind = "importance"
        note = (
            f"no built-in importance for {type(estimator).__name__} "
            "(pass the training data for contributions)"
        )
    if len(values) != len(names):
        raise UsageError(
            f"plot_feature_importance: the model has {len(values)} importances "
            f"but the 'features' step names {len(names)} features."
        )
    table = pd.DataFrame({"feature": names, "importance": values})
    order = dict(ascending=False, kind="stable", ignore_index=True)
    return table.sort_values("importance", **order), kind, note
