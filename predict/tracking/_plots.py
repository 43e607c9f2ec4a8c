"""Figures of an :class:`~predict.evaluation.ExperimentResult`, saved as PNG.

Every function draws on its own :class:`matplotlib.figure.Figure` with the Agg
canvas, never through pyplot, so nothing here opens a window or leaves a
figure registered in pyplot's global state. Matplotlib is imported on first
use, which keeps ``import predict.tracking`` light.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from predict._atomic import atomic_path, write_table
from predict.exceptions import UsageError
from predict.tracking._importance import feature_importance

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from predict.evaluation import ExperimentResult

__all__ = [
    "plot_calibration",
    "plot_decision_curve",
    "plot_feature_importance",
    "plot_optimization_history",
    "plot_predicted_vs_observed",
    "plot_roc",
    "save_figures",
]

_MODEL, _FOLDS, _REFERENCE = "tab:blue", "tab:gray", "black"


def _figure(width: float, height: float, *grid: int, **kwargs: Any) -> Any:
    """Return a figure on its own Agg canvas (no pyplot) and its subplots."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.subplots(*grid, **kwargs)


def _title(result: ExperimentResult, text: str) -> str:
    name = getattr(result.config, "name", None)
    return f"{name}: {text}" if name else text


def _check_int(value: int, name: str, minimum: int, func: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UsageError(
            f"{func}: '{name}' must be an int >= {minimum}; got {value!r}."
        )


def _require(result: ExperimentResult, task: str, func: str) -> None:
    if result.task != task:
        other = "plot_predicted_vs_observed" if task == "binary" else "plot_roc"
        raise UsageError(
            f"{func} is for {task} targets, but this result predicts "
            f"'{result.config.target}' ({result.task}): use {other} instead."
        )


def _pooled(result: ExperimentResult) -> pd.DataFrame:
    """Out-of-fold predictions averaged over repeats, one row per patient."""
    column = "y_prob" if result.task == "binary" else "y_pred"
    pooled = result.predictions.groupby(level=0)[["y_true", column]].mean()
    return pooled.rename(columns={column: "pred"})


def plot_roc(result: ExperimentResult) -> Figure:
    """Plot the pooled out-of-fold ROC curve, each outer fold's and chance.

    Parameters
    ----------
    result : ExperimentResult
        A result of :func:`predict.train` with a binary target.

    Returns
    -------
    figure : matplotlib.figure.Figure
        One axes: a thin line per outer fold (and repeat), the pooled curve
        (probabilities averaged over repeats per patient) with its AUC in the
        legend, and the chance diagonal.

    Raises
    ------
    UsageError
        For a regression result (a :class:`ValueError`).
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    _require(result, "binary", "plot_roc")
    figure, ax = _figure(5.5, 5.0)
    label = "outer folds"
    for _, fold in result.predictions.groupby(["repeat", "fold"]):
        if fold["y_true"].nunique() < 2:  # a fold with one class has no ROC
            continue
        fpr, tpr, _ = roc_curve(fold["y_true"], fold["y_prob"])
        ax.plot(fpr, tpr, color=_FOLDS, lw=0.8, alpha=0.6, label=label)
        label = "_nolegend_"
    pooled = _pooled(result)
    fpr, tpr, _ = roc_curve(pooled["y_true"], pooled["pred"])
    auc = roc_auc_score(pooled["y_true"], pooled["pred"])
    ax.plot(fpr, tpr, color=_MODEL, lw=2.2, label=f"pooled out-of-fold, AUC={auc:.3f}")
    ax.plot([0, 1], [0, 1], ls="--", lw=1, color=_REFERENCE, label="chance")
    ax.set(xlim=(-0.01, 1.01), ylim=(-0.01, 1.01), aspect="equal")
    ax.set(xlabel="1 − specificity (false positive rate)")
    ax.set(ylabel="sensitivity (true positive rate)")
    ax.set_title(_title(result, f"ROC, {len(pooled)} patients"))
    ax.legend(loc="lower right")
    return figure


def plot_calibration(result: ExperimentResult, n_bins: int = 10) -> Figure:
    """Plot a reliability diagram of the pooled out-of-fold probabilities.

    Parameters
    ----------
    result : ExperimentResult
        A result of :func:`predict.train` with a binary target.
    n_bins : int, default=10
        Quantile bins of the predicted probability (equal patient counts).

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two axes: above, the observed rate against the mean predicted
        probability per bin with the ideal diagonal; below, a histogram of
        the predictions (20 bins on [0, 1]) stacked by observed outcome.

    Raises
    ------
    UsageError
        For a regression result or ``n_bins`` below 2 (a :class:`ValueError`).
    """
    from sklearn.calibration import calibration_curve

    _require(result, "binary", "plot_calibration")
    _check_int(n_bins, "n_bins", 2, "plot_calibration")
    pooled = _pooled(result)
    y, p = pooled["y_true"].to_numpy(), pooled["pred"].to_numpy()
    observed, predicted = calibration_curve(y, p, n_bins=n_bins, strategy="quantile")
    figure, (top, bottom) = _figure(5.5, 6.5, 2, 1, sharex=True, height_ratios=[3, 1])
    top.plot([0, 1], [0, 1], ls="--", lw=1, color=_REFERENCE, label="ideal")
    label = f"model ({len(predicted)} quantile bins)"
    top.plot(predicted, observed, "o-", color=_MODEL, label=label)
    top.set(xlim=(0, 1), ylim=(0, 1), ylabel="observed rate")
    top.set_title(_title(result, f"calibration, {len(pooled)} patients (out-of-fold)"))
    top.legend(loc="upper left")
    target, colors = result.config.target, ["tab:orange", _MODEL]
    labels = [f"no {target}", target]
    bins = np.linspace(0, 1, 21)
    bottom.hist([p[y == 0], p[y == 1]], bins, stacked=True, color=colors, label=labels)
    bottom.set(xlabel="predicted probability", ylabel="patients")
    bottom.legend(loc="upper right", fontsize="small")
    return figure


def plot_decision_curve(result: ExperimentResult) -> Figure:
    """Plot net benefit of the model, of treating all and of treating none.

    Parameters
    ----------
    result : ExperimentResult
        A result of :func:`predict.train` with a binary target.

    Returns
    -------
    figure : matplotlib.figure.Figure
        One axes: the three net-benefit curves over the threshold probability
        (and the final model's decision threshold as a dotted vertical line
        when it has one); the y-axis spans -0.05 to 0.05 above the larger of
        the prevalence and the model's best net benefit.

    Raises
    ------
    UsageError
        For a regression result (a :class:`ValueError`).
    """
    _require(result, "binary", "plot_decision_curve")
    pooled = _pooled(result)
    curve = result.decision_curve
    if curve is None:
        from predict.evaluation._metrics import decision_curve

        curve = decision_curve(pooled["y_true"], pooled["pred"])
    prevalence = float(pooled["y_true"].mean())
    figure, ax = _figure(6.5, 4.5)
    t = curve["threshold"]
    ax.plot(t, curve["model"], color=_MODEL, lw=2, label="model (out-of-fold)")
    ax.plot(t, curve["treat_all"], color="tab:orange", lw=1.2, label="treat all")
    ax.plot(
        t, curve["treat_none"], color=_REFERENCE, lw=1.2, ls="--", label="treat none"
    )
    if result.threshold is not None:
        label = f"final model's threshold ({result.threshold:.2f})"
        ax.axvline(result.threshold, color=_FOLDS, ls=":", label=label)
    top = max(prevalence, float(np.nanmax(curve["model"]))) + 0.05
    ax.set(xlim=(0, 1), ylim=(-0.05, top))
    ax.set(xlabel="threshold probability", ylabel="net benefit")
    ax.set_title(_title(result, f"decision curve, prevalence {prevalence:.2f}"))
    ax.legend(loc="upper right")
    return figure


def plot_feature_importance(
    result: ExperimentResult, top: int = 20, data: pd.DataFrame | None = None
) -> tuple[Figure, pd.DataFrame]:
    """Plot the final model's feature importance.

    Linear models give ``|coef_|`` (comparable because the pipeline scales
    its inputs), trees and XGBoost ``feature_importances_`` (gain). Other
    models (``auto`` stacks, spline bases, histogram boosting, SVM) give the
    mean absolute contribution over ``data``; without ``data`` they get
    all-zero importances and a note in the title.

    Parameters
    ----------
    result : ExperimentResult
        A result of :func:`predict.train`.
    top : int, default=20
        Bars to draw, the most important first.
    data : pandas.DataFrame or None, default=None
        The training patients (``Cohort.data``), see
        :func:`predict.tracking._importance.feature_importance`.

    Returns
    -------
    figure : matplotlib.figure.Figure
        One axes with a horizontal bar per top feature.
    importance : pandas.DataFrame
        Every feature of the pipeline's ``features`` step: columns
        ``feature`` and ``importance``, sorted by decreasing importance.

    Raises
    ------
    UsageError
        When ``top`` is not a positive int or the final model is not a
        pipeline with a ``features`` step (a :class:`ValueError`).
    """
    _check_int(top, "top", 1, "plot_feature_importance")
    table, kind, note = feature_importance(result, data)
    shown = table.head(0 if note else top).iloc[::-1]
    figure, ax = _figure(7.0, 0.3 * len(shown) + 1.5 if len(shown) > 5 else 3.0)
    ax.barh(shown["feature"], shown["importance"], color=_MODEL)
    ax.tick_params(axis="y", labelsize="small")
    title = f"final model, top {len(shown)} of {len(table)} features"
    if note:
        title = note
        ax.set_axis_off()
        text = f"{note}:\nall {len(table)} importances are set to 0"
        ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set(xlabel=kind, title=_title(result, title))
    return figure, table


def _history(ax: Axes, trials: pd.DataFrame) -> None:
    """Draw one study: complete trials, their running best, pruned trials."""
    trials = trials.sort_values("number")
    complete = trials[(trials["state"] == "COMPLETE") & trials["value"].notna()]
    x, values = complete["number"].to_numpy(), complete["value"].to_numpy(float)
    ax.plot(x, values, "o", ms=4, color=_MODEL, alpha=0.7, label="complete trial")
    best = np.maximum.accumulate(values)
    ax.plot(x, best, drawstyle="steps-post", color="tab:red", label="best so far")
    pruned = trials.loc[trials["state"] == "PRUNED", "number"].to_numpy()
    if len(pruned):  # no final value: crosses along the bottom edge
        bottom = np.full(len(pruned), 0.04)
        axis = ax.get_xaxis_transform()
        ax.plot(pruned, bottom, "x", color=_FOLDS, transform=axis, label="pruned trial")


def plot_optimization_history(result: ExperimentResult) -> Figure:
    """Plot each Optuna study: objective by trial number and the running best.

    Parameters
    ----------
    result : ExperimentResult
        A result of :func:`predict.train`.

    Returns
    -------
    figure : matplotlib.figure.Figure
        One axes per study (every outer fold, then the final model), up to
        four per row, sharing the y-axis: complete trials as dots, the best
        value so far as a step line, pruned trials as crosses along the
        bottom edge (they have no final value).
    """
    from matplotlib.ticker import MaxNLocator

    trials = result.trials
    pairs = zip(trials["repeat"], trials["fold"], strict=True)
    keys = sorted({(int(r), int(f)) for r, f in pairs}, key=lambda k: (k[1] == -1, k))
    n_repeats = len({r for r, f in keys if f != -1})
    ncols = min(max(len(keys), 1), 4)
    nrows = -(-max(len(keys), 1) // ncols)
    size = (3.2 * ncols + 0.5, 2.6 * nrows + 0.8)
    figure, axes = _figure(*size, nrows, ncols, sharey=True, squeeze=False)
    axes = axes.ravel()
    legend: dict[str, Any] = {}
    for ax, (repeat, fold) in zip(axes, keys, strict=False):
        _history(ax, trials[(trials["repeat"] == repeat) & (trials["fold"] == fold)])
        # numbered from 1, like the child runs ("outer fold 1")
        label = f"fold {fold + 1}"
        if n_repeats > 1:
            label = f"repeat {repeat + 1}, {label}"
        ax.set_title("final model" if fold == -1 else label, fontsize="medium")
        ax.set_xlabel("trial")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        handles, labels = ax.get_legend_handles_labels()
        legend |= dict(zip(labels, handles, strict=True))
    for ax in axes[len(keys) :]:
        ax.set_axis_off()
    for ax in axes[::ncols]:
        ax.set_ylabel("inner AUC" if result.task == "binary" else "inner R²")
    if legend:
        handles, labels = list(legend.values()), list(legend)
        figure.legend(handles, labels, loc="outside lower center", ncols=3)
    figure.suptitle(_title(result, "hyperparameter search"))
    return figure


def plot_predicted_vs_observed(result: ExperimentResult) -> Figure:
    """Plot pooled out-of-fold predictions against observed values.

    Parameters
    ----------
    result : ExperimentResult
        A result of :func:`predict.train` with a regression target.

    Returns
    -------
    figure : matplotlib.figure.Figure
        One axes: a dot per patient (predictions averaged over repeats), the
        identity line, and the pooled R² in the title.

    Raises
    ------
    UsageError
        For a binary result (a :class:`ValueError`).
    """
    from sklearn.metrics import r2_score

    _require(result, "regression", "plot_predicted_vs_observed")
    pooled = _pooled(result)
    y, pred = pooled["y_true"].to_numpy(), pooled["pred"].to_numpy()
    r2 = r2_score(y, pred)
    figure, ax = _figure(5.5, 5.5)
    ax.scatter(y, pred, s=16, color=_MODEL, alpha=0.7, label="patients (out-of-fold)")
    low, high = float(min(y.min(), pred.min())), float(max(y.max(), pred.max()))
    pad = 0.05 * (high - low or 1.0)
    limits = (low - pad, high + pad)
    ax.plot(limits, limits, ls="--", lw=1, color=_REFERENCE, label="identity")
    target = result.config.target
    ax.set(xlim=limits, ylim=limits, aspect="equal")
    ax.set(xlabel=f"observed {target}", ylabel=f"predicted {target}")
    ax.set_title(_title(result, f"R² = {r2:.3f}, {len(pooled)} patients"))
    ax.legend(loc="upper left")
    return figure


def save_figures(
    result: ExperimentResult, folder: str | Path, data: pd.DataFrame | None = None
) -> dict[str, Path]:
    """Write every figure that applies to the result as PNG, and the importances.

    Parameters
    ----------
    result : ExperimentResult
        A result of :func:`predict.train`.
    folder : str or path-like
        Destination folder, created if missing; files in it with the same
        names are replaced (atomically).
    data : pandas.DataFrame or None, default=None
        The training patients, for contribution-based importances (see
        :func:`plot_feature_importance`).

    Returns
    -------
    paths : dict of str to pathlib.Path
        File name to path: ``roc.png``, ``calibration.png`` and
        ``decision_curve.png`` (binary targets) or
        ``predicted_vs_observed.png`` (regression), and always
        ``feature_importance.png``, ``feature_importance.csv`` and
        ``optimization_history.png``.

    Examples
    --------
    >>> import tempfile
    >>> from predict import read_cohort, simulate_cohort, train
    >>> from predict.config import ExperimentConfig
    >>> config = ExperimentConfig(
    ...     features={"clinical": {}}, model={"name": "elastic_net"},
    ...     tuning={"n_trials": 2},
    ...     cv={"outer": {"n_splits": 3}, "inner": {"n_splits": 3}},
    ...     evaluation={"n_bootstrap": 0, "n_permutations": 0})
    >>> result = train(config, read_cohort(simulate_cohort(80, seed=1)))
    >>> paths = save_figures(result, tempfile.mkdtemp())
    >>> sorted(paths)  # doctest: +NORMALIZE_WHITESPACE
    ['calibration.png', 'decision_curve.png', 'feature_importance.csv',
     'feature_importance.png', 'optimization_history.png', 'roc.png']
    """
    folder = Path(folder)  # created, like missing parents, by atomic_path
    binary = (plot_roc, plot_calibration, plot_decision_curve)
    plots = binary if result.task == "binary" else (plot_predicted_vs_observed,)
    paths: dict[str, Path] = {}
    for plot in (*plots, plot_optimization_history, plot_feature_importance):
        name = plot.__name__.removeprefix("plot_")
        if plot is plot_feature_importance:
            drawn = plot_feature_importance(result, data=data)
        else:
            drawn = plot(result)
        figure = drawn[0] if isinstance(drawn, tuple) else drawn
        paths[f"{name}.png"] = _save(figure, folder / f"{name}.png")
        if isinstance(drawn, tuple):
            paths[f"{name}.csv"] = write_table(drawn[1], folder / f"{name}.csv")
    return paths


def _save(figure: Figure, path: Path) -> Path:
    """Write a figure as PNG (dpi 100), atomically, then release its artists."""
    try:
        with atomic_path(path) as tmp:
            figure.savefig(tmp, format="png", dpi=100)
    finally:
        figure.clear()
    return path
