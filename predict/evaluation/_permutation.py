"""Permutation test of the headline metric.

Two variants, chosen by ``evaluation.permutation``:

- ``full``: labels are permuted and the whole nested procedure (tuning
  included) is re-run for each permutation. Exact, and as expensive as
  training once per permutation.
- ``fixed_params`` (default, the documented cheaper variant): labels are
  permuted and every outer fold is re-fit with the hyperparameters it tuned
  on the real labels, then scored on its test patients. Each outer test fold
  is still unseen by its model, so the null distribution is that of an honest
  out-of-fold AUC (or R²) under no association; it leaves out the variation
  that re-tuning would add, which is small next to the fold-to-fold noise.
  Calibration is left out of the refits: it is monotone and does not change
  the AUC.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from predict.evaluation._nested import FoldResult, Plan, quiet_optuna, run_fold
from predict.evaluation._tuning import predict_scores

if TYPE_CHECKING:
    from predict.evaluation._splits import OuterFold

__all__ = ["permutation_null", "pool_predictions"]


def pool_predictions(
    folds: Sequence[OuterFold], predictions: Sequence[np.ndarray], n: int
) -> np.ndarray:
    """Average each patient's out-of-fold predictions over the repeats."""
    total = np.zeros(n)
    count = np.zeros(n)
    for fold, pred in zip(folds, predictions, strict=True):
        total[fold.test] += pred
        count[fold.test] += 1
    with np.errstate(invalid="ignore"):
        return total / count


def _outer_features(
    plan: Plan, data: pd.DataFrame, fold: OuterFold
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features of an outer fold, built on its training part (labels unused)."""
    features = plan.make_features().fit(data.iloc[fold.train])
    return features.transform(data.iloc[fold.train]), features.transform(
        data.iloc[fold.test]
    )


def _one_permutation(
    plan: Plan,
    data: pd.DataFrame,
    y: np.ndarray,
    results: Sequence[FoldResult],
    built: Sequence[tuple[pd.DataFrame, pd.DataFrame]],
    order: np.ndarray,
    score: Callable[[np.ndarray, np.ndarray], float],
) -> float:
    y_perm = y[order]
    folds = [r.fold for r in results if r.fold is not None]
    predictions = []
    with quiet_optuna():
        for result, fold, (train, test) in zip(results, folds, built, strict=True):
            if plan.config.evaluation.permutation == "full":
                predictions.append(run_fold(plan, data, y_perm, fold).predictions)
                continue
            model = plan.make_model(result.tuned.params, fold.seed)
            model.fit(train, y_perm[fold.train])
            predictions.append(predict_scores(model, test, plan.config.task))
    return score(y_perm, pool_predictions(folds, predictions, len(y)))


def permutation_null(
    plan: Plan,
    data: pd.DataFrame,
    y: np.ndarray,
    results: Sequence[FoldResult],
    score: Callable[[np.ndarray, np.ndarray], float],
    *,
    n_jobs: int = 1,
    on_done: Callable[[], None] | None = None,
) -> np.ndarray:
    """Return the headline metric under ``n_permutations`` label permutations.

    Parameters
    ----------
    plan : Plan
        The pipeline recipe.
    data, y : table and target of the trained patients.
    results : sequence of FoldResult
        The outer folds of the real run (their tuned parameters are reused in
        the ``fixed_params`` variant).
    score : callable
        ``score(y_true, pooled_predictions) -> float``.
    n_jobs : int, default=1
        Permutations run in parallel.
    on_done : callable or None, default=None
        Called after each permutation (progress).

    Returns
    -------
    null : ndarray of shape (n_permutations,)
    """
    n = plan.config.evaluation.n_permutations
    rng = np.random.default_rng([plan.config.seed, 7919])
    orders = [rng.permutation(len(y)) for _ in range(n)]
    folds = [r.fold for r in results if r.fold is not None]
    if plan.config.evaluation.permutation == "full":
        built = [(data.iloc[:0], data.iloc[:0]) for _ in folds]
    else:  # feature builders ignore the labels: build them once per fold
        built = [_outer_features(plan, data, fold) for fold in folds]
    jobs = (
        delayed(_one_permutation)(plan, data, y, results, built, order, score)
        for order in orders
    )
    values = []
    for value in Parallel(n_jobs=n_jobs, return_as="generator")(jobs):
        values.append(value)
        if on_done is not None:
            on_done()
    return np.asarray(values, dtype=float)
