"""What :func:`predict.train` returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from predict.config import ExperimentConfig
    from predict.features import ResolvedFeatures
    from predict.models import Task
    from predict.raw import RawReport

__all__ = ["ExperimentResult"]


@dataclass
class ExperimentResult:
    """The outcome of honest nested cross-validation, and the final model.

    Attributes
    ----------
    config : ExperimentConfig
        The resolved configuration.
    task : {"binary", "regression"}
        What was predicted.
    headline : str
        The headline metric: ``"auc"`` (binary) or ``"r2"`` (regression).
    metrics : pandas.DataFrame
        Pooled out-of-fold metrics, indexed by metric name, with columns
        ``value``, ``ci_low`` and ``ci_high`` (bootstrap percentile interval).
    fold_metrics : pandas.DataFrame
        One row per outer fold: ``repeat``, ``fold``, ``label``, ``n_train``,
        ``n_test``, ``threshold``, ``inner_score`` and every metric.
    predictions : pandas.DataFrame
        Out-of-fold predictions, one row per patient and repeat, indexed by
        ``patient_id``: ``repeat``, ``fold``, ``y_true``, ``y_prob`` (binary)
        or ``y_pred`` (regression), and ``y_class`` at the fold's threshold.
    best_params : list of dict
        Tuned estimator parameters per outer fold, in fold order.
    trials : pandas.DataFrame
        Every Optuna trial of every outer fold (columns ``repeat``, ``fold``
        added); the final model's trials have ``fold == -1``.
    final_model : object
        The pipeline tuned and fit on every patient, for scoring.
    final_params : dict
        Its tuned parameters.
    threshold : float or None
        Its decision threshold (chosen on its inner folds).
    permutation_p : float or None
        Permutation-test p-value of the headline metric (None when
        ``n_permutations`` is 0).
    null_distribution : ndarray
        The headline metric under permuted labels.
    decision_curve : pandas.DataFrame or None
        Net benefit of the model, treat-all and treat-none across threshold
        probabilities (binary targets).
    n_excluded : int
        Patients left out because their target is unknown.
    fingerprint : str
        The cohort's fingerprint (after raw files were turned into markers).
    raw_report : RawReport or None
        Raw files read and those that gave no markers (``None`` when the
        cohort has no path columns).
    features : ResolvedFeatures or None
        The feature builders used and those left out with the reason (with
        ``features: auto`` or ``optional: true``); ``config`` keeps the
        ``features`` block as written.
    """

    config: ExperimentConfig
    task: Task
    headline: str
    metrics: pd.DataFrame
    fold_metrics: pd.DataFrame
    predictions: pd.DataFrame
    best_params: list[dict[str, Any]]
    trials: pd.DataFrame = field(repr=False)
    final_model: Any = field(repr=False)
    final_params: dict[str, Any]
    threshold: float | None
    permutation_p: float | None
    null_distribution: np.ndarray = field(repr=False)
    decision_curve: pd.DataFrame | None = field(repr=False)
    n_excluded: int
    fingerprint: str
    raw_report: RawReport | None = field(default=None, repr=False)
    features: ResolvedFeatures | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        row = self.metrics.loc[self.headline]
        p = "" if self.permutation_p is None else f", p={self.permutation_p:.3g}"
        return (
            f"ExperimentResult(name={self.config.name!r}, {self.headline}="
            f"{row['value']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]{p}, "
            f"n_folds={len(self.fold_metrics)})"
        )

    def summary(self) -> pd.DataFrame:
        """Return the pooled metrics with CIs and the fold spread.

        Returns
        -------
        summary : pandas.DataFrame
            Indexed by metric: ``value``, ``ci_low``, ``ci_high``,
            ``fold_mean`` and ``fold_sd``.
        """
        summary = self.metrics.copy()
        folds = self.fold_metrics
        summary["fold_mean"] = [
            folds[m].mean() if m in folds else np.nan for m in summary.index
        ]
        summary["fold_sd"] = [
            folds[m].std(ddof=1) if m in folds and len(folds) > 1 else np.nan
            for m in summary.index
        ]
        return summary

    def site_metrics(self) -> pd.DataFrame:
        """Return each held-out site's metrics (leave-site-out outer CV).

        Returns
        -------
        sites : pandas.DataFrame
            Indexed by site: ``n`` (patients), ``response_rate`` (observed
            rate of the binary target), and ``auc`` and ``brier`` (``r2`` and
            ``mae`` for percent change) on that site's out-of-fold
            predictions. Empty unless ``cv.outer.scheme`` is
            ``leave_site_out``.
        """
        keys = ["auc", "brier"] if self.task == "binary" else ["r2", "mae"]
        rate = ["response_rate"] if self.task == "binary" else []
        if self.config.cv.outer.scheme != "leave_site_out":
            return pd.DataFrame(columns=["n", *rate, *keys], dtype=float)
        folds = self.fold_metrics
        table = pd.DataFrame(
            {"n": folds["n_test"].to_numpy(dtype=float)},
            index=pd.Index(folds["label"].astype(str).to_list(), name="site"),
        )
        if rate:
            observed = self.predictions.groupby("fold")["y_true"].mean()
            table["response_rate"] = observed.reindex(folds["fold"]).to_numpy()
        for key in keys:
            table[key] = folds[key].to_numpy(dtype=float)
        return table

    def site_spread(self) -> pd.DataFrame:
        """Return the spread of the per-site metrics across held-out sites.

        Returns
        -------
        spread : pandas.DataFrame
            Indexed by metric (``auc``, ``brier``; ``r2``, ``mae``): ``mean``,
            ``sd``, ``min``, ``max`` and ``iqr`` over the sites, ignoring
            sites where a metric is undefined (one class). Empty unless
            leave-site-out.
        """
        sites = self.site_metrics().drop(
            columns=["n", "response_rate"], errors="ignore"
        )
        rows = {}
        for key in sites.columns:
            values = sites[key].dropna().to_numpy(dtype=float)
            if not len(values):
                continue
            q1, q3 = np.percentile(values, [25, 75])
            rows[key] = {
                "mean": float(values.mean()),
                "sd": float(values.std(ddof=1)) if len(values) > 1 else np.nan,
                "min": float(values.min()),
                "max": float(values.max()),
                "iqr": float(q3 - q1),
            }
        return pd.DataFrame.from_dict(
            rows, orient="index", columns=["mean", "sd", "min", "max", "iqr"]
        )
