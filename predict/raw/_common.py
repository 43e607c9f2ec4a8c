"""What every raw-recording reader shares: its result and its error."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from predict.exceptions import PredictError

__all__ = ["Extraction", "MAX_LINE_BYTES", "RawFileError", "check_file", "check_shape"]

#: Longest line a raw text table may have (a header of 2,000 long ROI labels fits).
MAX_LINE_BYTES = 1 << 20


class RawFileError(PredictError, ValueError):
    """A raw recording is missing, unreadable or too noisy to give markers.

    The message names the file and says what was expected; the caller adds the
    patient id (``RawMarkers`` does) before it reaches the user.
    """


@dataclass(frozen=True)
class Extraction:
    """Markers read from one raw file, with its quality-control figures.

    Parameters
    ----------
    markers : dict of str to float
        Contract marker columns (for example ``tep_n100_amp_uv``) and their
        values, in the contract's units. A marker that could not be measured is
        ``nan``.
    qc : dict of str to float, int or str
        Quality-control figures, keyed without a modality prefix so they never
        become model input (for example ``{"trials_kept": 87, "channels":
        "F3,F1,FC3"}``).
    signals : dict of str to object
        What the QC pictures draw (a TEP average, a spectrum), as small
        float32 arrays; empty for readers without pictures.
    """

    markers: dict[str, float]
    qc: dict[str, float | int | str] = field(default_factory=dict)
    signals: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


def check_file(path: str | Path, suffixes: tuple[str, ...]) -> Path:
    """Return ``path`` as a Path after checking it exists and has a known suffix.

    Parameters
    ----------
    path : str or path-like
        The raw file.
    suffixes : tuple of str
        Accepted endings, lower case with their dot (``"-epo.fif"``, ``".vhdr"``).

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    RawFileError
        If the file does not exist or its name ends with none of ``suffixes``.
    """
    path = Path(path)
    if not path.is_file():
        raise RawFileError(f"File '{path}' does not exist or is not a file.")
    name = path.name.lower()
    if not any(name.endswith(s) for s in suffixes):
        raise RawFileError(
            f"File '{path}' has an unsupported format: expected a name ending in "
            f"{', '.join(repr(s) for s in suffixes)}."
        )
    return path


def check_shape(
    path: Path,
    source: str,
    *,
    sep: str,
    max_columns: int,
    max_rows: int,
    max_cells: int,
) -> None:
    """Refuse a text table too wide or too long before a parser allocates it.

    The file is streamed line by line, each read bounded by
    :data:`MAX_LINE_BYTES`, so a 60 MiB single-line file costs one megabyte,
    not the gigabytes pandas needs for millions of columns. Columns are
    counted from the header's separators (a bound: quoted separators count).

    Parameters
    ----------
    path : pathlib.Path
        The table.
    source : str
        How messages name the file (``"Connectivity file '...'"``).
    sep : str
        The column separator.
    max_columns, max_rows, max_cells : int
        The largest header width, number of data lines and their product.

    Raises
    ------
    RawFileError
        Naming the bound exceeded (never the file's content).
    """
    with path.open("rb") as handle:
        header = handle.readline(MAX_LINE_BYTES + 1)
        if len(header) > MAX_LINE_BYTES:
            raise RawFileError(
                f"{source}: its header line is longer than {MAX_LINE_BYTES >> 20} "
                f"MiB: expected at most {max_columns} columns of labels."
            )
        columns = header.count(sep.encode()) + 1
        if columns > max_columns:
            raise RawFileError(
                f"{source} has {columns} columns: expected at most {max_columns}."
            )
        rows = 0
        for line in iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""):
            rows += 1
            if len(line) > MAX_LINE_BYTES:
                raise RawFileError(
                    f"{source}: line {rows + 1} is longer than "
                    f"{MAX_LINE_BYTES >> 20} MiB: expected at most {max_columns} "
                    "values a line."
                )
            if rows > max_rows or rows * columns > max_cells:
                raise RawFileError(
                    f"{source} has more than {min(max_rows, max_cells // columns)} "
                    f"rows of {columns} columns: expected at most {max_rows} rows "
                    f"and {max_cells} values."
                )
