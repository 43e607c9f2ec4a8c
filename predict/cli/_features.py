"""``rtms-predict features``: write a config's feature matrix."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from predict.cli._app import visits_option

__all__ = ["features"]


def features(
    config: Annotated[
        Path, typer.Option("--config", "-c", help="YAML experiment config.")
    ],
    data: Annotated[Path, typer.Option("--data", "-d", help="Cohort table.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Feature matrix to write (.csv, .tsv, .parquet)."
        ),
    ],
    visits: Annotated[Path | None, visits_option] = None,
) -> None:
    """Build a config's features for every patient and write them.

    The builders are fit on the whole table, for inspection and export;
    training fits them inside each cross-validation fold.
    """
    from predict._atomic import write_table
    from predict.cli._app import out_console, read_cohort_reporting
    from predict.config import load_config
    from predict.exceptions import UsageError
    from predict.features import build_features

    if out.resolve() == data.resolve():
        raise UsageError(f"--out '{out}' is the input table: choose another file.")
    experiment = load_config(config)
    cohort = read_cohort_reporting(
        data, experiment.primary_scale, visits, raw=experiment.raw
    )
    matrix = build_features(experiment, cohort)
    write_table(matrix, out, index=True)
    out_console.print(
        f"Wrote {matrix.shape[1]} features for {matrix.shape[0]} patients to "
        f"[bold]{escape(str(out))}[/bold]",
        soft_wrap=True,
    )
