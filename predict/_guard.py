"""Guard a bundle folder while ``train`` writes it: lock, writability, leftovers.

One ``train --name X`` at a time writes ``models/X``: a lock file
(``models/.X.lock``, ``flock``) refuses a second one, or makes it wait with
``--force``. Staging folders live in ``models/`` (``.X.staging.*``, ``.X.*``)
and are removed on any exit Python sees; those left by a killed process are
removed, with a notice, by the next ``train`` (whose lock shows nobody is
writing them).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from predict.exceptions import UsageError

__all__ = ["bundle_guard", "bundle_lock", "check_writable", "clean_stale"]

#: Leftovers of :func:`predict._atomic.atomic_path` and ``save_bundle``.
_LEFTOVER = re.compile(
    r"^\.(?P<name>.+?)\.(?:staging\.)?(?:[a-z0-9_]{8}(?:\.tmp)?|old)$"
)


def check_writable(folder: Path) -> None:
    """Refuse a folder that cannot be created or written, before any work.

    Raises
    ------
    UsageError
        Naming the folder and the reason.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise UsageError(
            f"Cannot write to '{folder}' ({exc.strerror or type(exc).__name__}): "
            "choose a writable folder with --models-dir before training."
        ) from None


@contextmanager
def bundle_lock(folder: Path, name: str, *, wait: bool = False) -> Iterator[Path]:
    """Hold the lock of bundle ``name`` in ``folder``.

    Parameters
    ----------
    folder : pathlib.Path
        The models folder (exists).
    name : str
        The bundle name.
    wait : bool, default=False
        Wait for another holder instead of refusing.

    Yields
    ------
    path : pathlib.Path
        The lock file (removed on release).

    Raises
    ------
    UsageError
        When another process holds the lock and ``wait`` is false, naming it.
    """
    path = folder / f".{name}.lock"
    while True:
        handle = path.open("a+")
        try:
            flags = fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB)
            fcntl.flock(handle, flags)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()[:200] or "another process"
            handle.close()
            raise UsageError(
                f"Bundle '{folder / name}' is being trained by {holder}: wait for it, "
                "or pass --force to wait and then replace it."
            ) from None
        try:  # the file may have been removed by the holder we waited for
            same = os.fstat(handle.fileno()).st_ino == path.stat().st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        handle.close()
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}")
        handle.flush()
        yield path
    finally:
        path.unlink(missing_ok=True)
        handle.close()


def clean_stale(folder: Path, held: str | None = None) -> list[str]:
    """Remove staging leftovers of bundles nobody is writing; return their names.

    Parameters
    ----------
    folder : pathlib.Path
        The models folder.
    held : str or None, default=None
        A bundle name whose lock the caller holds (its leftovers are stale).

    Returns
    -------
    removed : list of str
        Names of the folders and files removed.
    """
    removed: list[str] = []
    if not folder.is_dir():
        return removed
    for entry in sorted(folder.iterdir()):
        match = _LEFTOVER.match(entry.name)
        if match is None or entry.is_symlink():
            continue
        name = match["name"]
        try:
            if name == held:
                _remove(entry)
            else:
                with bundle_lock(folder, name):
                    _remove(entry)
        except UsageError:  # being written right now
            continue
        removed.append(entry.name)
    return removed


def _remove(entry: Path) -> None:
    if entry.is_dir():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)


@contextmanager
def bundle_guard(
    folder: Path,
    name: str,
    *,
    wait: bool = False,
    notice: Callable[[str], None] = print,
) -> Iterator[None]:
    """Check, lock and clean ``folder`` for writing bundle ``name``.

    A models folder this call had to create is removed again if it is left
    empty (a failed training writes nothing).

    Parameters
    ----------
    folder : pathlib.Path
        The models folder.
    name : str
        The bundle name.
    wait : bool, default=False
        Wait for a concurrent training of the same name instead of refusing.
    notice : callable, default=print
        Called with a sentence per stale leftover removed.
    """
    created = not folder.exists()
    check_writable(folder)
    try:
        with bundle_lock(folder, name, wait=wait):
            removed = clean_stale(folder, held=name)
            if removed:
                notice(
                    f"Removed {len(removed)} unfinished staging folder(s) left in "
                    f"'{folder}' by an interrupted training: {', '.join(removed)}."
                )
            yield
    finally:
        if created:
            try:
                folder.rmdir()  # only when empty
            except OSError:
                pass
