"""Read a cohort table from CSV, TSV (BIDS ``participants.tsv`` included) or Parquet."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from predict.exceptions import CohortError

__all__ = ["SUPPORTED_SUFFIXES", "read_table"]

#: File suffix -> reader name.
SUPPORTED_SUFFIXES: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}

# Cells are read as written; which spellings mean "missing" depends on the
# column (a site may be called "NA"), so the validator decides.


def _format_of(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in {".gz", ".bz2", ".xz", ".zip"}:
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in SUPPORTED_SUFFIXES:
        return SUPPORTED_SUFFIXES[suffixes[-1]]
    valid = ", ".join(sorted(SUPPORTED_SUFFIXES))
    raise CohortError(
        f"File '{path}' has an unsupported format: expected one of {valid} "
        "(optionally compressed with .gz, .bz2, .xz or .zip)."
    )


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a cohort table file with every cell as text.

    Text cells keep identifiers as written (``007`` stays ``007``) and let the
    validator tell non-numeric text from a missing value. Parquet columns keep
    their stored types.

    Parameters
    ----------
    path : str or path-like
        A ``.csv``, ``.tsv`` (or ``.txt``, tab-separated) or ``.parquet`` file.

    Returns
    -------
    table : pandas.DataFrame
        The table as read, column names stripped of surrounding whitespace.

    Raises
    ------
    CohortError
        When the file is missing, unreadable, empty or of an unknown format.
    """
    path = Path(path)
    if not path.is_file():
        raise CohortError(f"File '{path}' does not exist or is not a file.")
    fmt = _format_of(path)
    ragged = False
    try:
        if fmt == "parquet":
            table = pd.read_parquet(path)
        else:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                table = pd.read_csv(
                    path,
                    sep="," if fmt == "csv" else "\t",
                    dtype=str,
                    keep_default_na=False,
                    encoding="utf-8-sig",
                    skipinitialspace=True,
                    index_col=False,
                )
            ragged = any(
                issubclass(w.category, pd.errors.ParserWarning) for w in caught
            )
    except pd.errors.EmptyDataError as exc:
        raise CohortError(f"File '{path}' is empty: expected a header row.") from exc
    except UnicodeDecodeError:
        raise CohortError(f"File '{path}' {_encoding_hint(path)}") from None
    except (pd.errors.ParserError, OSError, ValueError, EOFError) as exc:
        hint = _encoding_hint(path) if fmt != "parquet" else ""
        raise CohortError(
            f"File '{path}' could not be read as {fmt.upper()}: "
            f"{hint or str(exc)[:300]}"
        ) from None
    if fmt != "parquet" and ragged:
        _check_extra_fields(path, "," if fmt == "csv" else "\t")
    if fmt != "parquet":
        _check_short_rows(path, "," if fmt == "csv" else "\t")
    if fmt != "parquet":
        # pandas renames a repeated header ("age", "age.1"): read it as written,
        # so the validator can report the duplicate
        header = pd.read_csv(
            path,
            sep="," if fmt == "csv" else "\t",
            header=None,
            nrows=1,
            dtype=str,
            encoding="utf-8-sig",
            keep_default_na=False,
        )
        if header.shape[1] == table.shape[1]:
            table.columns = [str(c) for c in header.iloc[0]]
        _check_separator(path, fmt, table)
    table.columns = [str(c).strip() for c in table.columns]
    return table


#: Leading bytes -> what a file is when it is not a UTF-8 text table.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe", "looks like UTF-16: re-save it as UTF-8"),
    (b"\xfe\xff", "looks like UTF-16: re-save it as UTF-8"),
    (b"\x1f\x8b", "is gzip-compressed: name it .csv.gz/.tsv.gz or decompress it"),
    (b"BZh", "is bzip2-compressed: name it .csv.bz2/.tsv.bz2 or decompress it"),
    (b"\xfd7zXZ", "is xz-compressed: name it .csv.xz/.tsv.xz or decompress it"),
    (b"PK\x03\x04", "is a zip archive (or an Excel workbook): export it as CSV"),
    (b"PAR1", "is a Parquet file: name it .parquet"),
)


def _encoding_hint(path: Path) -> str:
    """Say what a table that is not UTF-8 text looks like, or ``""``."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    compressed = path.suffix.lower() in {".gz", ".bz2", ".xz", ".zip"}
    for magic, hint in _MAGIC:
        if head.startswith(magic) and not (compressed and "compressed" in hint):
            return hint + "."
    if b"\x00" in head:
        return "looks like UTF-16 or a binary file: re-save it as UTF-8 text."
    if compressed:
        return "is not a valid compressed table."
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end
            return "is not UTF-8 (Latin-1 or Windows-1252?): re-save it as UTF-8."
    return "is not UTF-8: re-save it as UTF-8."


def _check_short_rows(path: Path, sep: str) -> None:
    """Reject rows with fewer fields than the header (pandas would fill them)."""
    import csv

    from pandas.io.common import get_handle

    short: list[int] = []
    with get_handle(path, "r", encoding="utf-8-sig", compression="infer") as handles:
        reader = csv.reader(handles.handle, delimiter=sep)
        width = len(next(reader, []))
        for row in reader:
            if row and len(row) < width:
                short.append(reader.line_num)
                if len(short) == 5:
                    break
    if short:
        raise CohortError(
            f"File '{path}' has rows with fewer values than the header has columns "
            f"(lines {', '.join(map(str, short))}, counting the header as line 1): "
            "give every row a value (or an empty cell) for each column."
        )


def _check_extra_fields(path: Path, sep: str) -> None:
    """Reject rows with more non-empty fields than the header has names.

    A trailing separator on every row (``P1,30,``) is harmless and allowed;
    a value beyond the last named column would be silently dropped.
    """
    import csv
    import io

    raw = pd.read_csv(
        path,
        sep="\x1e",
        header=None,
        dtype=str,
        quoting=csv.QUOTE_NONE,
        keep_default_na=False,
        encoding="utf-8-sig",
        compression="infer",
    )
    lines = raw.iloc[:, 0].tolist()
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=sep))
    width = len(rows[0]) if rows else 0
    extra = [
        i + 1
        for i, row in enumerate(rows[1:], start=1)
        if any(cell.strip() for cell in row[width:])
    ]
    if extra:
        raise CohortError(
            f"File '{path}' has rows with more values than the header has columns "
            f"(lines {', '.join(map(str, extra[:5]))}): every value needs a column "
            "name in the first row."
        )


def _check_separator(path: Path, fmt: str, table: pd.DataFrame) -> None:
    """Say so when a single column's name shows another separator was used."""
    if table.shape[1] != 1:
        return
    name = str(table.columns[0])
    expected = "commas" if fmt == "csv" else "tabs"
    for sep, label in ((";", "semicolons"), (",", "commas"), ("\t", "tabs")):
        if sep in name and label != expected:
            raise CohortError(
                f"File '{path}' has one column named {name[:60]!r}: its fields look "
                f"separated by {label}, but a .{path.suffix.lstrip('.')} file must use "
                f"{expected}. Save it with {expected} or give it the matching suffix "
                "(.csv for commas, .tsv for tabs)."
            )
