"""The prior-only baseline: predicts the training response rate for everyone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sklearn.dummy import DummyClassifier, DummyRegressor

from predict.models._spec import ModelSpec, Task

if TYPE_CHECKING:
    import optuna
    from sklearn.base import BaseEstimator

__all__ = ["PRIOR"]


def _make(task: Task, seed: int) -> BaseEstimator:
    if task == "binary":
        return DummyClassifier(strategy="prior")
    return DummyRegressor(strategy="mean")


def _space(trial: optuna.Trial, task: Task) -> dict[str, Any]:
    return {}


PRIOR = ModelSpec(
    name="prior",
    description="Prior-only baseline: the training outcome rate (or mean) for all",
    make=_make,
    search_space=_space,
    handles_missing=True,
    needs_scaling=False,
)
