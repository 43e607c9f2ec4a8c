"""Per-patient feature contributions of a trained pipeline.

Three methods, by model:

- linear models (elastic net): coefficient x standardised feature value, in
  log-odds (or % change) units;
- XGBoost: XGBoost's own SHAP contributions (``pred_contribs``), in log-odds
  (or % change) units;
- anything else (SVM, random forest, prior): the change in predicted
  probability (or % change) when the feature is set to missing, which the
  pipeline then imputes or the trees route as missing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from predict.models import unwrap_calibrated

__all__ = ["contributions"]


def _score(model: Any, frame: pd.DataFrame, task: str) -> np.ndarray:
    if task == "binary":
        return np.asarray(model.predict_proba(frame)[:, 1], dtype=float)
    return np.asarray(model.predict(frame), dtype=float)


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
    estimator = pipeline.steps[-1][1]
    built = features.transform(data)
    names = list(features.get_feature_names_out())
    if hasattr(estimator, "coef_"):
        prepared = pipeline[1:-1].transform(built) if len(pipeline) > 2 else built
        values = np.asarray(prepared, dtype=float) * np.ravel(estimator.coef_)
        unit = "log-odds" if task == "binary" else "% change"
    elif type(estimator).__module__.startswith("xgboost"):
        import xgboost as xgb

        matrix = xgb.DMatrix(built, missing=np.nan)
        values = estimator.get_booster().predict(matrix, pred_contribs=True)[:, :-1]
        unit = "log-odds" if task == "binary" else "% change"
    else:
        base = _score(pipeline, data, task)
        values = np.empty((len(data), len(names)))
        rest = pipeline[1:]
        for j, name in enumerate(names):
            blanked = built.copy()
            blanked[name] = np.nan
            values[:, j] = base - _score(rest, blanked, task)
        unit = "probability" if task == "binary" else "% change"
    return pd.DataFrame(values, index=data.index, columns=names), unit
