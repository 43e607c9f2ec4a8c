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


def feature_importance(result: ExperimentResult) -> tuple[pd.DataFrame, str, str]:
    """Return the final model's feature importances, their kind, and a note.

    Gain share (XGBoost) or mean decrease in impurity (random forest) from the
    trees, ``|coefficient|`` on standardised features for linear models, and
    zeros with a note for models without a built-in importance (SVM, prior).

    Parameters
    ----------
    result : ExperimentResult
        A result of :func:`predict.train`.

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
    if hasattr(estimator, "feature_importances_"):
        values = np.asarray(estimator.feature_importances_, dtype=float)
        kind = "importance (gain share)"
        if "XGB" not in type(estimator).__name__:
            kind = "importance (mean decrease in impurity)"
    elif hasattr(estimator, "coef_"):
        values = np.abs(np.atleast_2d(np.asarray(estimator.coef_, dtype=float)))
        values = values.mean(axis=0)
        kind = "|coefficient|"
        if "scale" in steps:
            kind += " on standardised features"
    else:
        values = np.zeros(len(names))
        kind = "importance"
        note = f"no built-in importance for {type(estimator).__name__}"
    if len(values) != len(names):
        raise UsageError(
            f"plot_feature_importance: the model has {len(values)} importances "
            f"but the 'features' step names {len(names)} features."
        )
    table = pd.DataFrame({"feature": names, "importance": values})
    order = dict(ascending=False, kind="stable", ignore_index=True)
    return table.sort_values("importance", **order), kind, note
