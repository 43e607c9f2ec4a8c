"""Random forest (scikit-learn's, which handles missing values natively)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

from predict.models._spec import ModelSpec, Task

if TYPE_CHECKING:
    import optuna
    from sklearn.base import BaseEstimator

__all__ = ["RANDOM_FOREST"]


def _make(task: Task, seed: int) -> BaseEstimator:
    cls = RandomForestClassifier if task == "binary" else RandomForestRegressor
    return cls(n_estimators=300, min_samples_leaf=5, n_jobs=1, random_state=seed)


def _space(trial: optuna.Trial, task: Task) -> dict[str, Any]:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 100, 500, step=50),
        "max_depth": trial.suggest_int("max_depth", 2, 12),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 30, log=True),
        "max_features": trial.suggest_float("max_features", 0.1, 1.0),
    }


RANDOM_FOREST = ModelSpec(
    name="random_forest",
    description="Random forest (missing values handled by the trees)",
    make=_make,
    search_space=_space,
    handles_missing=True,
    needs_scaling=False,
)
