"""``rtms-predict report``: a self-contained HTML model card."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

__all__ = ["report"]


def report(
    model: Annotated[
        str, typer.Option("--model", "-m", help="Bundle folder or MLflow URI.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")],
) -> None:
    """Write the model card (data, performance, calibration, use, limits) as HTML."""
    from predict._atomic import atomic_path
    from predict.cli._app import out_console
    from predict.scoring import load_model
    from predict.scoring._manifest import bundle_key
    from predict.scoring._report import render_report

    page = render_report(load_model(model, key=bundle_key()))
    with atomic_path(out) as tmp:
        tmp.write_text(page, encoding="utf-8")
    out_console.print(f"Model card: [bold]{escape(str(out))}[/bold]", soft_wrap=True)
