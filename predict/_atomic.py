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

__all__ = ["atomic_path", "spreadsheet_safe", "write_table"]

#: A text cell starting with one of these is a formula to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells cannot run as spreadsheet formulas.

    A text cell (the index included) that begins with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return gets a leading ``'``, which spreadsheets
    show as text; numbers are unchanged.

    Examples
    --------
    >>> import pandas as pd
    >>> safe = spreadsheet_safe(pd.DataFrame({"id": ["=1+1", "P1"], "x": [-1, 2]}))
    >>> safe["id"].tolist(), safe["x"].tolist()
    (["'=1+1", 'P1'], [-1, 2])
    """
    import pandas as pd

    def safe(value: object) -> object:
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            return "'" + value
        return value

    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe)
    if out.index.dtype == object or pd.api.types.is_string_dtype(out.index):
        out.index = pd.Index([safe(v) for v in out.index], name=out.index.name)
    return out


def write_table(table: pd.DataFrame, path: str | Path, *, index: bool = False) -> Path:
    """Write a DataFrame as CSV, TSV or Parquet (by suffix), atomically.

    Parameters
    ----------
    table : pandas.DataFrame
        The table to write.
    path : str or path-like
        Destination ending in ``.csv``, ``.tsv`` or ``.parquet``. Text cells
        of CSV/TSV output go through :func:`spreadsheet_safe`.
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
            spreadsheet_safe(table).to_csv(
                tmp, sep="," if suffix == ".csv" else "\t", index=index
            )
    return path
