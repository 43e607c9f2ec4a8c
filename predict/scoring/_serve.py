"""Serve a verified bundle over HTTP with MLflow's scoring server.

:func:`serving_app` verifies and loads the bundle (:func:`load_bundle` checks
its manifest, metadata and files before MLflow reads its ``MLmodel``), then
builds MLflow's FastAPI scoring app (``/invocations``, ``/ping``) around it.
A middleware answers every error with ``{"error_code", "message"}``: no stack
trace, no echo of the request, file paths replaced by ``<file>``; requests
larger than a bound (with or without ``Content-Length``) are refused while
they stream, before they are parsed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MAX_REQUEST_BYTES", "clean_error", "serving_app"]

#: Largest request body accepted (bytes).
MAX_REQUEST_BYTES = 16 << 20
_MAX_MESSAGE = 2000
_QUOTED_PATH = re.compile(r"'(?:/|[A-Za-z]:\\)[^']*'")
#: A Python bytes literal (MLflow's ``repr`` of a decode error quotes the body).
_BYTES_LITERAL = re.compile(r"""(?<!\w)b(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def clean_error(message: str, root: Path | None = None) -> str:
    r"""Return an error message fit for a client: no request echo, no paths.

    Parameters
    ----------
    message : str
        The message MLflow's server built (``Failed to predict data '...'.
        Error: <ours>``).
    root : pathlib.Path or None, default=None
        The data root, replaced by ``<data root>``.

    Returns
    -------
    message : str

    Examples
    --------
    >>> clean_error("Failed to predict data 'x'. \nError: File '/a/b.csv' is bad.")
    "File '<file>' is bad."
    """
    if "\nError: " in message:
        message = message.rsplit("\nError: ", 1)[1]
    message = message.split("\nInput:", 1)[0]  # MLflow echoes a body it cannot parse
    message = _BYTES_LITERAL.sub("<request bytes>", message)
    if root is not None:
        message = message.replace(str(root), "<data root>")
    message = _QUOTED_PATH.sub("'<file>'", message)
    return message[:_MAX_MESSAGE]


def serving_app(
    model: str | Path,
    *,
    allow_raw_paths: bool = False,
    data_root: str | Path | None = None,
    key: str | bytes | None = None,
) -> Any:
    """Return MLflow's scoring app for a verified bundle.

    Parameters
    ----------
    model : str or path-like
        The bundle folder.
    allow_raw_paths : bool, default=False
        Read files named by path columns (inside ``data_root``); refused
        otherwise, so clients send markers.
    data_root : str, path-like or None, default=None
        Folder path columns must stay inside (the working directory when
        ``None``).
    key : str, bytes or None, default=None
        When given, the bundle must be signed with it.

    Returns
    -------
    app : fastapi.FastAPI

    Raises
    ------
    BundleError
        When the bundle fails verification (nothing of it is imported).
    """
    import mlflow.pyfunc
    from fastapi import Request
    from fastapi.responses import Response
    from mlflow.pyfunc import scoring_server

    from predict.scoring._bundle import load_bundle

    load_bundle(model, key=key)  # verified before MLflow reads its MLmodel
    root = Path(data_root if data_root is not None else Path.cwd()).resolve()
    pyfunc = mlflow.pyfunc.load_model(
        str(model),
        model_config={"allow_raw_paths": allow_raw_paths, "data_root": str(root)},
    )
    app = scoring_server.init(pyfunc)

    @app.middleware("http")
    async def _safe_errors(
        request: Request, call_next: Callable[[Request], Awaitable[Any]]
    ) -> Any:
        response = await call_next(request)
        if response.status_code < 400:
            return response
        body = b"".join([chunk async for chunk in response.body_iterator])
        try:
            parsed = json.loads(body)
            code = str(parsed.get("error_code", "BAD_REQUEST"))
            message = str(parsed.get("message", ""))
        except (ValueError, AttributeError):
            code, message = "BAD_REQUEST", body.decode(errors="replace")
        return _error(response.status_code, code, clean_error(message, root))

    def _error(status: int, code: str, message: str) -> Any:
        content = json.dumps({"error_code": code, "message": message})
        return Response(content, status_code=status, media_type="application/json")

    app.add_middleware(_BoundedBody, limit=MAX_REQUEST_BYTES)  # outermost
    return app


class _BoundedBody:
    """ASGI middleware: read the body up to ``limit`` bytes, answer 413 beyond.

    The bound holds with a ``Content-Length`` (checked before reading) and
    without one (a chunked body is counted while it streams), so no request
    larger than ``limit`` is held in memory or handed to MLflow's parser.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        content = json.dumps(
            {
                "error_code": "REQUEST_TOO_LARGE",
                "message": f"Request body is larger than {self.limit >> 20} MiB.",
            }
        ).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(content)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": content})
