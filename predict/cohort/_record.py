"""Parse a few clean patient records without pandas, for fast scoring.

Validating a table through :func:`~predict.cohort.read_cohort` costs tens of
milliseconds whatever its length: pandas' fixed cost per column. Scoring one
patient at a time needs less. :func:`parse_records` checks each cell with plain
Python and returns the parsed columns when every cell is one the full
validator accepts unchanged; on anything else (a problem, an unusual spelling,
a column outside the contract) it returns ``None`` and the caller runs the full
validator, which raises or warns with its usual message. It is therefore never
the one that reports a problem, and never accepts what the full validator
rejects: every cell it takes is a case the full validator parses to the same
value (``tests/cohort/test_record.py`` checks both directions).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from predict.cohort._contract import CATEGORIES, ColumnSpec, spec_for
from predict.cohort._validate import (
    _BINARY,
    _MISSING_IN_TEXT,
    _SEX,
    MAX_ID_CHARS,
    MAX_MAGNITUDE,
    MISSING_IN_VALUES,
)

__all__ = ["parse_records"]

_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


class _UnsureError(Exception):
    """A cell the fast path leaves to the full validator."""


def _missing(value: Any) -> bool:
    """Whether a cell is an empty value (not a spelling of one)."""
    return (
        value is None
        or value is pd.NA
        or (isinstance(value, float | np.floating) and math.isnan(value))
    )


def _number(spec: ColumnSpec, value: Any) -> float:
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in MISSING_IN_VALUES:
            return math.nan
        if not _NUMBER.fullmatch(text):
            raise _UnsureError
        number = float(text) + 0.0  # "-0" is 0.0, as pandas parses it
    elif isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    ):
        number = float(value)
    elif _missing(value):
        return math.nan
    else:
        raise _UnsureError
    if math.isnan(number):
        return number
    if math.isinf(number) or abs(number) > MAX_MAGNITUDE:
        raise _UnsureError
    if (spec.low is not None and number < spec.low) or (
        spec.high is not None and number > spec.high
    ):
        raise _UnsureError
    if spec.kind == "integer" and number != round(number):
        raise _UnsureError
    return number


def _binary(value: Any) -> float:
    if _missing(value):
        return math.nan
    if not isinstance(value, str | int | float | bool | np.integer | np.floating):
        raise _UnsureError
    text = str(value).strip()
    if text.lower() in MISSING_IN_VALUES:
        return math.nan
    parsed = _BINARY.get(text.lower())
    if parsed is None:
        raise _UnsureError
    return parsed


def _category(spec: ColumnSpec, value: Any) -> object:
    if _missing(value):
        return math.nan
    if not isinstance(value, str):
        raise _UnsureError
    text = value.strip()
    if text.lower() in MISSING_IN_VALUES:
        return math.nan
    parsed = _SEX.get(text.lower()) if spec.name == "sex" else text
    if parsed is None or parsed not in CATEGORIES[spec.name]:
        raise _UnsureError
    return parsed


def _text(value: Any) -> object:
    if _missing(value):
        return math.nan
    if not isinstance(value, str):
        raise _UnsureError
    text = value.strip()
    return math.nan if text.lower() in _MISSING_IN_TEXT else text


def _patient_id(value: Any) -> str:
    if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        return str(value)
    if not isinstance(value, str):
        raise _UnsureError
    text = value.strip()
    if (
        text.lower() in _MISSING_IN_TEXT
        or len(text) > MAX_ID_CHARS
        or not text.isprintable()
    ):
        raise _UnsureError
    return text


def _column(spec: ColumnSpec, values: Sequence[Any]) -> np.ndarray:
    if spec.kind in {"numeric", "integer"}:
        return np.array([_number(spec, v) for v in values], dtype=float)
    if spec.kind == "binary":
        return np.array([_binary(v) for v in values], dtype=float)
    if spec.kind == "category":
        return np.array([_category(spec, v) for v in values], dtype=object)
    return np.array([_text(v) for v in values], dtype=object)


def parse_records(
    columns: Mapping[str, Sequence[Any]], *, skip: frozenset[str] = frozenset()
) -> tuple[list[str], dict[str, np.ndarray]] | None:
    """Parse clean contract columns cell by cell, or return ``None``.

    Parameters
    ----------
    columns : mapping of str to sequence
        Column name -> cells, one per patient, including ``patient_id``.
    skip : frozenset of str, default=frozenset()
        Contract columns to leave out of the result (outcomes when scoring).

    Returns
    -------
    parsed : tuple of (list of str, dict of str to ndarray) or None
        The patient ids and the parsed columns (float arrays for numbers,
        object arrays for categories and text, ``nan`` for missing), as
        :func:`~predict.cohort.read_cohort` would parse them; ``None`` when any
        name or cell needs the full validator.

    Examples
    --------
    >>> ids, parsed = parse_records({"patient_id": ["P1"], "age": ["41"]})
    >>> ids, parsed["age"]
    (['P1'], array([41.]))
    >>> parse_records({"patient_id": ["P1"], "age": ["forty"]}) is None
    True
    """
    if "patient_id" not in columns:
        return None
    try:
        ids = [_patient_id(v) for v in columns["patient_id"]]
        if not ids or len(set(ids)) != len(ids):
            return None
        parsed: dict[str, np.ndarray] = {}
        for name, values in columns.items():
            if name == "patient_id" or name in skip:
                continue
            spec = spec_for(name) if isinstance(name, str) else None
            if spec is None or name != name.strip().lower() or len(values) != len(ids):
                return None
            parsed[name] = _column(spec, values)
    except _UnsureError:
        return None
    return ids, parsed
