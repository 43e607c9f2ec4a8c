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
    return {
        "n_estimators": trial.suggest_int("n_estimators", 50, 500, step=25),
        "max_depth": trial.suggest_int("max_depth", 1, 6),
        "learning_rate": trial.suggest_float("learning_rate", 5e-3, 0.3, log=True),
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
        "min_child_weight": trial.suggest_float(
            "min_child_weight", 1.0, 20.0, log=True
        ),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10.0, log=True),
        "reg_alpha": trial.suggest_float("reg_alpha", 1e-3, 10.0, log=True),
    }


XGBOOST = ModelSpec(
    name="xgboost",
    description="XGBoost gradient-boosted trees (missing values handled natively)",
    make=_make,
    search_space=_space,
    handles_missing=True,
    needs_scaling=False,
)
