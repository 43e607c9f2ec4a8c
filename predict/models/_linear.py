"""Elastic-net logistic regression (and elastic-net regression for % change)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sklearn.linear_model import ElasticNet, LogisticRegression

from predict.models._spec import ModelSpec, Task

if TYPE_CHECKING:
    import optuna
    from sklearn.base import BaseEstimator

__all__ = ["ELASTIC_NET"]


def _make(task: Task, seed: int) -> BaseEstimator:
    if task == "binary":
        return LogisticRegression(
            C=1.0, l1_ratio=0.5, solver="saga", max_iter=5000, random_state=seed
        )
    return ElasticNet(alpha=1.0, l1_ratio=0.5, max_iter=10000, random_state=seed)


def _space(trial: optuna.Trial, task: Task) -> dict[str, Any]:
    # Regularisation strength on a log scale, L1 share from ridge to lasso.
    params: dict[str, Any] = {"l1_ratio": trial.suggest_float("l1_ratio", 0.0, 1.0)}
    if task == "binary":
        params["C"] = trial.suggest_float("C", 1e-3, 10.0, log=True)
    else:
        params["alpha"] = trial.suggest_float("alpha", 1e-2, 100.0, log=True)
    return params


ELASTIC_NET = ModelSpec(
    name="elastic_net",
    description="Elastic-net logistic regression (elastic-net linear for % change)",
    make=_make,
    search_space=_space,
    handles_missing=False,
    needs_scaling=True,
    linear=True,  # takes protocol interactions: a coefficient per column
)
