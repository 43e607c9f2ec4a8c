"""Write files and folders atomically: to a temporary sibling, then rename.

An interrupted write leaves the destination as it was and no half-written
file behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from predict.exceptions import UsageError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["atomic_path", "write_table"]


@contextmanager
def atomic_path(destination: str | Path, *, directory: bool = False) -> Iterator[Path]:
    """Yield a temporary path that replaces ``destination`` on success.

    Parameters
    ----------
    destination : str or path-like
        The file or folder to create or replace. Its parent is created.
    directory : bool, default=False
        Yield an empty temporary folder instead of a file path.

    Yields
    ------
    tmp : pathlib.Path
        Where to write. On an exception (Ctrl-C included) it is removed and
        ``destination`` is untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("done")
    >>> out.read_text()
    'done'
    """
    destination = Path(destination)
    if destination.is_dir() and not directory:
        raise UsageError(f"Cannot write '{destination}': it is a folder.")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"Cannot write '{destination}': {exc}") from None
    prefix = f".{destination.name}."
    if directory:
        tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=destination.parent))
    else:
        fd, name = tempfile.mkstemp(
            prefix=prefix, suffix=".tmp", dir=destination.parent
        )
        os.close(fd)
        tmp = Path(name)
    umask = os.umask(0)
    os.umask(umask)
    try:
        yield tmp
        # mkstemp/mkdtemp create private files; give the result the usual mode
        os.chmod(tmp, (0o777 if directory else 0o666) & ~umask)
        if directory and destination.exists():
            old = destination.with_name(f"{prefix}old")
            shutil.rmtree(old, ignore_errors=True)
            destination.rename(old)
            tmp.rename(destination)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, destination)
    except BaseException:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
        raise


def write_table(table: pd.DataFrame, path: str | Path, *, index: bool = False) -> Path:
    """Write a DataFrame as CSV, TSV or Parquet (by suffix), atomically.

    Parameters
    ----------
    table : pandas.DataFrame
        The table to write.
    path : str or path-like
        Destination ending in ``.csv``, ``.tsv`` or ``.parquet``.
    index : bool, default=False
        Write the index as a column.

    Returns
    -------
    path : pathlib.Path
        The destination written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".tsv", ".parquet"}:
        raise UsageError(
            f"Cannot write '{path}': expected a .csv, .tsv or .parquet file name."
        )
    with atomic_path(path) as tmp:
        if suffix == ".parquet":
            table.to_parquet(tmp, index=index)
        else:
            table.to_csv(tmp, sep="," if suffix == ".csv" else "\t", index=index)
    return path
