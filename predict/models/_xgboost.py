"""Gradient-boosted trees with XGBoost (missing values handled natively)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from predict.models._spec import ModelSpec, Task

if TYPE_CHECKING:
    import optuna
    from sklearn.base import BaseEstimator

__all__ = ["XGBOOST"]


def _make(task: Task, seed: int) -> BaseEstimator:
    import xgboost as xgb

    common: dict[str, Any] = {
        "n_estimators": 200,
        "max_depth": 3,
        "learning_rate": 0.05,
        "subsample": 0.8,
        "colsample_bytree": 0.8,
        "tree_method": "hist",
        "n_jobs": 1,
        "random_state": seed,
        "verbosity": 0,
    }
    if task == "binary":
        return xgb.XGBClassifier(
            objective="binary:logistic", eval_metric="logloss", **common
        )
    return xgb.XGBRegressor(objective="reg:squarederror", **common)


def _space(trial: optuna.Trial, task: Task) -> dict[str, Any]:
    # The parameters that matter most for small tabular cohorts: ensemble size,
    # depth, step size, leaf size and row/column subsampling. L1/L2 penalties
    # stay at XGBoost's defaults; fix them in ``model.params`` if needed.
    return {
        "n_estimators": trial.suggest_int("n_estimators", 50, 400, step=25),
        "max_depth": trial.suggest_int("max_depth", 2, 5),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.2, log=True),
        "min_child_weight": trial.suggest_float(
            "min_child_weight", 1.0, 10.0, log=True
        ),
        "subsample": trial.suggest_float("subsample", 0.6, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.5, 1.0),
    }


XGBOOST = ModelSpec(
    name="xgboost",
    description="XGBoost gradient-boosted trees (missing values handled natively)",
    make=_make,
    search_space=_space,
    handles_missing=True,
    needs_scaling=False,
)
