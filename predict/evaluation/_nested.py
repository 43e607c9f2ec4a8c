"""One outer fold of nested cross-validation: tune inside, fit, predict outside."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from predict.evaluation._metrics import youden_threshold
from predict.evaluation._splits import OuterFold, inner_splitter
from predict.evaluation._tuning import (
    Problem,
    Tuned,
    inner_folds,
    predict_scores,
    tune,
)
from predict.features import make_features
from predict.models import build_pipeline, get_model

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from predict.config import ExperimentConfig
    from predict.evaluation._shared import StudyRef

__all__ = [
    "FoldResult",
    "Plan",
    "fit_tuned",
    "quiet_optuna",
    "run_fold",
    "tuning_problem",
]


@dataclass(frozen=True)
class Plan:
    """Everything needed to build and tune the config's pipeline (picklable)."""

    config: ExperimentConfig
    primary_scale: str | None

    def make_features(self) -> Any:
        """Return the unfitted feature builders, behind ComBat when configured."""
        union = make_features(self.config.features, primary_scale=self.primary_scale)
        if self.config.harmonize is None:
            return union
        from predict.harmonize import HarmonizedFeatures, make_harmonizer

        harmonizer = make_harmonizer(self.config.harmonize, self.primary_scale)
        return HarmonizedFeatures([("harmonize", harmonizer), ("build", union)])

    def make_pipeline(self, params: dict[str, Any], seed: int) -> Pipeline:
        """Return the unfitted pipeline with the given estimator parameters."""
        spec = get_model(self.config.model.name)
        return build_pipeline(
            self.make_features(), spec, self.config.task, seed=seed, params=params
        )

    def make_model(self, params: dict[str, Any], seed: int) -> Pipeline:
        """Return the pipeline's steps after the feature builders."""
        return self.make_pipeline(params, seed)[1:]


@dataclass
class FoldResult:
    """What one outer fold (or the final fit on all patients) produced.

    Attributes
    ----------
    fold : OuterFold or None
        The outer split; ``None`` for the final model.
    tuned : Tuned
        Best parameters, inner score and trial history.
    threshold : float or None
        Decision threshold chosen on the training part (binary targets).
    predictions : ndarray of shape (n_test,)
        Predictions for the outer test patients (empty for the final model).
    model : object or None
        The fitted pipeline, kept for the final model only.
    """

    fold: OuterFold | None
    tuned: Tuned
    threshold: float | None
    predictions: np.ndarray
    model: Any = field(default=None, repr=False)


@contextlib.contextmanager
def quiet_optuna() -> Iterator[None]:
    """Silence Optuna's per-trial log lines, restoring the verbosity after."""
    import optuna

    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(before)


def _threshold(
    plan: Plan, model: Any, tuned: Tuned, X: pd.DataFrame, y: np.ndarray, seed: int
) -> float | None:
    config = plan.config
    if config.task != "binary":
        return None
    if config.evaluation.threshold != "youden":
        return float(config.evaluation.threshold)
    oof = tuned.oof
    if config.model.calibration is not None:
        # Inner out-of-fold predictions of the calibrated model itself.
        cv = StratifiedKFold(config.cv.inner.n_splits, shuffle=True, random_state=seed)
        oof = cross_val_predict(model, X, y, cv=cv, method="predict_proba")[:, 1]
    return youden_threshold(y, oof)


def tuning_problem(plan: Plan, X: pd.DataFrame, y: np.ndarray, seed: int) -> Problem:
    """Return the tuning problem of a training part: inner folds, features built.

    The coordinating ``train`` and every worker process build it the same
    way, so a trial scores the same wherever it runs.
    """
    config = plan.config
    splits = list(inner_splitter(config, seed).split(X, y))
    return Problem(
        make_model=lambda params: plan.make_model(params, seed),
        search_space=get_model(config.model.name).search_space,
        folds=inner_folds(plan.make_features(), X, splits),
        y=y,
        task=config.task,
        fixed=dict(config.model.params),
    )


def fit_tuned(
    plan: Plan,
    X: pd.DataFrame,
    y: np.ndarray,
    seed: int,
    callbacks: Sequence[Callable[..., None]] = (),
    study: StudyRef | None = None,
) -> tuple[Any, Tuned, float | None]:
    """Tune on inner folds of ``X``, choose the threshold, fit on all of ``X``.

    ``study`` names a study in a shared storage to tune in (see
    :func:`predict.evaluation.create_studies`); ``None`` tunes in memory.

    Returns
    -------
    model : Pipeline or CalibratedClassifierCV
        Fitted on ``X``.
    tuned : Tuned
        The tuning outcome.
    threshold : float or None
        Chosen on inner out-of-fold predictions only.
    """
    config = plan.config
    tuned = tune(
        tuning_problem(plan, X, y, seed),
        n_trials=config.tuning.n_trials,
        timeout=config.tuning.timeout,
        pruning=config.tuning.pruning,
        seed=seed,
        callbacks=callbacks,
        study=study,
    )
    model: Any = plan.make_pipeline(tuned.params, seed)
    if config.task == "binary" and config.model.calibration is not None:
        model = CalibratedClassifierCV(
            model,
            method=config.model.calibration,
            cv=StratifiedKFold(
                config.cv.inner.n_splits, shuffle=True, random_state=seed
            ),
            ensemble=False,
        )
    threshold = _threshold(plan, model, tuned, X, y, seed)
    model.fit(X, y)
    return model, tuned, threshold


def run_fold(
    plan: Plan,
    data: pd.DataFrame,
    y: np.ndarray,
    fold: OuterFold | None,
    callbacks: Sequence[Callable[..., None]] = (),
    study: StudyRef | None = None,
) -> FoldResult:
    """Run one outer fold, or the final fit on every patient when ``fold`` is None.

    ``study`` names the fold's study in a shared storage (``None``: in memory).
    """
    with quiet_optuna():
        if fold is None:
            model, tuned, threshold = fit_tuned(
                plan, data, y, plan.config.seed, callbacks, study
            )
            return FoldResult(None, tuned, threshold, np.empty(0), model)
        train = data.iloc[fold.train]
        model, tuned, threshold = fit_tuned(
            plan, train, y[fold.train], fold.seed, callbacks, study
        )
        predictions = predict_scores(model, data.iloc[fold.test], plan.config.task)
        return FoldResult(fold, tuned, threshold, predictions)
