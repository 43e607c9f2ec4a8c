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
    visits: Annotated[
        Path | None,
        typer.Option(
            "--visits",
            help="The patients' visits, for a model trained with predict_at "
            "(only visits up to its prediction time are used).",
        ),
    ] = None,
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
    import warnings

    from predict._atomic import atomic_path, spreadsheet_safe
    from predict.cli._app import err_console, out_console
    from predict.exceptions import PredictWarning
    from predict.scoring import load_model
    from predict.scoring._manifest import bundle_key

    predictor = load_model(model, coverage=coverage, key=bundle_key())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PredictWarning)
        scores = predictor.predict(data, visits=visits, data_root=data_root)
    for warning in caught:  # ours as one line each, others as Python shows them
        if not issubclass(warning.category, PredictWarning):
            warnings.showwarning(
                warning.message, warning.category, warning.filename, warning.lineno
            )
            continue
        err_console.print(
            f"[yellow]Warning:[/yellow] {escape(str(warning.message))}",
            highlight=False,
            soft_wrap=True,
        )
    with atomic_path(out) as tmp:
        if output_format == "json":
            scores.reset_index().to_json(tmp, orient="records", indent=2)
        else:
            spreadsheet_safe(scores).to_csv(tmp)  # ids like "=cmd" stay text
    flagged = int((scores["warnings"] != "").sum())
    when = predictor.time_point
    at = f" at {when.describe()}" if when is not None else ""
    out_console.print(
        f"Scored {len(scores)} patients with "
        f"{escape(str(predictor.metadata.get('name')))}{escape(at)}: "
        f"[bold]{escape(str(out))}[/bold] ({flagged} with warnings)",
        soft_wrap=True,
    )
