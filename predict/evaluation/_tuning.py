"""Optuna tuning on the inner folds of one outer training part."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.metrics import (
    brier_score_loss,
    log_loss,
    mean_squared_error,
    r2_score,
    roc_auc_score,
)

if TYPE_CHECKING:
    import optuna
    from sklearn.pipeline import Pipeline

    from predict.evaluation._shared import StudyRef
    from predict.models import Task

__all__ = [
    "InnerFold",
    "Problem",
    "Tuned",
    "inner_folds",
    "inner_score",
    "make_objective",
    "make_pruner",
    "predict_scores",
    "tune",
]


def predict_scores(model: Any, X: pd.DataFrame, task: Task) -> np.ndarray:
    """Probability of the positive class (binary) or the prediction (regression)."""
    if task == "binary":
        return np.asarray(model.predict_proba(X)[:, 1], dtype=float)
    return np.asarray(model.predict(X), dtype=float)


def inner_score(metric: str, y: np.ndarray, pred: np.ndarray) -> float:
    """Inner-fold objective, higher is better: losses are negated.

    Parameters
    ----------
    metric : {"log_loss", "brier", "roc_auc", "mse", "r2"}
        ``tuning.metric`` (see :attr:`ExperimentConfig.tuning_metric`).
    y, pred : ndarray
        Target and predicted probability of response (or percent change).

    Examples
    --------
    >>> y = np.array([0.0, 1.0]); p = np.array([0.2, 0.9])
    >>> round(inner_score("log_loss", y, p), 4), round(inner_score("roc_auc", y, p), 1)
    (-0.1643, 1.0)
    """
    if metric == "log_loss":
        return -float(log_loss(y, np.clip(pred, 1e-15, 1 - 1e-15), labels=[0, 1]))
    if metric == "brier":
        return -float(brier_score_loss(y, pred))
    if metric == "roc_auc":
        return float(roc_auc_score(y, pred))
    if metric == "mse":
        return -float(mean_squared_error(y, pred))
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


@dataclass(frozen=True)
class Problem:
    """What a trial's objective needs: the pipeline, the space, the inner folds.

    A worker process rebuilds the same problem from a stored study's
    attributes, so every process evaluates a trial the same way.

    Attributes
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
        What the pipeline predicts.
    fixed : dict
        Parameters that override sampled ones.
    metric : str, default="log_loss"
        The inner score (see :func:`inner_score`).
    """

    make_model: Callable[[dict[str, Any]], Pipeline]
    search_space: Callable[[optuna.Trial, Task], dict[str, Any]]
    folds: Sequence[InnerFold]
    y: np.ndarray
    task: Task
    fixed: dict[str, Any] = field(default_factory=dict)
    metric: str = "log_loss"

    @property
    def n_trials_needed(self) -> int | None:
        """1 when the search space suggests nothing, else ``None`` (no limit)."""
        return 1 if _no_params(self.search_space, self.task) else None

    def fold_predictions(self, params: dict[str, Any], step: int) -> np.ndarray:
        """Fit inner fold ``step`` with ``params``; predict its validation rows."""
        fold = self.folds[step]
        model = self.make_model(params).fit(fold.features_train, self.y[fold.train])
        return predict_scores(model, fold.features_valid, self.task)

    def oof(self, params: dict[str, Any]) -> np.ndarray:
        """Inner out-of-fold predictions of ``params`` (all folds, no pruning)."""
        oof = np.full(len(self.y), np.nan)
        for step, fold in enumerate(self.folds):
            oof[fold.valid] = self.fold_predictions(params, step)
        return oof


def make_objective(
    problem: Problem, oofs: dict[int, np.ndarray]
) -> Callable[[optuna.Trial], float]:
    """Return the Optuna objective: mean inner score, reported after each fold.

    Parameters
    ----------
    problem : Problem
        Pipeline, search space, inner folds and target.
    oofs : dict
        Filled with each completed trial's inner out-of-fold predictions,
        keyed by trial number.

    Returns
    -------
    objective : callable
        ``objective(trial) -> float``; raises :class:`optuna.TrialPruned`
        when the trial's pruner says so.
    """
    import optuna

    y, task, metric = problem.y, problem.task, problem.metric

    def objective(trial: optuna.Trial) -> float:
        params = {**problem.search_space(trial, task), **problem.fixed}
        # The estimator's own names (Optuna's may differ, e.g. estimator__C).
        trial.set_user_attr("estimator_params", params)
        oof = np.full(len(y), np.nan)
        scores: list[float] = []
        for step, fold in enumerate(problem.folds):
            oof[fold.valid] = problem.fold_predictions(params, step)
            scores.append(inner_score(metric, y[fold.valid], oof[fold.valid]))
            trial.report(float(np.mean(scores)), step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        oofs[trial.number] = oof
        return float(np.mean(scores))

    return objective


def make_pruner(pruning: bool) -> optuna.pruners.BasePruner:
    """Return the median pruner (or none) every study of a training uses."""
    import optuna

    if not pruning:
        return optuna.pruners.NopPruner()
    # A single inner fold's score (~1/5 of the training part) is too noisy to
    # judge a trial by: pruning starts once two folds are in.
    return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)


@dataclass
class Tuned:
    """What tuning learned on one training part.

    Attributes
    ----------
    params : dict
        Best trial's estimator parameters (fixed ones included).
    value : float
        Best trial's mean inner score (higher is better; losses negated).
    oof : ndarray of shape (n_train,)
        Best trial's inner out-of-fold predictions, for the threshold.
    trials : pandas.DataFrame
        Every trial: number, state, value, parameters, duration (and
        ``family`` for ``auto`` and ``select``).
    weights : dict of str to float or None, default=None
        ``auto`` and ``select``: each candidate family's stack weight.
    """

    params: dict[str, Any]
    value: float
    oof: np.ndarray
    trials: pd.DataFrame = field(repr=False)
    weights: dict[str, float] | None = None


def tune(
    problem: Problem,
    *,
    n_trials: int,
    timeout: float | None = None,
    pruning: bool = True,
    seed: int = 0,
    callbacks: Sequence[Callable[..., None]] = (),
    study: StudyRef | None = None,
) -> Tuned:
    """Tune a pipeline with a seeded TPE study on inner cross-validation.

    After each inner fold the trial reports its running mean score; with
    ``pruning`` a median pruner stops trials that fall below the median of
    earlier trials at the same fold.

    Parameters
    ----------
    problem : Problem
        Pipeline, search space, inner folds (features built) and target.
    n_trials : int
        Trials to run (1 when the search space is empty).
    timeout : float or None, default=None
        Stop starting trials after this many seconds.
    pruning : bool, default=True
        Use the median pruner.
    seed : int, default=0
        Seeds the TPE sampler.
    callbacks : sequence of callables, default=()
        Optuna callbacks (for progress bars), called for this process's
        trials.
    study : StudyRef or None, default=None
        A study in a shared storage (see :func:`predict.evaluation.create_studies`):
        its finished trials are reused, worker processes may run trials too,
        and tuning waits until the study has ``n_trials`` finished trials.
        ``None`` runs an in-memory study in this process.

    Returns
    -------
    tuned : Tuned
    """
    import optuna

    n_trials = problem.n_trials_needed or n_trials
    sampler = optuna.samplers.TPESampler(seed=seed)
    oofs: dict[int, np.ndarray] = {}
    objective = make_objective(problem, oofs)
    if study is not None:
        from predict.evaluation._budget import counted_trials, run_study

        shared = study.load(sampler=sampler, pruner=make_pruner(pruning))
        run_study(
            shared,
            objective,
            n_trials=n_trials,
            timeout=timeout,
            callbacks=callbacks,
            coordinator=True,
        )
        finished = counted_trials(shared, n_trials)
        best = _best(finished, study.name)
        trials = shared.trials_dataframe(
            attrs=("number", "state", "value", "params", "duration")
        )
        trials = trials[trials["number"].isin([t.number for t in finished])]
        trials = trials.reset_index(drop=True)
    else:
        in_memory = optuna.create_study(
            direction="maximize", sampler=sampler, pruner=make_pruner(pruning)
        )
        in_memory.optimize(
            objective, n_trials=n_trials, timeout=timeout, callbacks=list(callbacks)
        )
        best = in_memory.best_trial
        trials = in_memory.trials_dataframe(
            attrs=("number", "state", "value", "params", "duration")
        )
    if "duration" in trials:
        trials["duration"] = trials["duration"].dt.total_seconds()
    params = dict(best.user_attrs["estimator_params"])
    # A trial run by another process (or an earlier run) left no predictions
    # here: the pipelines are seeded, so refitting gives the same ones.
    oof = oofs[best.number] if best.number in oofs else problem.oof(params)
    return Tuned(
        params=params,
        value=float(best.value if best.value is not None else np.nan),
        oof=oof,
        trials=trials,
    )


def _best(trials: Sequence[optuna.trial.FrozenTrial], name: str) -> Any:
    """Return the highest-scoring complete trial (the earliest on ties)."""
    from optuna.trial import TrialState

    from predict.exceptions import TrainingError

    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    if not complete:
        raise TrainingError(
            f"Study '{name}' has no complete trial (all pruned or stopped by "
            "'tuning.timeout'): raise 'tuning.timeout' or 'tuning.n_trials'."
        )
    return max(complete, key=lambda t: (t.value, -t.number))


def _no_params(search_space: Callable[..., dict[str, Any]], task: Task) -> bool:
    """Whether a search space suggests nothing (the prior-only baseline)."""
    import optuna

    try:
        return not search_space(optuna.trial.FixedTrial({}), task)
    except ValueError:  # FixedTrial raises for any suggested parameter
        return False
