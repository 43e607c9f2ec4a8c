"""Check the tracking store before a training, and fail runs left RUNNING.

A run records the process that started it (tags ``rtms.pid`` and
``rtms.host``). A process killed outright (SIGKILL, power loss) cannot end its
run; the next ``train`` on the same host marks such runs, and their child
runs, FAILED. A local SQLite store is opened read-only first: a file that is
not a database, or one that fails SQLite's ``quick_check``, is refused by
name before anything is trained or written to it.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from predict.exceptions import StorageError

__all__ = ["check_store", "fail_orphaned_runs", "process_tags"]


def process_tags() -> dict[str, str]:
    """Return the tags naming this process (``rtms.pid``, ``rtms.host``)."""
    return {"rtms.pid": str(os.getpid()), "rtms.host": socket.gethostname()}


def check_store(uri: str) -> None:
    """Refuse a local SQLite tracking store that is corrupt or not writable.

    Parameters
    ----------
    uri : str
        The tracking URI; only ``sqlite:///`` stores are checked.

    Raises
    ------
    StorageError
        Naming the store: its folder is not writable, it is not an SQLite
        database, or it fails ``PRAGMA quick_check``.
    """
    if not uri.startswith("sqlite:///"):
        return
    database = Path(uri.removeprefix("sqlite:///"))
    folder = database.parent if str(database.parent) else Path()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise StorageError(
            f"Tracking store '{database}': its folder cannot be written "
            f"({exc.strerror or type(exc).__name__}); pass a writable --tracking-uri."
        ) from None
    if not database.exists():
        return
    try:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            rows = connection.execute("PRAGMA quick_check").fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise StorageError(
            f"Tracking store '{database}' is not a readable SQLite database ({exc}): "
            "restore it from a backup, or pass another --tracking-uri."
        ) from None
    problems = [str(r[0]) for r in rows if r and r[0] != "ok"]
    if problems:
        raise StorageError(
            f"Tracking store '{database}' fails SQLite's quick check "
            f"({problems[0][:200]}): restore it from a backup, or pass another "
            "--tracking-uri; nothing was written to it."
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def fail_orphaned_runs(uri: str, experiment: str) -> list[str]:
    """Mark FAILED the runs left RUNNING by dead processes of this host.

    Parameters
    ----------
    uri : str
        The tracking URI.
    experiment : str
        The MLflow experiment name.

    Returns
    -------
    run_ids : list of str
        The runs marked FAILED (their children included).
    """
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    found = client.get_experiment_by_name(experiment)
    if found is None:
        return []
    runs: list[Any] = client.search_runs(
        [found.experiment_id],
        filter_string="attributes.status = 'RUNNING'",
        max_results=1000,
    )
    host = socket.gethostname()
    dead: set[str] = set()
    for run in runs:
        tags = run.data.tags
        pid = tags.get("rtms.pid", "")
        if tags.get("rtms.host") == host and pid.isdigit() and not _alive(int(pid)):
            dead.add(run.info.run_id)
    for run in runs:
        if run.data.tags.get("mlflow.parentRunId") in dead:
            dead.add(run.info.run_id)
    for run_id in sorted(dead):
        client.set_tag(run_id, "rtms.failed_reason", "process ended without a status")
        client.set_terminated(run_id, status="FAILED")
    return sorted(dead)
