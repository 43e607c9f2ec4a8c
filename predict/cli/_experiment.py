"""``rtms-predict experiment``: several configs, one dataset, one comparison."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

__all__ = ["experiment", "render_comparison"]


def render_comparison(table: pd.DataFrame, baseline: str, console: Console) -> None:
    """Print headline metric with CI per config and the paired difference."""
    from rich.table import Table

    metric = str(table["metric"].iloc[0]).upper()
    out = Table(title=f"{metric} per config, paired difference against '{baseline}'")
    for header in (
        "config",
        metric,
        "95 % CI",
        f"Δ vs {baseline}",
        "Δ 95 % CI",
        "Δ per fold (mean)",
    ):
        out.add_column(header, justify="left" if header == "config" else "right")
    for name, row in table.iterrows():
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


def experiment(
    study: Annotated[
        Path,
        typer.Argument(help="Study YAML, e.g. experiments/modality_ablation.yaml."),
    ],
    data: Annotated[Path, typer.Option("--data", "-d", help="Cohort table.")],
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
) -> None:
    """Run every config of a study on one dataset into one MLflow experiment."""
    import tempfile

    import mlflow

    from predict.cli._app import out_console, read_cohort_reporting
    from predict.cli._train import cli_name, render_result
    from predict.config import load_study
    from predict.evaluation import RichProgress, compare_results
    from predict.evaluation import train as run_training
    from predict.exceptions import UsageError
    from predict.scoring import save_bundle
    from predict.tracking import log_training, resolve_tracking_uri, tracking_run

    spec, configs = load_study(study)
    cohort = read_cohort_reporting(data, configs[0].primary_scale)
    uri = resolve_tracking_uri(tracking_uri)
    if spec.name in {"", ".", ".."} or Path(spec.name).name != spec.name:
        raise UsageError(
            f"The study's name '{spec.name}' names its bundle folder "
            f"({models_dir}/NAME/CONFIG): use a name without '/' or '..'."
        )
    folder = models_dir / spec.name  # never models/CONFIG, which train writes
    results = {}
    for config in configs:
        with tracking_run(uri, spec.name, str(config.name)):
            result = run_training(
                config, cohort, n_jobs=n_jobs, progress=RichProgress(out_console)
            )
            render_result(result, out_console)
            bundle = save_bundle(result, cohort, folder / str(config.name))
            log_training(result, cohort, bundle=bundle)
        results[str(config.name)] = result
    table = compare_results(results, spec.baseline)
    render_comparison(table, spec.baseline, out_console)
    with tracking_run(uri, spec.name, f"comparison vs {spec.baseline}"):
        mlflow.set_tag("rtms.study", spec.name)
        for name, row in table.iterrows():
            mlflow.log_metric(f"{name}.diff_vs_{spec.baseline}", float(row["diff"]))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "comparison.csv"
            table.to_csv(path)
            mlflow.log_artifact(str(path))
    out_console.print(
        f"Bundles: [bold]{escape(str(folder))}/[/bold]{{{escape(','.join(results))}}}",
        soft_wrap=True,
    )
    out_console.print(
        f"Open the comparison with: {escape(cli_name())} ui --tracking-uri "
        f"{escape(str(uri))} --experiment {escape(spec.name)}",
        soft_wrap=True,
    )
