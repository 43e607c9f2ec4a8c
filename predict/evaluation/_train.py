"""``predict.train``: honest nested cross-validation, then the final model."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from predict.evaluation._compare import headline_score
from predict.evaluation._metrics import (
    binary_metrics,
    bootstrap_ci,
    decision_curve,
    regression_metrics,
)
from predict.evaluation._nested import FoldResult, Plan, run_fold
from predict.evaluation._permutation import permutation_null, pool_predictions
from predict.evaluation._progress import resolve_progress
from predict.evaluation._result import ExperimentResult
from predict.evaluation._shared import redact_config
from predict.evaluation._splits import (
    check_folds,
    check_trainable,
    outer_folds,
    target_of,
)
from predict.exceptions import TrainingError

if TYPE_CHECKING:
    from predict.cohort import Cohort
    from predict.config import ExperimentConfig
    from predict.evaluation._progress import ProgressReporter
    from predict.evaluation._shared import StudyRef
    from predict.evaluation._splits import OuterFold

__all__ = ["train"]


def _classes(pred: np.ndarray, threshold: float | None) -> np.ndarray:
    if threshold is None:
        return np.full(len(pred), np.nan)
    return (pred >= threshold).astype(float)


def _metric_fn(task: str) -> Callable[..., dict[str, float]]:
    if task == "binary":
        return binary_metrics
    return lambda y, pred, _cls: regression_metrics(y, pred)


def _run_folds(
    plan: Plan,
    data: pd.DataFrame,
    y: np.ndarray,
    folds: list[OuterFold],
    n_jobs: int,
    progress: ProgressReporter | None,
    studies: list[StudyRef | None],
) -> tuple[list[FoldResult], FoldResult]:
    """Run every outer fold and the final fit, in parallel when asked."""
    tasks: list[OuterFold | None] = [*folds, None]
    results: dict[int, FoldResult] = {}
    if n_jobs == 1:
        callbacks = [lambda study, trial: progress.trial_done()] if progress else []
        for i, fold in enumerate(tasks):
            results[i] = run_fold(plan, data, y, fold, callbacks, studies[i])
            if progress:
                progress.fit_done(fold.label if fold else "final")
    else:
        jobs = (
            delayed(_indexed)(i, plan, data, y, fold, studies[i])
            for i, fold in enumerate(tasks)
        )
        parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
        for i, result in parallel(jobs):
            results[i] = result
            if progress:
                progress.fit_done(result.fold.label if result.fold else "final")
    ordered = [results[i] for i in range(len(tasks))]
    return ordered[:-1], ordered[-1]


def _indexed(
    i: int,
    plan: Plan,
    data: pd.DataFrame,
    y: np.ndarray,
    fold: OuterFold | None,
    study: StudyRef | None,
) -> tuple[int, FoldResult]:
    return i, run_fold(plan, data, y, fold, study=study)


def _studies(
    config: ExperimentConfig, cohort: Cohort, n_folds: int
) -> list[StudyRef | None]:
    """Return the shared study of each outer fold and the final fit, or Nones."""
    url = config.tuning.storage
    if url is None:
        return [None] * (n_folds + 1)
    from predict.evaluation._shared import StudyRef, create_studies

    return [StudyRef(url, name) for name in create_studies(config, cohort)]


def _tables(
    config: ExperimentConfig,
    data: pd.DataFrame,
    y: np.ndarray,
    results: list[FoldResult],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Out-of-fold predictions, per-fold metrics and every trial, as tables."""
    task, metric_fn = config.task, _metric_fn(config.task)
    column = "y_prob" if task == "binary" else "y_pred"
    rows, fold_rows, trials = [], [], []
    for result in results:
        fold = result.fold
        assert fold is not None
        classes = _classes(result.predictions, result.threshold)
        rows.append(
            pd.DataFrame(
                {
                    "repeat": fold.repeat,
                    "fold": fold.fold,
                    "y_true": y[fold.test],
                    column: result.predictions,
                    "y_class": classes,
                },
                index=data.index[fold.test],
            )
        )
        fold_rows.append(
            {
                "repeat": fold.repeat,
                "fold": fold.fold,
                "label": fold.label,
                "n_train": len(fold.train),
                "n_test": len(fold.test),
                "threshold": result.threshold,
                "inner_score": result.tuned.value,
                **metric_fn(y[fold.test], result.predictions, classes),
                **{
                    f"weight_{family}": weight
                    for family, weight in (result.tuned.weights or {}).items()
                },
            }
        )
        trials.append(result.tuned.trials.assign(repeat=fold.repeat, fold=fold.fold))
    return (
        pd.concat(rows),
        pd.DataFrame(fold_rows),
        pd.concat(trials, ignore_index=True),
    )


