"""``rtms-predict train``: nested cross-validation, summary, and the bundle."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from predict.cli._app import visits_option

if TYPE_CHECKING:
    from rich.console import Console

    from predict.cohort import Cohort
    from predict.config import ExperimentConfig
    from predict.evaluation import ExperimentResult

__all__ = ["cli_name", "render_result", "train"]

_LABELS = {
    "auc": "AUC",
    "balanced_accuracy": "balanced accuracy",
    "sensitivity": "sensitivity",
    "specificity": "specificity",
    "ppv": "PPV",
    "npv": "NPV",
    "brier": "Brier score",
    "log_loss": "log loss",
    "calibration_intercept": "calibration intercept",
    "calibration_slope": "calibration slope",
    "r2": "R²",
    "mae": "MAE",
    "rmse": "RMSE",
    "pearson_r": "Pearson r",
}


def cli_name() -> str:
    """Return how a new shell in this folder runs ``rtms-predict``, for hints.

    ``rtms-predict`` when that is the program on ``PATH``; otherwise the path
    this process was started by (``.venv/bin/rtms-predict`` under ``make
    demo``), relative to the working directory when inside it.
    """
    import os
    import shutil
    import sys

    started = Path(sys.argv[0])
    if started.name != "rtms-predict":  # not the console script (tests, -m)
        return "rtms-predict"
    found = shutil.which("rtms-predict")
    if found and Path(found).resolve() == started.resolve():
        return "rtms-predict"
    where = started.absolute()
    try:
        return str(where.relative_to(Path.cwd()))
    except ValueError:
        return os.fspath(where)


def _render_sites(result: ExperimentResult, console: Console) -> None:
    """Print per-site metrics and their spread (leave-site-out only)."""
    from rich.table import Table

    sites = result.site_metrics()
    if sites.empty:
        return
    table = Table(title="Per held-out site (leave-site-out)")
    table.add_column("site")
    for column in sites.columns:
        table.add_column(_LABELS.get(column, column.replace("_", " ")), justify="right")
    for site, row in sites.iterrows():
        cells = [f"{int(row['n'])}"]
        cells += [f"{row[c]:.3f}" for c in sites.columns if c != "n"]
        table.add_row(escape(str(site)), *cells)
    spread = result.site_spread()
    metrics = [c for c in sites.columns if c not in ("n", "response_rate")]
    blanks = [""] * (len(sites.columns) - len(metrics))
    for stat in spread.columns:
        cells = [
            f"{spread.loc[m, stat]:.3f}" if m in spread.index else "" for m in metrics
        ]
        table.add_row(f"[italic]{stat}[/italic]", *blanks, *cells)
    console.print(table)


def _render_stack(result: ExperimentResult, console: Console) -> None:
    """Print the stack weights of auto / select: final model and fold range."""
    weights = result.final_params.get("weights") if result.final_params else None
    if not isinstance(weights, dict):
        return
    folds = result.fold_metrics
    parts = []
    for family, weight in weights.items():
        column = folds.get(f"weight_{family}")
        spread = (
            f" (folds {column.min():.2f}-{column.max():.2f})"
            if column is not None
            else ""
        )
        parts.append(f"{family} {weight:.2f}{spread}")
    console.print(
        f"Stack weights of the final model ({escape(result.config.model.name)}): "
        f"{escape(', '.join(parts))}; "
        f"intercept {result.final_params['intercept']:.2f}.",
        soft_wrap=True,
        highlight=False,
    )


def render_result(result: ExperimentResult, console: Console) -> None:
    """Print pooled out-of-fold metrics with CIs and the fold spread."""
    from rich.table import Table

    config = result.config
    level = int(round(100 * config.evaluation.ci))
    at = config.predict_at
    when = (
        ""
        if at is None
        else (
            f" at visit {at.visit}" if at.visit is not None else f" at day {at.day:g}"
        )
    )
    table = Table(
        title=f"{escape(str(config.name))}: {escape(str(config.target))}"
        f"{escape(when)} with {escape(config.model.name)}, "
        f"out-of-fold over {len(result.fold_metrics)} outer folds"
    )
    for header in ("metric", "value", f"{level} % CI", "folds mean ± SD"):
        table.add_column(header, justify="left" if header == "metric" else "right")
    for name, row in result.summary().iterrows():
        table.add_row(
            _LABELS.get(str(name), str(name)),
            f"{row['value']:.3f}",
            f"{row['ci_low']:.3f} to {row['ci_high']:.3f}",
            f"{row['fold_mean']:.3f} ± {row['fold_sd']:.3f}",
        )
    console.print(table)
    if result.features is not None:
        style = "yellow" if result.features.left_out else "default"
        text = escape(result.features.summary())
        console.print(f"[{style}]{text}[/{style}]", soft_wrap=True, highlight=False)
    _render_stack(result, console)
    _render_sites(result, console)
    if result.permutation_p is not None:
        console.print(
            f"Permutation test ({len(result.null_distribution)} permutations, "
            f"{config.evaluation.permutation}): p = {result.permutation_p:.3g} for "
            f"{_LABELS[result.headline]}."
        )
    if result.threshold is not None:
        console.print(f"Final model threshold: {result.threshold:.3f}")
    if result.n_excluded:
        console.print(
            f"[yellow]{result.n_excluded} patients without "
            f"'{escape(str(config.target))}' were "
            "left out.[/yellow]"
        )
    if result.raw_report is not None:
        style = "yellow" if result.raw_report.n_failed else "default"
        console.print(
            f"[{style}]{escape(result.raw_report.summary())}[/{style}]",
            soft_wrap=True,
        )


def train(
    config: Annotated[
        Path, typer.Option("--config", "-c", help="YAML experiment config.")
    ],
    data: Annotated[Path, typer.Option("--data", "-d", help="Cohort table.")],
    visits: Annotated[Path | None, visits_option] = None,
    name: Annotated[
        str | None, typer.Option(help="Bundle name (default: the config's file stem).")
    ] = None,
    n_jobs: Annotated[
        int | None, typer.Option("--n-jobs", "-j", help="Outer folds in parallel.")
    ] = None,
    models_dir: Annotated[
        Path, typer.Option(help="Folder the bundle is written to.")
    ] = Path("models"),
    tracking_uri: Annotated[
        str | None,
        typer.Option(help="MLflow tracking URI (default: config, env, mlflow.db)."),
    ] = None,
    storage: Annotated[
        str | None,
        typer.Option(
            help="Optuna storage URL (postgresql://..., sqlite:///...) that keeps "
            "the studies, for workers and resuming (default: config, in memory)."
        ),
    ] = None,
    data_root: Annotated[
        Path | None,
        typer.Option(
            help="Folder raw files named by path columns must stay inside "
            "(default: the config's raw.root, else the table's folder)."
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            help="Wait for a training of the same bundle name instead of refusing."
        ),
    ] = False,
) -> None:
    """Evaluate a config with nested cross-validation and save the final model.

    The run is tracked in MLflow (parent run, one child run per outer fold,
    plots, out-of-fold predictions with hashed ids) and the bundle is logged
    and registered as ``rtms-NAME``. With a storage, ``rtms-predict worker``
    processes on any machine that reaches it can run the trials too, and a
    rerun reuses the finished trials. A bundle of the same name is replaced
    (earlier versions stay in the MLflow registry); one training per name runs
    at a time.
    """
    from predict.cli._app import out_console, read_cohort_reporting
    from predict.config import load_config
    from predict.evaluation import RichProgress
    from predict.evaluation import train as run_training
    from predict.scoring import save_bundle
    from predict.scoring._manifest import bundle_key
    from predict.tracking import log_training, resolve_tracking_uri, tracking_run

    experiment = load_config(config)
    if name is not None:
        experiment = experiment.model_copy(update={"name": name})
    if data_root is not None:
        raw = experiment.raw.model_copy(update={"root": str(data_root)})
        experiment = experiment.model_copy(update={"raw": raw})
    if storage is not None:
        tuning = experiment.tuning.model_copy(update={"storage": storage})
        experiment = experiment.model_copy(update={"tuning": tuning})
    cohort = read_cohort_reporting(
        data, experiment.primary_scale, visits, raw=experiment.raw
    )
    if experiment.tuning.storage is not None:
        _announce_studies(experiment, cohort)
    uri = resolve_tracking_uri(tracking_uri, experiment.tracking.uri)
    mlflow_experiment = experiment.tracking.experiment or "rtms-predict"
    with _guarded(models_dir, str(experiment.name), uri, mlflow_experiment, force):
        existed = (models_dir / str(experiment.name) / "MLmodel").is_file()
        with tracking_run(uri, mlflow_experiment, str(experiment.name)) as run:
            result = run_training(
                experiment, cohort, n_jobs=n_jobs, progress=RichProgress(out_console)
            )
            render_result(result, out_console)
            bundle = save_bundle(
                result, cohort, models_dir / str(experiment.name), key=bundle_key()
            )
            log_training(result, cohort, bundle=bundle)
    if existed:
        _say_replaced(bundle, str(experiment.name), uri)
    where, store = escape(str(bundle)), escape(uri)
    out_console.print(f"Model bundle: [bold]{where}[/bold]", soft_wrap=True)
    out_console.print(
        f"MLflow run {run.info.run_id} in experiment '{escape(mlflow_experiment)}' at "
        f"{store}; open the UI with: {escape(cli_name())} ui --tracking-uri {store}",
        soft_wrap=True,
    )


@contextmanager
def _guarded(
    models_dir: Path, name: str, uri: str, experiment: str, force: bool
) -> Iterator[None]:
    """Check the stores, lock the bundle name, and end on SIGTERM as on Ctrl-C."""
    from predict._guard import bundle_guard
    from predict.cli._app import err_console
    from predict.tracking._store import check_store, fail_orphaned_runs

    def notice(text: str) -> None:
        err_console.print(f"[yellow]{escape(text)}[/yellow]", soft_wrap=True)

    check_store(uri)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with bundle_guard(models_dir, name, wait=force, notice=notice):
            failed = fail_orphaned_runs(uri, experiment)
            if failed:
                notice(
                    f"Marked {len(failed)} MLflow run(s) left RUNNING by a process "
                    f"that no longer exists as FAILED: {', '.join(failed[:5])}."
                )
            yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _say_replaced(bundle: Path, name: str, uri: str) -> None:
    """Say that a bundle was replaced, and where its earlier versions are kept."""
    from predict.cli._app import out_console

    try:
        from mlflow.tracking import MlflowClient

        versions = MlflowClient(tracking_uri=uri).search_model_versions(
            f"name='rtms-{name}'"
        )
        numbers = sorted(int(v.version) for v in versions)
    except Exception:  # a store without a registry
        numbers = []
    kept = (
        f"earlier versions stay in the MLflow registry as 'rtms-{name}' "
        f"(versions {', '.join(map(str, numbers[:-1]))}; this one is {numbers[-1]})"
        if len(numbers) > 1
        else "the previous one was not in this store's registry and is gone"
    )
    out_console.print(
        f"Replaced the previous bundle in {escape(str(bundle))}: {escape(kept)}.",
        soft_wrap=True,
    )


def _announce_studies(experiment: ExperimentConfig, cohort: Cohort) -> None:
    """Create the job's studies and print how workers join them."""
    from predict.cli._app import out_console
    from predict.cohort._timepoint import cohort_for
    from predict.evaluation import create_studies
    from predict.evaluation._shared import redact_url

    cohort = cohort_for(experiment, cohort)  # as train() fits
    names = create_studies(experiment, cohort)
    url = redact_url(str(experiment.tuning.storage))
    job = names[-1].removesuffix("-final")
    out_console.print(
        f"{len(names)} Optuna studies ({escape(job)}-*) in {escape(url)}; more "
        f"processes join with: {escape(cli_name())} worker --storage {escape(url)} "
        f"--study {escape(job)}"
        + (" --visits FILE" if experiment.predict_at is not None else ""),
        soft_wrap=True,
        highlight=False,
    )
