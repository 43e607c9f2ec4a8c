"""``rtms-predict ui``: the MLflow UI on the configured store."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

__all__ = ["ui"]


def ui(
    tracking_uri: Annotated[
        str | None,
        typer.Option(
            help="MLflow tracking URI (default: MLFLOW_TRACKING_URI or mlflow.db)."
        ),
    ] = None,
    port: Annotated[
        int, typer.Option(help="Port on 127.0.0.1.", min=1, max=65535)
    ] = 5000,
) -> None:
    """Start the MLflow UI on 127.0.0.1 for the tracking store and print its URL."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from predict.cli._app import out_console
    from predict.exceptions import UsageError
    from predict.tracking import resolve_tracking_uri
    from predict.tracking._log import _artifact_location

    uri = resolve_tracking_uri(tracking_uri)
    if uri.startswith("http://") or uri.startswith("https://"):
        out_console.print(
            f"The tracking server already serves its UI: {escape(str(uri))}"
        )
        return
    command = [
        shutil.which("mlflow") or str(Path(sys.executable).with_name("mlflow")),
        "ui",
        "--backend-store-uri",
        uri,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    artifacts = _artifact_location(uri)
    if artifacts:
        command += ["--default-artifact-root", artifacts]
    out_console.print(
        f"MLflow UI for {escape(str(uri))} at [bold]http://127.0.0.1:{port}[/bold] "
        "(Ctrl-C stops it)",
        soft_wrap=True,
    )
    try:
        subprocess.run(command, check=True)
    except FileNotFoundError as exc:
        raise UsageError(f"Cannot start the MLflow UI: {escape(str(exc))}") from None
    except subprocess.CalledProcessError as exc:
        raise UsageError(
            f"The MLflow UI stopped with exit code {exc.returncode}."
        ) from None
