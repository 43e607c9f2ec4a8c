"""Check a cohort table against the contract, collecting every problem.

Each check appends sentences to a list instead of raising, so a user fixing a
table sees all of its problems at once; :func:`validate_table` returns the
parsed table together with that list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from predict.cohort._contract import CATEGORIES, ColumnSpec, spec_for
from predict.cohort._messages import did_you_mean, plural, quote_ids

__all__ = ["ValidationResult", "validate_table"]

_SEX = {"f": "F", "female": "F", "m": "M", "male": "M"}
_BINARY = {"0": 0.0, "1": 1.0, "0.0": 0.0, "1.0": 1.0, "false": 0.0, "true": 1.0}


@dataclass
class ValidationResult:
    """A parsed table and what the validator found in it.

    Attributes
    ----------
    table : pandas.DataFrame
        Parsed columns (numbers as float, categories in canonical spelling),
        indexed by ``patient_id``.
    problems : list of str
        Every contract violation found, worded for the user.
    ignored : list of str
        Columns outside the contract, kept out of every feature.
    missing_spellings : dict of str to int
        How many cells of number and category columns were read as missing,
        per spelling as written (``""`` for an empty cell).
    """

    table: pd.DataFrame
    problems: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    missing_spellings: dict[str, int] = field(default_factory=dict)


def _rename_bids(raw: pd.DataFrame) -> pd.DataFrame:
    if "patient_id" not in raw.columns and "participant_id" in raw.columns:
        return raw.rename(columns={"participant_id": "patient_id"})
    return raw


def _check_names(raw: pd.DataFrame, problems: list[str]) -> None:
    duplicated = sorted({c for c in raw.columns if list(raw.columns).count(c) > 1})
    for name in duplicated:
        problems.append(
            f"Column '{name}' appears more than once: each column name must be unique."
        )
    for name in raw.columns:
        lower = name.lower()
        if name != lower and (spec_for(lower) is not None or lower == "participant_id"):
            problems.append(
                f"Column '{name}' must be lower-case: expected '{lower}' "
                "(contract column names are lower-case)."
            )


def _check_ids(raw: pd.DataFrame, problems: list[str]) -> pd.Series:
    """Return the row labels used in messages: patient ids, or row numbers."""
    rows = pd.Series([f"row {i + 2}" for i in range(len(raw))], index=raw.index)
    if "patient_id" not in raw.columns:
        hint = did_you_mean("patient_id", [str(c) for c in raw.columns])
        problems.append(
            "Required column 'patient_id' is missing: expected one pseudonymous id "
            f"per patient (a BIDS 'participant_id' column is accepted).{hint}"
        )
        return rows
    column = raw.loc[:, "patient_id"]
    if isinstance(column, pd.DataFrame):  # repeated column, reported by name
        column = column.iloc[:, 0]
    ids = column.astype("string").str.strip()
    empty = ids.isna() | ids.str.lower().isin(_MISSING_IN_TEXT)
    bad = pd.Series(
        [
            not e and (len(v) > MAX_ID_CHARS or not v.isprintable())
            for v, e in zip(ids.fillna("").tolist(), empty.tolist(), strict=True)
        ],
        index=ids.index,
    )
    if bad.any():
        lines = [i + 2 for i in range(len(raw)) if bad.iloc[i]]
        problems.append(
            f"Column 'patient_id' has {plural(int(bad.sum()), 'id')} longer than "
            f"{MAX_ID_CHARS} characters or with non-printable characters "
            f"({quote_ids(lines, 'rows')}, counting the header as row 1): expected "
            "short pseudonymous ids."
        )
        ids = ids.mask(bad)
        empty = empty | bad
    if empty.any():
        lines = [i + 2 for i in range(len(raw)) if empty.iloc[i]]
        problems.append(
            f"Column 'patient_id' has {plural(int(empty.sum()), 'empty id')} "
            f"({quote_ids(lines, 'rows')}, counting the header as row 1): every "
            "patient needs an id."
        )
    dup = ids.duplicated(keep=False) & ~empty
    if dup.any():
        problems.append(
            f"Column 'patient_id' has duplicate ids ({quote_ids(ids[dup].unique())}): "
            "expected one row per patient."
        )
    return ids.where(~empty, rows).astype(str)


#: Spellings of a missing value in number and category columns (any case):
#: an empty cell, ``n/a``, ``NA``, ``NaN`` and ``NULL``; anything else (``-``,
#: ``.``) is a bad value. Text columns (ids, sites, paths) treat only an empty
#: cell and BIDS ``n/a`` so.
MISSING_IN_VALUES = frozenset({"", "na", "n/a", "nan", "null"})
_PARSED_KINDS = frozenset({"numeric", "integer", "binary", "category"})
#: Longest patient id accepted (characters).
MAX_ID_CHARS = 128
#: Largest magnitude of any number (beyond it feature arithmetic overflows).
MAX_MAGNITUDE = 1e9
_MISSING_IN_TEXT = frozenset({"", "n/a"})


def _to_text(
    values: pd.Series, missing: frozenset[str] = MISSING_IN_VALUES
) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.mask(text.str.lower().isin(missing))


def _parse_numeric(
    spec: ColumnSpec, values: pd.Series, ids: pd.Series, problems: list[str]
) -> pd.Series:
    name = spec.name
    if pd.api.types.is_complex_dtype(values):
        imaginary = pd.Series(np.imag(values.to_numpy()) != 0, index=values.index)
        if imaginary.any():
            problems.append(
                f"Column '{name}' has "
                f"{plural(int(imaginary.sum()), 'complex number')} "
                f"({quote_ids(ids[imaginary])}): expected real numbers"
                f"{' in ' + spec.unit if spec.unit else ''}."
            )
        values = pd.Series(np.real(values.to_numpy()), index=values.index).mask(
            imaginary
        )
    if pd.api.types.is_bool_dtype(values):
        values = values.astype(float)
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype(float)
    else:
        text = _to_text(values)
        numbers = pd.to_numeric(text, errors="coerce").astype(float)
        bad = text.notna() & numbers.isna()
        if bad.any():
            examples = ", ".join(repr(v) for v in text[bad].unique()[:3])
            problems.append(
                f"Column '{name}' has {plural(int(bad.sum()), 'non-numeric value')} "
                f"({quote_ids(ids[bad])}; e.g. {examples}): expected numbers"
                f"{' in ' + spec.unit if spec.unit else ''}; leave a cell empty for "
                "a missing value."
            )
    infinite = np.isinf(numbers)
    if infinite.any():
        problems.append(
            f"Column '{name}' has {plural(int(infinite.sum()), 'infinite value')} "
            f"({quote_ids(ids[infinite])}): expected finite numbers."
        )
        numbers = numbers.mask(infinite)
    huge = numbers.abs() > MAX_MAGNITUDE
    if huge.any():
        problems.append(
            f"Column '{name}' has {plural(int(huge.sum()), 'value')} beyond "
            f"+-{MAX_MAGNITUDE:g} ({quote_ids(ids[huge])}; e.g. "
            f"{numbers[huge].iloc[0]:g}): outside any plausible range"
            f"{' in ' + spec.unit if spec.unit else ''}."
        )
        numbers = numbers.mask(huge)
    outside = pd.Series(False, index=numbers.index)
    if spec.low is not None:
        outside |= numbers < spec.low
    if spec.high is not None:
        outside |= numbers > spec.high
    if outside.any():
        hint = f": {spec.hint}" if spec.hint else ""
        problems.append(
            f"Column '{name}' has {plural(int(outside.sum()), 'value')} outside "
            f"{spec.range_text()} ({quote_ids(ids[outside])}; e.g. "
            f"{numbers[outside].iloc[0]:g}){hint}."
        )
    if spec.kind == "integer":
        fractional = numbers.notna() & (numbers != np.round(numbers))
        if fractional.any():
            count = plural(int(fractional.sum()), "non-integer value")
            problems.append(
                f"Column '{name}' has {count} "
                f"({quote_ids(ids[fractional])}): expected whole numbers of "
                f"{spec.unit}."
            )
    return numbers


def _parse_binary(
    spec: ColumnSpec, values: pd.Series, ids: pd.Series, problems: list[str]
) -> pd.Series:
    text = _to_text(values.astype(object).map(lambda v: v if pd.isna(v) else str(v)))
    parsed = text.str.lower().map(_BINARY)
    bad = text.notna() & parsed.isna()
    if bad.any():
        examples = ", ".join(repr(v) for v in text[bad].unique()[:3])
        problems.append(
            f"Column '{spec.name}' has {plural(int(bad.sum()), 'value')} other than "
            f"0 or 1 ({quote_ids(ids[bad])}; e.g. {examples}): expected 0/1."
        )
    return parsed.astype(float)


def _parse_category(
    spec: ColumnSpec, values: pd.Series, ids: pd.Series, problems: list[str]
) -> pd.Series:
    text = _to_text(values)
    valid = CATEGORIES[spec.name]
    if spec.name == "sex":
        parsed = text.str.lower().map(_SEX)
    else:
        parsed = text.where(text.isin(valid))
    bad = text.notna() & parsed.isna()
    if bad.any():
        unknown = [str(v) for v in text[bad].unique()]
        hints = "".join(f" Got '{v}'.{did_you_mean(v, valid)}" for v in unknown[:3])
        extra = (
            " (case-insensitive; 'female'/'male' accepted)"
            if spec.name == "sex"
            else ""
        )
        problems.append(
            f"Column '{spec.name}' has {plural(int(bad.sum()), 'unknown value')} "
            f"({quote_ids(ids[bad])}): expected one of "
            f"{', '.join(repr(v) for v in valid)}{extra}.{hints}"
        )
    return parsed.astype(object).where(parsed.notna(), np.nan)


def validate_table(raw: pd.DataFrame) -> ValidationResult:
    """Parse every contract column of a raw table and collect its problems.

    Parameters
    ----------
    raw : pandas.DataFrame
        The table as read (text cells from CSV/TSV, typed cells from Parquet or
        a DataFrame).

    Returns
    -------
    result : ValidationResult
        The parsed table indexed by ``patient_id``, the problems and the
        ignored columns. Outcomes are not derived here.
    """
    if isinstance(raw.columns, pd.MultiIndex):
        return ValidationResult(
            pd.DataFrame(),
            ["The table has multi-level column names: expected one header row."],
            [],
        )
    ids_in_index = raw.index.name in {"patient_id", "participant_id"} and (
        raw.index.name not in raw.columns
    )
    raw = _rename_bids(raw.reset_index(drop=not ids_in_index))
    raw.columns = [str(c).strip() for c in raw.columns]
    problems: list[str] = []
    _check_names(raw, problems)
    if raw.shape[1] == 0 or len(raw) == 0:
        problems.append(
            "The table is empty: expected a header row and one row per patient."
        )
        return ValidationResult(pd.DataFrame(), problems, [])
    ids = _check_ids(raw, problems)
    parsed: dict[str, pd.Series] = {}
    ignored: list[str] = []
    spellings: dict[str, int] = {}
    for name in dict.fromkeys(raw.columns):
        column = raw.loc[:, name]
        if isinstance(column, pd.DataFrame):  # duplicated name, reported above
            column = column.iloc[:, 0]
        spec = spec_for(name)
        if spec is not None and spec.kind in _PARSED_KINDS:
            _count_spellings(column, spellings)
        if spec is None:
            ignored.append(name)
        elif spec.kind in {"numeric", "integer"}:
            parsed[name] = _parse_numeric(spec, column, ids, problems)
        elif spec.kind == "binary":
            parsed[name] = _parse_binary(spec, column, ids, problems)
        elif spec.kind == "category":
            parsed[name] = _parse_category(spec, column, ids, problems)
        elif name != "patient_id":
            text = _to_text(column, _MISSING_IN_TEXT)
            parsed[name] = text.astype(object).where(text.notna(), np.nan)
    table = pd.DataFrame(parsed, index=raw.index)
    table.index = pd.Index(ids.to_numpy(dtype=str), name="patient_id")
    return ValidationResult(table, problems, ignored, spellings)


def _count_spellings(values: pd.Series, counts: dict[str, int]) -> None:
    """Add the missing-value spellings of a text column to ``counts``."""
    if values.dtype != object and not pd.api.types.is_string_dtype(values):
        return
    text = values.astype("string").str.strip()
    missing = text[text.str.lower().isin(MISSING_IN_VALUES)]
    for spelling, n in missing.value_counts().items():
        counts[str(spelling)] = counts.get(str(spelling), 0) + int(n)
