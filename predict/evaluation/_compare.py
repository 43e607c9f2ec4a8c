"""Compare configs evaluated on the same outer folds: paired AUC differences."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from predict.evaluation._metrics import binary_metrics, regression_metrics
from predict.exceptions import TrainingError

if TYPE_CHECKING:
    from predict.evaluation._result import ExperimentResult

__all__ = ["compare_results", "headline_score", "paired_difference"]


def _pooled(result: ExperimentResult) -> pd.Series:
    column = "y_prob" if result.task == "binary" else "y_pred"
    return result.predictions.groupby(level=0)[column].mean()


def headline_score(task: str, y: np.ndarray, pred: np.ndarray) -> float:
    """Return the headline metric: AUC (binary targets) or R² (percent change)."""
    if task == "binary":
        return binary_metrics(y, pred, (pred >= 0.5).astype(float))["auc"]
    return regression_metrics(y, pred)["r2"]


def paired_difference(
    result: ExperimentResult,
    baseline: ExperimentResult,
    *,
    n_bootstrap: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Headline metric of ``result`` minus ``baseline``, with a paired bootstrap CI.

    Both results must come from the same patients and outer folds (same
    cohort, ``cv`` and ``seed``). Patients are resampled together, so the
    interval reflects the difference itself, not the two metrics' own spread.

    Returns
    -------
    difference, ci_low, ci_high : float
    """
    a, b = _pooled(result), _pooled(baseline)
    if not a.index.equals(b.index):
        b = b.reindex(a.index)
    y = (
        result.predictions.groupby(level=0)["y_true"]
        .first()
        .reindex(a.index)
        .to_numpy()
    )
    pa, pb = a.to_numpy(), b.to_numpy()
    task = result.task
    observed = headline_score(task, y, pa) - headline_score(task, y, pb)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_bootstrap):
        idx = rng.integers(0, len(y), len(y))
        if task == "binary" and len(np.unique(y[idx])) < 2:
            continue
        values.append(
            headline_score(task, y[idx], pa[idx])
            - headline_score(task, y[idx], pb[idx])
        )
    alpha = (1 - ci) / 2
    low, high = np.nanquantile(values, [alpha, 1 - alpha])
    return float(observed), float(low), float(high)


def compare_results(
    results: Mapping[str, ExperimentResult],
    baseline: str,
    *,
    skipped: Mapping[str, str] | None = None,
    **bootstrap: int,
) -> pd.DataFrame:
    """Tabulate headline metrics with CIs and the paired difference to a baseline.

    Parameters
    ----------
    results : mapping of str to ExperimentResult
        Config name -> its result, all on the same patients and outer folds.
    baseline : str
        Name of the reference config (for example ``clinical_only``).
    skipped : mapping of str to str or None, default=None
        Configs not trained -> why (a modality the cohort lacks); listed
        with missing metrics and the reason in ``skipped``.
    **bootstrap
        ``n_bootstrap``, ``seed`` for :func:`paired_difference`.

    Returns
    -------
    table : pandas.DataFrame
        Indexed by config: ``metric``, ``value``, ``ci_low``, ``ci_high``,
        ``diff``, ``diff_ci_low``, ``diff_ci_high``, ``fold_diff_mean``
        (mean per-fold difference on the same outer folds), and ``skipped``
        (the reason, empty for configs that ran).

    Raises
    ------
    TrainingError
        When the baseline was skipped.
    """
    skipped = dict(skipped or {})
    if baseline in skipped:
        raise TrainingError(
            f"The study's baseline '{baseline}' was skipped ({skipped[baseline]}): "
            "choose a baseline the cohort has the data for."
        )
    reference = results[baseline]
    rows = []
    for name, result in results.items():
        row = result.metrics.loc[result.headline]
        diff = paired_difference(result, reference, **bootstrap)
        fold_diff = (
            result.fold_metrics[result.headline].to_numpy()
            - reference.fold_metrics[reference.headline].to_numpy()
        )
        rows.append(
            {
                "config": name,
                "metric": result.headline,
                "value": row["value"],
                "ci_low": row["ci_low"],
                "ci_high": row["ci_high"],
                "diff": diff[0],
                "diff_ci_low": diff[1],
                "diff_ci_high": diff[2],
                "fold_diff_mean": float(np.mean(fold_diff)),
                "skipped": "",
            }
        )
    for name, reason in skipped.items():
        rows.append({"config": name, "metric": reference.headline, "skipped": reason})
    return pd.DataFrame(rows).set_index("config")
