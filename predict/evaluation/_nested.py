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
    InnerFold,
    Problem,
    Tuned,
    inner_folds,
    inner_score,
    predict_scores,
    tune,
)
from predict.features import make_features
from predict.models import (
    DEFAULT_CANDIDATES,
    ENSEMBLES,
    StackedClassifier,
    StackedRegressor,
    build_pipeline,
    fit_stack,
    get_model,
)
from predict.models._stack import member_logits

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
    "stack_predictions",
    "tune_families",
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

    @property
    def ensemble(self) -> str | None:
        """``"auto"`` or ``"select"`` when the model combines families, else None."""
        name = self.config.model.name
        return name if name in ENSEMBLES else None

    def families(self) -> dict[str, tuple[int, dict[str, Any]]]:
        """Family name -> (trials per study, fixed parameters), in tuning order."""
        model, n_trials = self.config.model, self.config.tuning.n_trials
        if self.ensemble is None:
            return {model.name: (n_trials, dict(model.params))}
        if not model.candidates:
            return {name: (n, {}) for name, n in DEFAULT_CANDIDATES.items()}
        return {
            name: (candidate.n_trials or n_trials, dict(candidate.params))
            for name, candidate in model.candidates.items()
        }

    @property
    def n_trials(self) -> int:
        """Trials per outer fold, over every family."""
        return sum(n for n, _ in self.families().values())

    def make_member(self, family: str, params: dict[str, Any], seed: int) -> Pipeline:
        """Return one family's steps after the feature builders, unfitted."""
        spec = get_model(family)
        interactions = self.config.model.interactions if spec.linear else None
        extra = {"interactions": interactions} if interactions else {}
        pipeline = build_pipeline(
            "passthrough", spec, self.config.task, seed=seed, params=params, **extra
        )
        return pipeline[1:]

    def make_pipeline(self, params: dict[str, Any], seed: int) -> Pipeline:
        """Return the unfitted pipeline with the given estimator parameters.

        For ``auto`` and ``select``, ``params`` holds each family's tuned
        ``members`` parameters, their stack ``weights`` and the ``intercept``
        (see :func:`tune_families`).
        """
        from sklearn.pipeline import Pipeline

        if self.ensemble is None:
            member = self.make_member(self.config.model.name, params, seed)
            return Pipeline([("features", self.make_features()), *member.steps])
        stack = StackedClassifier if self.config.task == "binary" else StackedRegressor
        members = params["members"]
        model = stack(
            members=[(f, self.make_member(f, p, seed)) for f, p in members.items()],
            weights=[float(params["weights"][f]) for f in members],
            intercept=float(params["intercept"]),
        )
        return Pipeline([("features", self.make_features()), ("model", model)])

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


def tuning_problem(
    plan: Plan,
    X: pd.DataFrame,
    y: np.ndarray,
    seed: int,
    family: str | None = None,
    folds: Sequence[InnerFold] | None = None,
) -> Problem:
    """Return the tuning problem of a training part: inner folds, features built.

    The coordinating ``train`` and every worker process build it the same
    way, so a trial scores the same wherever it runs. ``family`` picks one
    candidate of ``auto`` or ``select`` (default: the config's model);
    ``folds`` reuses inner folds already built for another family.
    """
    config = plan.config
    family = config.model.name if family is None else family
    if folds is None:
        splits = list(inner_splitter(config, seed).split(X, y))
        folds = inner_folds(plan.make_features(), X, splits)
    return Problem(
        make_model=lambda params: plan.make_member(family, params, seed),
        search_space=get_model(family).search_space,
        folds=folds,
        y=y,
        task=config.task,
        fixed=plan.families()[family][1],
        metric=config.tuning_metric,
    )


def stack_predictions(
    oof: np.ndarray, weights: np.ndarray, intercept: float, task: str
) -> np.ndarray:
    """Apply stack weights to members' predictions (columns of ``oof``)."""
    if task == "binary":
        from scipy.special import expit

        return np.asarray(expit(member_logits(oof) @ weights + intercept))
    return np.asarray(oof @ weights + intercept)


def tune_families(
    plan: Plan,
    X: pd.DataFrame,
    y: np.ndarray,
    seed: int,
    callbacks: Sequence[Callable[..., None]] = (),
) -> Tuned:
    """Tune every candidate family on the same inner folds, then stack them.

    Each family gets its own seeded study and trials. ``auto`` fits the
    non-negative meta-model (see :func:`predict.models.fit_stack`) on the
    families' inner out-of-fold predictions of ``X``; ``select`` gives weight
    1 to the family with the best inner score. Only ``X`` (a training part)
    is seen.

    Returns
    -------
    tuned : Tuned
        ``params`` holds ``members`` (family -> tuned parameters),
        ``weights`` and ``intercept``; ``oof`` is the stack's inner
        out-of-fold prediction and ``value`` its mean inner score.
    """
    config = plan.config
    splits = list(inner_splitter(config, seed).split(X, y))
    folds = inner_folds(plan.make_features(), X, splits)
    tuned: dict[str, Tuned] = {}
    for family, (n_trials, _) in plan.families().items():
        tuned[family] = tune(
            tuning_problem(plan, X, y, seed, family, folds),
            n_trials=n_trials,
            timeout=config.tuning.timeout,
            pruning=config.tuning.pruning,
            seed=seed,
            callbacks=callbacks,
        )
    names = list(tuned)
    oof = np.column_stack([tuned[f].oof for f in names])
    if plan.ensemble == "select":
        best = max(names, key=lambda f: (tuned[f].value, -names.index(f)))
        weights, intercept = np.array([float(f == best) for f in names]), 0.0
    else:
        weights, intercept = fit_stack(oof, y, config.task)
    stacked = stack_predictions(oof, weights, intercept, config.task)
    value = float(
        np.mean(
            [
                inner_score(config.tuning_metric, y[f.valid], stacked[f.valid])
                for f in folds
            ]
        )
    )
    trials = pd.concat(
        [t.trials.assign(family=f) for f, t in tuned.items()], ignore_index=True
    )
    share = dict(zip(names, (float(w) for w in weights), strict=True))
    params = {
        "members": {f: tuned[f].params for f in names},
        "weights": share,
        "intercept": float(intercept),
    }
    return Tuned(params=params, value=value, oof=stacked, trials=trials, weights=share)


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
    if plan.ensemble is not None:
        tuned = tune_families(plan, X, y, seed, callbacks)
    else:
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