def train(
    config: ExperimentConfig,
    cohort: Cohort,
    *,
    n_jobs: int | None = None,
    progress: ProgressReporter | bool | Literal["auto"] | None = "auto",
) -> ExperimentResult:
    """Evaluate a config with nested cross-validation and fit the final model.

    Every step that learns from data (feature levels, imputation, scaling,
    tuning, threshold, calibration) runs inside the outer training part, so
    the pooled out-of-fold metrics estimate performance on new patients. The
    final model is tuned the same way on every patient, then refit.

    With ``config.tuning.storage`` set, each outer fold's Optuna study (and
    the final model's) lives in that database (see
    :func:`predict.evaluation.create_studies`): ``rtms-predict worker``
    processes may run its trials too, ``train`` runs trials itself and waits
    until each study has ``n_trials`` finished trials, and a rerun reuses the
    finished trials instead of starting over.

    Parameters
    ----------
    config : ExperimentConfig
        Features, model, cross-validation, tuning and evaluation settings.
    cohort : Cohort
        A validated cohort (see :func:`predict.read_cohort`); patients whose
        target is unknown are left out and counted.
    n_jobs : int or None, default=None
        Outer folds (and permutations) run in parallel; ``None`` uses
        ``config.n_jobs``.
    progress : ProgressReporter, bool, "auto" or None, default="auto"
        Progress of the folds, trials and permutations. ``"auto"`` draws rich
        progress bars with an ETA on stderr when Python runs interactively (a
        terminal, the REPL, Jupyter) and stays quiet otherwise; ``True``
        always reports (one line per finished outer fold when stderr is not a
        terminal); ``False`` or ``None`` never; or any
        :class:`~predict.evaluation.ProgressReporter`.

    Returns
    -------
    result : ExperimentResult
        Pooled metrics with bootstrap CIs, per-fold metrics, out-of-fold
        predictions, tuned parameters and trial histories, the permutation
        p-value, the decision curve and the final fitted model.

    Raises
    ------
    RawExtractionError
        When a raw file named by a path column gives no markers and
        ``config.raw.on_error`` is ``"error"`` (files are read first, once).
    MissingModalityError
        Before any fitting, when a builder listed without ``optional: true``
        has no data in the cohort (a :class:`TrainingError`).
    TrainingError
        Before any fitting, when the cohort cannot be trained with the config
        (missing target, a single class, too few patients of a class, leave-
        site-out without two sites).

    Examples
    --------
    >>> from predict import read_cohort, simulate_cohort, train
    >>> from predict.config import ExperimentConfig
    >>> config = ExperimentConfig(
    ...     features={"clinical": {}}, model={"name": "elastic_net"},
    ...     tuning={"n_trials": 3}, cv={"inner": {"n_splits": 3}},
    ...     evaluation={"n_bootstrap": 50, "n_permutations": 0})
    >>> result = train(config, read_cohort(simulate_cohort(120, seed=1)))
    >>> bool(0.0 <= result.metrics.loc["auc", "value"] <= 1.0)
    True
    """
    if config.primary_scale not in (None, cohort.primary_scale):
        raise TrainingError(
            f"The config's primary scale is '{config.primary_scale}' but the cohort's "
            f"outcomes were derived from '{cohort.primary_scale}': read the table "
            f"with read_cohort(..., primary_scale='{config.primary_scale}')."
        )
    from predict.cohort._timepoint import cohort_for
    from predict.features import resolve_features

    cohort = cohort_for(config, cohort)  # raw files read, later visits dropped
    raw_report = cohort.raw_report
    # After the raw stage and the prediction time: markers read from files and
    # visit columns count as data.
    features = resolve_features(config, cohort)
    data, y = target_of(config, cohort)
    check_trainable(config, cohort, y)
    n_jobs = config.n_jobs if n_jobs is None else n_jobs
    plan = Plan(features.apply(config), cohort.primary_scale)
    folds = outer_folds(config, data, y)
    check_folds(config, folds, y)
    studies = _studies(config, cohort, len(folds))
    evaluation = config.evaluation
    progress = resolve_progress(progress)
    if progress:
        progress.start(
            len(folds) + 1,
            plan.n_trials if n_jobs == 1 else 0,
            evaluation.n_permutations,
        )
    try:
        results, final = _run_folds(plan, data, y, folds, n_jobs, progress, studies)
        predictions, fold_metrics, trials = _tables(config, data, y, results)
        pooled = pool_predictions(folds, [r.predictions for r in results], len(y))
        classes = pool_predictions(
            folds, [_classes(r.predictions, r.threshold) for r in results], len(y)
        )
        classes = np.where(np.isnan(classes), np.nan, (classes >= 0.5).astype(float))
        metric_fn = _metric_fn(config.task)
        metrics = bootstrap_ci(
            metric_fn,
            (y, pooled, classes),
            n_bootstrap=max(evaluation.n_bootstrap, 1),
            ci=evaluation.ci,
            seed=config.seed,
            stratify=y if config.task == "binary" else None,
        )
        if evaluation.n_bootstrap == 0:
            metrics[["ci_low", "ci_high"]] = np.nan
        headline = "auc" if config.task == "binary" else "r2"
        null = np.empty(0)
        p_value = None
        if evaluation.n_permutations:
            null = permutation_null(
                plan,
                data,
                y,
                results,
                functools.partial(headline_score, config.task),
                n_jobs=n_jobs,
                on_done=progress.permutation_done if progress else None,
            )
            observed = float(metrics.loc[headline, "value"])
            p_value = float((1 + np.sum(null >= observed)) / (1 + len(null)))
    finally:
        if progress:
            progress.stop()
    all_trials = pd.concat(
        [trials, final.tuned.trials.assign(repeat=0, fold=-1)], ignore_index=True
    )
    return ExperimentResult(
        # The result is saved and logged: no storage password goes with it.
        config=redact_config(config),
        task=config.task,
        headline=headline,
        metrics=metrics,
        fold_metrics=fold_metrics,
        predictions=predictions,
        best_params=[r.tuned.params for r in results],
        trials=all_trials,
        final_model=final.model,
        final_params=final.tuned.params,
        threshold=final.threshold,
        permutation_p=p_value,
        null_distribution=null,
        decision_curve=decision_curve(y, pooled) if config.task == "binary" else None,
        n_excluded=len(cohort.data) - len(data),
        fingerprint=cohort.fingerprint,
        raw_report=raw_report,
        features=features,
    )
