"""Run the MLflow UI as a child process: ready when it answers, gone with us.

The server runs in its own process group (its workers too), so stopping it
stops all of them; :func:`running_server` turns SIGTERM and SIGHUP into a
clean stop, like Ctrl-C, and yields only once the server answers its
``/health`` endpoint. On Linux the server also gets SIGTERM when this
process dies without a chance to stop it (SIGKILL).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import IO

from predict.exceptions import UsageError

__all__ = ["port_is_free", "running_server", "wait_until_answering"]


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Tell whether nothing listens on ``host:port`` (a loopback address)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def wait_until_answering(
    url: str, process: subprocess.Popen[bytes], timeout: float
) -> None:
    """Poll ``url`` until it answers 200; fail when the process dies or time runs out.

    Raises
    ------
    UsageError
        When the process exits first, or ``timeout`` seconds pass.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise UsageError(
                f"The MLflow UI stopped with exit code {process.returncode} before "
                "it answered."
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    raise UsageError(f"The MLflow UI did not answer at {url} within {timeout:g} s.")


def _stop(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """Stop the process group: SIGTERM, then SIGKILL after ``grace`` seconds."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass
    try:  # workers left behind by the group's leader
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Ask Linux to SIGTERM the child when this process dies (even by SIGKILL)."""
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _tail(log: IO[bytes], lines: int = 15) -> str:
    log.flush()
    log.seek(0)
    text = log.read().decode(errors="replace").strip().splitlines()
    return "\n".join(text[-lines:])


@contextmanager
def running_server(
    command: Sequence[str],
    health_url: str,
    *,
    timeout: float = 120.0,
    env: Mapping[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server in its own process group; yield it once it answers.

    SIGTERM and SIGHUP raise :class:`KeyboardInterrupt` while the server
    runs, so the caller stops as on Ctrl-C; on leaving, the whole process
    group is stopped and the previous handlers come back.

    Parameters
    ----------
    command : sequence of str
        The server's command line.
    health_url : str
        Polled until it answers 200.
    timeout : float, default=120.0
        Seconds to wait for the first answer.
    env : mapping of str to str or None, default=None
        Variables set for the server, on top of this process's environment.

    Yields
    ------
    process : subprocess.Popen
    """

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous: dict[int, Callable[..., object] | int | None] = {}
    with tempfile.TemporaryFile() as log:
        try:
            process = subprocess.Popen(
                list(command),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **(env or {})},
                start_new_session=True,  # its own process group
                # killed with us, even by SIGKILL (mlflow passes it on to uvicorn)
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        except OSError as exc:
            raise UsageError(f"Cannot start the MLflow UI: {exc}") from None
        try:
            for stopping in (signal.SIGTERM, signal.SIGHUP):
                previous[stopping] = signal.signal(stopping, interrupt)
            try:
                wait_until_answering(health_url, process, timeout)
            except UsageError as exc:
                raise UsageError(f"{exc}\nIts output:\n{_tail(log)}") from None
            yield process
        finally:
            _stop(process)
            for number, handler in previous.items():
                signal.signal(number, handler)
