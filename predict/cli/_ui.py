"""``rtms-predict ui``: the MLflow UI on the configured store, on the training runs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

__all__ = ["ui"]


def _experiment_id(uri: str, name: str) -> str | None:
    """Return the id of experiment ``name`` in the store, ``None`` if absent."""
    from mlflow.tracking import MlflowClient

    experiment = MlflowClient(uri).get_experiment_by_name(name)
    return None if experiment is None else str(experiment.experiment_id)


def _server_experiment_id(uri: str, name: str) -> str | None:
    """Ask a tracking server for an experiment's id: once, 5 s, no retries."""
    import json
    import urllib.parse
    import urllib.request

    query = urllib.parse.urlencode({"experiment_name": name})
    url = f"{uri.rstrip('/')}/api/2.0/mlflow/experiments/get-by-name?{query}"
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310
            return str(json.load(answer)["experiment"]["experiment_id"])
    except (OSError, ValueError, KeyError):  # unreachable, absent, not MLflow
        return None


def ui(
    tracking_uri: Annotated[
        str | None,
        typer.Option(
            help="MLflow tracking URI (default: MLFLOW_TRACKING_URI or mlflow.db)."
        ),
    ] = None,
    experiment: Annotated[
        str,
        typer.Option(
            help="MLflow experiment to open (train's default, or a study's name)."
        ),
    ] = "rtms-predict",
    port: Annotated[
        int, typer.Option(help="Port on 127.0.0.1.", min=1, max=65535)
    ] = 5000,
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for the UI to answer.", min=1)
    ] = 180.0,
) -> None:
    """Start the MLflow UI on 127.0.0.1 and print the training runs' address.

    The address is printed once the UI answers. It opens the experiment's
    training runs (not MLflow's GenAI home) with the AUC, its CI, the
    calibration slope and the permutation p as columns, parent runs sorted by
    AUC. Ctrl-C, SIGTERM or SIGHUP stop the UI and its workers.
    """
    import shutil
    import sys
    from pathlib import Path

    from predict.cli._app import out_console
    from predict.exceptions import UsageError
    from predict.tracking import resolve_tracking_uri
    from predict.tracking._log import _artifact_location
    from predict.tracking._server import port_is_free, running_server
    from predict.tracking._views import training_runs_url

    uri = resolve_tracking_uri(tracking_uri)
    if uri.startswith(("http://", "https://")):
        found = _server_experiment_id(uri, experiment)
        where = uri if found is None else training_runs_url(uri, found)
        out_console.print(
            f"The tracking server already serves its UI: {escape(where)}",
            soft_wrap=True,
            highlight=False,
        )
        return
    if not port_is_free(port):
        raise UsageError(
            f"Port {port} on 127.0.0.1 is in use (another 'rtms-predict ui', a "
            "served model?): choose another with --port."
        )
    found = _experiment_id(uri, experiment)
    command = [
        shutil.which("mlflow") or str(Path(sys.executable).with_name("mlflow")),
        "ui",
        "--backend-store-uri",
        uri,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    artifacts = _artifact_location(uri)
    if artifacts:
        command += ["--default-artifact-root", artifacts]
    base = f"http://127.0.0.1:{port}"
    out_console.print(f"Starting the MLflow UI for {escape(uri)} ...", soft_wrap=True)
    # MLflow's job runners (GenAI evaluation, trace archival: 8 processes) are
    # not needed for training runs and slow the start on a small machine.
    jobs = {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    with running_server(command, f"{base}/health", timeout=timeout, env=jobs):
        if found is None:
            out_console.print(
                f"MLflow UI at {base} (no experiment '{escape(experiment)}' yet: "
                "train first). Ctrl-C stops it.",
                soft_wrap=True,
                highlight=False,
            )
        else:
            out_console.print(
                f"MLflow UI, training runs of '{escape(experiment)}': "
                f"[bold]{training_runs_url(base, found)}[/bold] (Ctrl-C stops it)",
                soft_wrap=True,
                highlight=False,
            )
        try:
            while True:
                signal_pause()
        except KeyboardInterrupt:
            pass
    out_console.print("MLflow UI stopped.")


def signal_pause() -> None:
    """Sleep until a signal arrives (the handlers raise to stop)."""
    import signal

    signal.pause()
