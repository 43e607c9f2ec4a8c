"""Read and validate a visits table: markers and scores over the course.

The contract's "Visits" section: a long table, one row per patient and visit,
with ``patient_id``, ``visit`` (a BIDS ``session_id`` is accepted), ``day``
(days since the first treatment session, 0 = right after it), the scale
totals ``hamd17``/``madrs`` and any marker or path column of the cohort
table under the same name, unit and range. Every problem is collected and
reported at once, each with the column and the first patients (and visits).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from predict.cohort._contract import COLUMNS, PATH_COLUMNS, ColumnSpec, modality_of
from predict.cohort._messages import plural, quote_ids
from predict.cohort._read import read_table
from predict.cohort._validate import _parse_category, _parse_numeric, _to_text
from predict.exceptions import VisitsError, VisitsWarning

if TYPE_CHECKING:
    from predict.raw import RawOptions

__all__ = [
    "DAY_TOLERANCE",
    "SCALE_COLUMNS",
    "Visits",
    "read_visit_markers",
    "read_visits",
]

#: Scale total at a visit -> the cohort table's baseline column of that scale.
SCALE_COLUMNS: dict[str, str] = {"hamd17": "baseline_hamd17", "madrs": "baseline_madrs"}

#: A visit label's days may differ across patients by this many days from the
#: label's median (or a quarter of the median, whichever is larger) before a
#: warning says the label seems to mean different times.
DAY_TOLERANCE = 3.0

_DAY = ColumnSpec("day", "numeric", 0, 365, "days since the first treatment session")
_SCALE_SPECS = {
    "hamd17": ColumnSpec("hamd17", "numeric", 0, 52, "HAMD-17 points"),
    "madrs": ColumnSpec("madrs", "numeric", 0, 60, "MADRS points"),
}
_MISSING_IN_TEXT = frozenset({"", "n/a"})


@dataclass(frozen=True, eq=False)
class Visits:
    """A validated visits table.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per patient and visit, indexed by ``patient_id`` (repeated),
        sorted by patient and ``day``: ``visit``, ``day``, then the measured
        columns (numbers as float) and path columns.
    measures : tuple of str
        Numeric columns measured at visits (scale totals and markers).
    path_columns : tuple of str
        Raw-recording path columns with at least one value.
    nominal_days : mapping of str to float
        Median day of each visit label across patients.
    source : pathlib.Path or None
        The file read, ``None`` for a DataFrame.
    """

    data: pd.DataFrame
    measures: tuple[str, ...]
    path_columns: tuple[str, ...]
    nominal_days: Mapping[str, float]
    source: Path | None = None

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        labels, measures = list(self.nominal_days), len(self.measures)
        return f"Visits(n_visits={len(self)}, labels={labels}, measures={measures})"

    @property
    def base_dir(self) -> Path | None:
        """Folder that relative raw-file paths are resolved against."""
        return self.source.parent if self.source is not None else None

    @classmethod
    def empty(cls) -> Visits:
        """Return a visits table without any visit (scoring without visits)."""
        data = pd.DataFrame(
            {"visit": pd.Series(dtype=object), "day": pd.Series(dtype=float)},
            index=pd.Index([], name="patient_id", dtype=object),
        )
        return cls(data, (), (), {})


def _spec(column: str) -> ColumnSpec | None:
    """Return the spec a visits column is checked against, ``None`` if none."""
    if column == "day":
        return _DAY
    if column in _SCALE_SPECS:
        return _SCALE_SPECS[column]
    if column in PATH_COLUMNS:
        return COLUMNS[column]
    if modality_of(column) is not None:
        from predict.cohort._contract import spec_for

        return spec_for(column)
    return None


def _labels(ids: pd.Series, visit: pd.Series) -> pd.Series:
    """Row labels for messages: ``P001 (w1)``."""
    return ids.fillna("?").astype(str) + " (" + visit.fillna("?").astype(str) + ")"


def _required(raw: pd.DataFrame, problems: list[str]) -> bool:
    missing = [c for c in ("patient_id", "visit", "day") if c not in raw.columns]
    for column in missing:
        extra = " (a BIDS 'session_id' column is accepted)" if column == "visit" else ""
        problems.append(
            f"Required column '{column}' is missing from the visits table{extra}: "
            "expected patient_id, visit and day on every row."
        )
    return not missing


def _text(raw: pd.DataFrame, column: str) -> pd.Series:
    values = raw[column]
    if isinstance(values, pd.DataFrame):
        values = values.iloc[:, 0]
    text = _to_text(values.astype(object).map(lambda v: v if pd.isna(v) else str(v)))
    return text.mask(text.str.lower().isin(_MISSING_IN_TEXT))


def _check_ids(
    ids: pd.Series,
    visit: pd.Series,
    labels: pd.Series,
    known: pd.Index,
    problems: list[str],
) -> None:
    for column, values in (("patient_id", ids), ("visit", visit)):
        empty = values.isna()
        if empty.any():
            rows = [i + 2 for i in np.flatnonzero(empty.to_numpy())]
            problems.append(
                f"Column '{column}' of the visits table has "
                f"{plural(int(empty.sum()), 'empty cell')} "
                f"({quote_ids(rows, 'rows')}, counting the header as row 1): every "
                "visit needs its patient and its label."
            )
    unknown = ids.notna() & ~ids.isin(known)
    if unknown.any():
        problems.append(
            f"Column 'patient_id' of the visits table has "
            f"{plural(int(ids[unknown].nunique()), 'id')} not in the cohort table "
            f"({quote_ids(ids[unknown].unique())}): every visit needs a patient of "
            "the cohort table (check the spelling, e.g. sub- prefixes)."
        )
    pairs = pd.DataFrame({"id": ids, "visit": visit})
    dup = pairs.duplicated(keep=False) & ids.notna() & visit.notna()
    if dup.any():
        problems.append(
            f"Columns 'patient_id' and 'visit' have duplicate pairs "
            f"({quote_ids(labels[dup].unique())}): expected one row per patient and "
            "visit label."
        )


def _check_endpoint(
    table: pd.DataFrame,
    labels: pd.Series,
    endpoint_days: pd.Series | None,
    problems: list[str],
) -> None:
    if endpoint_days is None:
        return
    endpoint = endpoint_days.reindex(table.index.astype(str)).to_numpy(dtype=float)
    late = pd.Series(table["day"].to_numpy() >= endpoint, index=labels.index)
    if late.any():
        problems.append(
            f"Column 'day' has {plural(int(late.sum()), 'visit')} on or after the "
            f"patient's endpoint_day ({quote_ids(labels[late.to_numpy()])}): "
            "visits are what was measured during the course, before the endpoint "
            "assessment (drop the endpoint visit; its score is the outcome)."
        )


def _warn_label_days(table: pd.DataFrame, labels: pd.Series) -> dict[str, float]:
    nominal = table.groupby("visit", sort=False)["day"].median()
    order = nominal.sort_values(kind="stable")
    for label, median in order.items():
        rows = (table["visit"] == label).to_numpy()
        days = table["day"].to_numpy()[rows]
        tolerance = max(DAY_TOLERANCE, 0.25 * float(median))
        off = np.abs(days - median) > tolerance
        if off.any():
            shown = labels.to_numpy()[rows][off]
            warnings.warn(
                f"Visit label '{label}' is used with different days across "
                f"patients: median day {median:g}, but "
                f"{plural(int(off.sum()), 'visit')} "
                f"more than {tolerance:g} days away ({quote_ids(shown)}; e.g. day "
                f"{days[off][0]:g}). Check that the label means the same time point "
                "for every patient.",
                VisitsWarning,
                stacklevel=4,
            )
    return {str(k): float(v) for k, v in order.items()}


def read_visits(
    source: str | Path | pd.DataFrame,
    patients: pd.Index,
    *,
    endpoint_days: pd.Series | None = None,
) -> Visits:
    """Read and validate a visits table against the cohort's patients.

    Parameters
    ----------
    source : str, path-like or pandas.DataFrame
        A CSV, TSV (concatenated BIDS ``sessions.tsv`` files included) or
        Parquet file, or a DataFrame.
    patients : pandas.Index
        The cohort table's patient ids.
    endpoint_days : pandas.Series or None, default=None
        Each patient's ``endpoint_day`` when the cohort table has one: visits
        on or after it are refused.

    Returns
    -------
    visits : Visits

    Raises
    ------
    VisitsError
        Listing every problem, each with the column and the first offending
        patients and visits.

    Warns
    -----
    VisitsWarning
        For a visit label used with different days across patients, and for
        columns outside the contract (ignored).
    """
    if isinstance(source, pd.DataFrame):
        raw, path = source.reset_index(drop=source.index.name is None), None
    else:
        path = Path(source)
        raw = read_table(path)
    raw = raw.copy()
    raw.columns = [str(c).strip() for c in raw.columns]
    renames = {}
    if "patient_id" not in raw.columns and "participant_id" in raw.columns:
        renames["participant_id"] = "patient_id"
    if "visit" not in raw.columns and "session_id" in raw.columns:
        renames["session_id"] = "visit"
    raw = raw.rename(columns=renames)
    problems: list[str] = []
    names = list(raw.columns)
    for name in sorted({c for c in names if names.count(c) > 1}):
        problems.append(
            f"Column '{name}' appears more than once in the visits table: each "
            "column name must be unique."
        )
    for name in names:
        if name != name.lower() and (
            _spec(name.lower()) is not None
            or name.lower() in {"patient_id", "visit", "session_id", "participant_id"}
        ):
            problems.append(
                f"Column '{name}' of the visits table must be lower-case: expected "
                f"'{name.lower()}'."
            )
    if len(raw) == 0:
        raise VisitsError("The visits table is empty: expected one row per visit.")
    if not _required(raw, problems) or problems:
        raise VisitsError(problems)
    ids, visit = _text(raw, "patient_id"), _text(raw, "visit")
    labels = _labels(ids, visit)
    _check_ids(ids, visit, labels, patients.astype(str), problems)
    parsed: dict[str, pd.Series] = {"visit": visit.astype(object)}
    ignored = []
    for column in dict.fromkeys(raw.columns):
        if column in {"patient_id", "visit"}:
            continue
        spec = _spec(column)
        values = raw[column]
        if isinstance(values, pd.DataFrame):
            values = values.iloc[:, 0]
        if spec is None:
            ignored.append(column)
        elif spec.kind == "path":
            parsed[column] = _text(raw, column).astype(object)
        elif spec.kind == "category":
            parsed[column] = _parse_category(spec, values, labels, problems)
        else:
            parsed[column] = _parse_numeric(spec, values, labels, problems)
    day = parsed["day"]
    if day.isna().any():
        problems.append(
            f"Column 'day' has {plural(int(day.isna().sum()), 'missing value')} "
            f"({quote_ids(labels[day.isna()])}): every visit needs its day since the "
            "first treatment session (0 = right after it)."
        )
    table = pd.DataFrame(parsed, index=raw.index)
    table.index = pd.Index(ids.astype(object).to_numpy(), name="patient_id")
    _check_endpoint(table, labels, endpoint_days, problems)
    if problems:
        raise VisitsError(problems)
    if ignored:
        warnings.warn(
            f"Ignoring {len(ignored)} column(s) of the visits table outside the "
            f"contract ({', '.join(repr(c) for c in ignored)}): a visit holds "
            "hamd17, madrs, marker columns (tep_, emg_, eeg_, fc_, bdnf_) and path "
            "columns.",
            VisitsWarning,
            stacklevel=2,
        )
    nominal = _warn_label_days(table, labels)
    table = table.reset_index().sort_values(["patient_id", "day"], kind="stable")
    table = table.set_index("patient_id")
    return _finish(table, path, nominal)


def _finish(
    table: pd.DataFrame, path: Path | None, nominal: Mapping[str, float]
) -> Visits:
    measures = tuple(
        c
        for c in table.columns
        if c not in {"visit", "day"}
        and c not in PATH_COLUMNS
        and pd.api.types.is_numeric_dtype(table[c])
        and table[c].notna().any()
    )
    paths = tuple(c for c in PATH_COLUMNS if c in table and table[c].notna().any())
    return Visits(table, measures, paths, dict(nominal), path)


def read_visit_markers(visits: Visits, options: RawOptions | None = None) -> Visits:
    """Return the visits with markers read from their raw-recording files.

    The same raw stage as the cohort table's (:func:`predict.raw.extract_markers`,
    same readers, options and cache), applied to every visit row.

    Parameters
    ----------
    visits : Visits
        Validated visits; relative paths resolve against the table's folder.
    options : RawOptions or None, default=None
        Reader options (the config's ``raw:`` block).

    Returns
    -------
    visits : Visits
        With each file's markers in its modality's columns.
    """
    if not visits.path_columns:
        return visits
    from predict.raw import extract_markers

    filled, _ = extract_markers(visits.data, options, base_dir=visits.base_dir)
    return dataclasses.replace(
        _finish(filled, visits.source, visits.nominal_days), source=visits.source
    )
