"""``rtms-predict experiment``: several configs, one dataset, one comparison."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from predict.cli._app import visits_option

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

__all__ = ["experiment", "render_comparison", "render_timescales"]


def render_comparison(table: pd.DataFrame, baseline: str, console: Console) -> None:
    """Print headline metric with CI per config and the paired difference."""
    from rich.table import Table

    metric = str(table["metric"].iloc[0]).upper()
    shown = escape(str(baseline))
    out = Table(title=f"{metric} per config, paired difference against '{shown}'")
    for header in (
        "config",
        metric,
        "95 % CI",
        f"Δ vs {shown}",
        "Δ 95 % CI",
        "Δ per fold (mean)",
    ):
        out.add_column(header, justify="left" if header == "config" else "right")
    for name, row in table.iterrows():
        if row.get("skipped"):
            out.add_row(escape(str(name)), "skipped", "", "", "", "")
            continue
        same = name == baseline
        out.add_row(
            escape(str(name)),
            f"{row['value']:.3f}",
            f"{row['ci_low']:.3f} to {row['ci_high']:.3f}",
            "—" if same else f"{row['diff']:+.3f}",
            "—" if same else f"{row['diff_ci_low']:+.3f} to {row['diff_ci_high']:+.3f}",
            "—" if same else f"{row['fold_diff_mean']:+.3f}",
        )
    console.print(out)
    if "skipped" in table:
        for name, reason in table["skipped"].items():
            if reason:
                console.print(
                    f"[yellow]{escape(str(name))} skipped: {escape(str(reason))}"
                    "[/yellow]",
                    soft_wrap=True,
                )


def render_timescales(table: pd.DataFrame, console: Console) -> None:
    """Print the headline metric with its CI per prediction time."""
    from rich.table import Table

    metric = str(table["metric"].iloc[0]).upper()
    out = Table(title=f"When can we know? {metric} by prediction time")
    for header in (
        "time point",
        "config",
        metric,
        "95 % CI",
        "Δ vs baseline",
        "Δ 95 % CI",
    ):
        out.add_column(
            header, justify="left" if header in ("time point", "config") else "right"
        )
    for name, row in table.iterrows():
        base = row["time_point"] == "baseline"
        out.add_row(
            escape(str(row["time_point"])),
            escape(str(name)),
            f"{row['value']:.3f}",
            f"{row['ci_low']:.3f} to {row['ci_high']:.3f}",
            "—" if base else f"{row['diff']:+.3f}",
            "—" if base else f"{row['diff_ci_low']:+.3f} to {row['diff_ci_high']:+.3f}",
        )
    console.print(out)


def experiment(
    study: Annotated[
        Path,
        typer.Argument(help="Study YAML, e.g. experiments/modality_ablation.yaml."),
    ],
    data: Annotated[Path, typer.Option("--data", "-d", help="Cohort table.")],
    visits: Annotated[Path | None, visits_option] = None,
    n_jobs: Annotated[
        int | None, typer.Option("--n-jobs", "-j", help="Parallel folds.")
    ] = None,
    models_dir: Annotated[
        Path,
        typer.Option(
            help="Bundles go to MODELS_DIR/STUDY/CONFIG, beside the bundles "
            "'train' writes (never over them)."
        ),
    ] = Path("models"),
    tracking_uri: Annotated[
        str | None, typer.Option(help="MLflow tracking URI.")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            help="Also write the comparison (and, for a study of prediction "
            "times, the AUC-by-day table and plot) to this folder."
        ),
    ] = None,
) -> None:
    """Run every config of a study on one dataset into one MLflow experiment.

    A config asking for a modality the cohort lacks is skipped, saying why
    (printed, tagged ``rtms.skipped`` on its run and listed in the comparison);
    the others run and are compared.

    For a study whose configs predict at different times (``predict_at``,
    e.g. experiments/timescales.yaml with --visits), also prints the AUC per
    time point and logs a plot of AUC with its CI band against the day.
    """
    import tempfile

    import mlflow

    from predict.cli._app import out_console, read_cohort_reporting
    from predict.cli._train import cli_name, render_result
    from predict.config import load_study
    from predict.evaluation import RichProgress, compare_results
    from predict.evaluation import train as run_training
    from predict.evaluation._timescales import log_timescales, timescale_table
    from predict.exceptions import MissingModalityError, UsageError
    from predict.scoring import save_bundle
    from predict.tracking import log_training, resolve_tracking_uri, tracking_run

    spec, configs = load_study(study)
    first = read_cohort_reporting(
        data, configs[0].primary_scale, visits, raw=configs[0].raw
    )
    uri = resolve_tracking_uri(tracking_uri)
    if spec.name in {"", ".", ".."} or Path(spec.name).name != spec.name:
        raise UsageError(
            f"The study's name '{spec.name}' names its bundle folder "
            f"({models_dir}/NAME/CONFIG): use a name without '/' or '..'."
        )
    folder = models_dir / spec.name  # never models/CONFIG, which train writes
    results = {}
    skipped: dict[str, str] = {}
    for config in configs:
        cohort = first.read_raw(config.raw)  # each config's raw options
        with tracking_run(uri, spec.name, str(config.name)):
            try:
                result = run_training(
                    config, cohort, n_jobs=n_jobs, progress=RichProgress(out_console)
                )
            except MissingModalityError as exc:  # raised before any fitting
                skipped[str(config.name)] = str(exc)
                reason = {"rtms.config": str(config.name), "rtms.skipped": str(exc)}
                mlflow.set_tags(reason)
                out_console.print(
                    f"[yellow]Skipped {escape(str(config.name))}: "
                    f"{escape(str(exc))}[/yellow]",
                    soft_wrap=True,
                )
                continue
            render_result(result, out_console)
            bundle = save_bundle(result, cohort, folder / str(config.name))
            log_training(result, cohort, bundle=bundle)
        results[str(config.name)] = result
    table = compare_results(results, spec.baseline, skipped=skipped)
    render_comparison(table, spec.baseline, out_console)
    named = {str(config.name): config for config in configs}
    timescales = timescale_table(table, named, cohort)
    if timescales is not None:
        render_timescales(timescales, out_console)
    with tracking_run(uri, spec.name, f"comparison vs {spec.baseline}"):
        mlflow.set_tag("rtms.study", spec.name)
        mlflow.set_tag("rtms.skipped_configs", ",".join(skipped) or "none")
        mlflow.set_tags({f"rtms.skipped.{n}": r for n, r in skipped.items()})
        for name, row in table.iterrows():
            if name in skipped:
                continue
            mlflow.log_metric(f"{name}.diff_vs_{spec.baseline}", float(row["diff"]))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "comparison.csv"
            table.to_csv(path)
            mlflow.log_artifact(str(path))
            if timescales is not None:
                for written in log_timescales(timescales, spec.name, tmp):
                    mlflow.log_artifact(str(written))
    if report is not None:
        from predict._atomic import write_table

        report.mkdir(parents=True, exist_ok=True)
        write_table(table, report / "comparison.csv", index=True)
        if timescales is not None:
            log_timescales(timescales, spec.name, report)
        out_console.print(
            f"Comparison written to [bold]{escape(str(report))}[/bold]", soft_wrap=True
        )
    out_console.print(
        f"Bundles: [bold]{escape(str(folder))}/[/bold]{{{escape(','.join(results))}}}",
        soft_wrap=True,
    )
    out_console.print(
        f"Open the comparison with: {escape(cli_name())} ui --tracking-uri "
        f"{escape(str(uri))} --experiment {escape(spec.name)}",
        soft_wrap=True,
    )
