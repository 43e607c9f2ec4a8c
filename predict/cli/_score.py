"""``rtms-predict score``: score new patients with a trained model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.markup import escape

__all__ = ["score"]


def score(
    model: Annotated[
        str, typer.Option("--model", "-m", help="Bundle folder or MLflow URI.")
    ],
    data: Annotated[
        Path, typer.Option("--data", "-d", help="New patients (cohort table).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Scores to write.")],
    output_format: Annotated[
        Literal["csv", "json"], typer.Option("--format", help="csv or json.")
    ] = "csv",
    coverage: Annotated[
        float,
        typer.Option(help="Coverage of the conformal statement.", min=0.5, max=0.99),
    ] = 0.9,
    data_root: Annotated[
        Path | None,
        typer.Option(
            help="Folder raw files named by path columns must stay inside "
            "(default: the table's folder)."
        ),
    ] = None,
) -> None:
    """Score new patients: probability, uncertainty, class, reasons, warnings."""
    from predict._atomic import atomic_path, spreadsheet_safe
    from predict.cli._app import out_console
    from predict.scoring import load_model
    from predict.scoring._manifest import bundle_key

    predictor = load_model(model, coverage=coverage, key=bundle_key())
    scores = predictor.predict(data, data_root=data_root)
    with atomic_path(out) as tmp:
        if output_format == "json":
            scores.reset_index().to_json(tmp, orient="records", indent=2)
        else:
            spreadsheet_safe(scores).to_csv(tmp)  # ids like "=cmd" stay text
    flagged = int((scores["warnings"] != "").sum())
    out_console.print(
        f"Scored {len(scores)} patients with "
        f"{escape(str(predictor.metadata.get('name')))}: "
        f"[bold]{escape(str(out))}[/bold] ({flagged} with warnings)",
        soft_wrap=True,
    )
