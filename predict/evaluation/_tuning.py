"""Optuna tuning on the inner folds of one outer training part."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.metrics import r2_score, roc_auc_score

if TYPE_CHECKING:
    import optuna
    from sklearn.pipeline import Pipeline

    from predict.models import Task

__all__ = ["InnerFold", "Tuned", "inner_folds", "predict_scores", "tune"]


def predict_scores(model: Any, X: pd.DataFrame, task: Task) -> np.ndarray:
    """Probability of the positive class (binary) or the prediction (regression)."""
    if task == "binary":
        return np.asarray(model.predict_proba(X)[:, 1], dtype=float)
    return np.asarray(model.predict(X), dtype=float)


def _score(y: np.ndarray, pred: np.ndarray, task: Task) -> float:
    """Inner-fold objective: ROC AUC (binary) or R² (regression); higher is better."""
    if task == "binary":
        return float(roc_auc_score(y, pred))
    return float(r2_score(y, pred))


@dataclass(frozen=True)
class InnerFold:
    """One inner split with its features already built on its training rows.

    Feature builders do not depend on the estimator's parameters, so they are
    fit once per inner training part instead of once per trial.
    """

    train: np.ndarray
    valid: np.ndarray
    features_train: pd.DataFrame
    features_valid: pd.DataFrame


def inner_folds(
    features: Any, X: pd.DataFrame, splits: Sequence[tuple[np.ndarray, np.ndarray]]
) -> list[InnerFold]:
    """Fit the feature builders on each inner training part, transform both parts."""
    from sklearn.base import clone

    folds = []
    for train, valid in splits:
        fitted = clone(features).fit(X.iloc[train])
        folds.append(
            InnerFold(
                train,
                valid,
                fitted.transform(X.iloc[train]),
                fitted.transform(X.iloc[valid]),
            )
        )
    return folds


@dataclass
class Tuned:
    """What tuning learned on one training part.

    Attributes
    ----------
    params : dict
        Best trial's estimator parameters (fixed ones included).
    value : float
        Best trial's mean inner score.
    oof : ndarray of shape (n_train,)
        Best trial's inner out-of-fold predictions, for the threshold.
    trials : pandas.DataFrame
        Every trial: number, state, value, parameters, duration.
    """

    params: dict[str, Any]
    value: float
    oof: np.ndarray
    trials: pd.DataFrame = field(repr=False)


def tune(
    make_model: Callable[[dict[str, Any]], Pipeline],
    search_space: Callable[[optuna.Trial, Task], dict[str, Any]],
    folds: Sequence[InnerFold],
    y: np.ndarray,
    *,
    task: Task,
    n_trials: int,
    timeout: float | None = None,
    pruning: bool = True,
    fixed: dict[str, Any] | None = None,
    seed: int = 0,
    callbacks: Sequence[Callable[..., None]] = (),
) -> Tuned:
    """Tune a pipeline with a seeded TPE study on inner cross-validation.

    After each inner fold the trial reports its running mean score; with
    ``pruning`` a median pruner stops trials that fall below the median of
    earlier trials at the same fold.

    Parameters
    ----------
    make_model : callable
        ``make_model(params) -> Pipeline``: the steps after the feature
        builders (imputation, scaling, estimator), unfitted.
    search_space : callable
        ``search_space(trial, task) -> params``.
    folds : sequence of InnerFold
        The inner folds of the outer training part, features built (see
        :func:`inner_folds`).
    y : ndarray of shape (n_train,)
        Target of the outer training part.
    task : {"binary", "regression"}
        Decides the score (AUC or R²).
    n_trials : int
        Trials to run (1 when the search space is empty).
    timeout : float or None, default=None
        Stop starting trials after this many seconds.
    pruning : bool, default=True
        Use the median pruner.
    fixed : dict or None, default=None
        Parameters that override sampled ones.
    seed : int, default=0
        Seeds the TPE sampler.
    callbacks : sequence of callables, default=()
        Optuna callbacks (for progress bars).

    Returns
    -------
    tuned : Tuned
    """
    import optuna

    fixed = dict(fixed or {})
    empty_space = _no_params(search_space, task)
    sampler = optuna.samplers.TPESampler(seed=seed)
    pruner: optuna.pruners.BasePruner = (
        # A single inner fold's AUC (~1/5 of the training part) is too noisy
        # to judge a trial by: pruning starts once two folds are in.
        optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)
        if pruning
        else optuna.pruners.NopPruner()
    )
    study = optuna.create_study(direction="maximize", sampler=sampler, pruner=pruner)
    oofs: dict[int, np.ndarray] = {}

    def objective(trial: optuna.Trial) -> float:
        params = {**search_space(trial, task), **fixed}
        # The estimator's own names (Optuna's may differ, e.g. estimator__C).
        trial.set_user_attr("estimator_params", params)
        oof = np.full(len(y), np.nan)
        scores: list[float] = []
        for step, fold in enumerate(folds):
            model = make_model(params).fit(fold.features_train, y[fold.train])
            oof[fold.valid] = predict_scores(model, fold.features_valid, task)
            scores.append(_score(y[fold.valid], oof[fold.valid], task))
            trial.report(float(np.mean(scores)), step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        oofs[trial.number] = oof
        return float(np.mean(scores))

    study.optimize(
        objective,
        n_trials=1 if empty_space else n_trials,
        timeout=timeout,
        callbacks=list(callbacks),
    )
    best = study.best_trial
    trials = study.trials_dataframe(
        attrs=("number", "state", "value", "params", "duration")
    )
    if "duration" in trials:
        trials["duration"] = trials["duration"].dt.total_seconds()
    return Tuned(
        params=dict(best.user_attrs["estimator_params"]),
        value=float(best.value if best.value is not None else np.nan),
        oof=oofs[best.number],
        trials=trials,
    )


def _no_params(search_space: Callable[..., dict[str, Any]], task: Task) -> bool:
    """Whether a search space suggests nothing (the prior-only baseline)."""
    import optuna

    try:
        return not search_space(optuna.trial.FixedTrial({}), task)
    except ValueError:  # FixedTrial raises for any suggested parameter
        return False
