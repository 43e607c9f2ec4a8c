"""``rtms-predict verify`` and ``rtms-predict serve``: check, then serve, a bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

__all__ = ["serve", "verify"]


def _local(model: str) -> Path:
    """Return the bundle folder, downloading an MLflow URI first."""
    if model.startswith(("models:/", "runs:/")):
        import mlflow.artifacts

        return Path(mlflow.artifacts.download_artifacts(artifact_uri=model))
    return Path(model)


def verify(
    model: Annotated[str, typer.Argument(help="Bundle folder or MLflow URI.")],
) -> None:
    """Check a bundle against its manifest, without running any of it.

    Every file's SHA-256 must match the manifest (no file extra or missing),
    ``MLmodel`` must name rtms-predict's loader and no code paths, the
    metadata, out-of-fold and XGBoost files must be well formed, and with
    ``RTMS_BUNDLE_KEY`` set the manifest must be signed with that key. Run it
    on any bundle from someone else before ``mlflow models serve`` or
    ``mlflow.pyfunc.load_model``, which import whatever ``MLmodel`` names.
    """
    from predict.cli._app import out_console
    from predict.scoring import load_bundle
    from predict.scoring._manifest import MANIFEST, bounded_json, bundle_key

    path = _local(model)
    key = bundle_key()
    bundle = load_bundle(path, key=key)
    root = bundle.path.parent.parent
    files = len(bounded_json(root / MANIFEST)["files"])
    signed = "signature valid" if key is not None else "not signature-checked"
    out_console.print(
        f"Bundle [bold]{escape(str(model))}[/bold] verified: {files} files match "
        f"its manifest ({signed}); model "
        f"{escape(str(bundle.metadata.get('name')))}.",
        soft_wrap=True,
        highlight=False,
    )


def serve(
    model: Annotated[
        str, typer.Option("--model", "-m", help="Bundle folder or MLflow URI.")
    ],
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 5001,
    host: Annotated[
        str, typer.Option(help="Interface to listen on (default: this machine only).")
    ] = "127.0.0.1",
    allow_raw_paths: Annotated[
        bool,
        typer.Option(
            help="Read raw files named by path columns (inside --data-root); "
            "refused by default, so clients send markers."
        ),
    ] = False,
    data_root: Annotated[
        Path | None,
        typer.Option(
            help="Folder path columns must stay inside (default: the working "
            "directory)."
        ),
    ] = None,
) -> None:
    """Verify a bundle, then serve it with MLflow's scoring server.

    POST cohort rows to /invocations (``{"dataframe_split": ...}`` JSON or
    CSV); errors come back as ``{"error_code", "message"}`` without stack
    traces or file paths. A bundle that fails verification is not started.
    """
    import uvicorn

    from predict.cli._app import out_console
    from predict.scoring._manifest import bundle_key
    from predict.scoring._serve import serving_app

    path = _local(model)
    app = serving_app(
        path, allow_raw_paths=allow_raw_paths, data_root=data_root, key=bundle_key()
    )
    raw = (
        f"raw paths read inside {escape(str((data_root or Path.cwd()).resolve()))}"
        if allow_raw_paths
        else "path columns refused"
    )
    out_console.print(
        f"Serving verified bundle [bold]{escape(str(model))}[/bold] at "
        f"http://{escape(host)}:{port}/invocations ({raw}); Ctrl-C stops.",
        soft_wrap=True,
        highlight=False,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")
