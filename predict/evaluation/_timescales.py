"""When can we know? One model at several prediction times, compared.

A study whose configs differ in ``predict_at`` (``experiments/timescales.yaml``)
runs the same model at baseline and at later time points on the same
patients and outer folds; :func:`timescale_table` puts the comparison of
:func:`~predict.evaluation.compare_results` on a time axis and
:func:`plot_timescales` draws the headline metric with its confidence band
against the day of the course.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from predict.cohort import Cohort
    from predict.config import ExperimentConfig

__all__ = ["BASELINE_DAY", "log_timescales", "plot_timescales", "timescale_table"]

#: Where a baseline-only model sits on the time axis (before day 0, the first
#: session), so it is drawn left of every visit.
BASELINE_DAY = -3.0


def timescale_table(
    table: pd.DataFrame, configs: Mapping[str, ExperimentConfig], cohort: Cohort
) -> pd.DataFrame | None:
    """Add each config's prediction time to a comparison table.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`~predict.evaluation.compare_results`, indexed by config.
    configs : mapping of str to ExperimentConfig
        The study's configs by name.
    cohort : Cohort
        The cohort they ran on (its visits give a label's day).

    Returns
    -------
    table : pandas.DataFrame or None
        The comparison sorted by time with ``day`` (``NaN`` at baseline) and
        ``time_point`` (``"baseline"``, ``"w1 (day 7)"``); ``None`` when no
        config has a ``predict_at``.
    """
    if all(config.predict_at is None for config in configs.values()):
        return None
    from predict.cohort._timepoint import resolve_time_point

    days, labels = {}, {}
    for name, config in configs.items():
        at = config.predict_at
        if at is None:
            days[name], labels[name] = float("nan"), "baseline"
            continue
        point = resolve_time_point(cohort.visits, day=at.day, visit=at.visit)
        days[name] = point.day
        labels[name] = (
            f"{point.visit} (day {point.day:g})"
            if point.visit
            else f"day {point.day:g}"
        )
    out = table.assign(day=pd.Series(days), time_point=pd.Series(labels)).sort_values(
        "day", na_position="first", kind="stable"
    )
    return out


def plot_timescales(table: pd.DataFrame, title: str = "") -> Figure:
    """Draw the headline metric and its CI band against the prediction day.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`timescale_table`.
    title : str, default=""
        Figure title (the study's name).

    Returns
    -------
    figure : matplotlib.figure.Figure
        On its own Agg canvas; baseline models are drawn at
        :data:`BASELINE_DAY` and labelled "baseline".
    """
    from predict.tracking._plots import _figure

    x = table["day"].fillna(BASELINE_DAY).to_numpy(dtype=float)
    metric = str(table["metric"].iloc[0]).upper()
    figure, ax = _figure(6.0, 4.0)
    ax.fill_between(
        x,
        table["ci_low"].to_numpy(dtype=float),
        table["ci_high"].to_numpy(dtype=float),
        color="tab:blue",
        alpha=0.2,
        label="95 % CI",
    )
    ax.plot(x, table["value"], "o-", color="tab:blue", label=metric)
    for xi, (_, row) in zip(x, table.iterrows(), strict=True):
        if row["day"] == row["day"]:  # not baseline
            ax.annotate(
                f"Δ {row['diff']:+.3f}",
                (xi, row["value"]),
                textcoords="offset points",
                xytext=(0, -16),
                ha="center",
                fontsize=8,
            )
    if metric == "AUC":
        ax.axhline(0.5, color="gray", linestyle=":", linewidth=1, label="chance")
    ax.set_xticks(x, [str(label).replace(" (", "\n(") for label in table["time_point"]])
    ax.set_xlabel("prediction time (days since the first session)")
    ax.set_ylabel(f"{metric} (out-of-fold)")
    ax.set_title(title or f"{metric} by prediction time")
    ax.legend(loc="lower right", fontsize=8)
    return figure


def log_timescales(table: pd.DataFrame, title: str, folder: Any) -> list[Any]:
    """Write the time-axis table and plot into ``folder``; return the paths."""
    from pathlib import Path

    from predict._atomic import write_table
    from predict.tracking._plots import _save

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    csv = write_table(table, folder / "timescales.csv", index=True)
    png = _save(plot_timescales(table, title), folder / "auc_vs_day.png")
    return [csv, png]
