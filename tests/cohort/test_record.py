"""The cell-by-cell parser never accepts what the full validator rejects."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from predict.cohort._record import parse_records
from predict.cohort._validate import validate_table

# (column, cell, whether the fast parser should take it)
CELLS = [
    ("age", "41", True),
    ("age", " 41 ", True),
    ("age", "4.1e1", True),
    ("age", "+41", True),
    ("age", "41.", True),
    ("age", 41, True),
    ("age", 41.0, True),
    ("age", np.int64(41), True),
    ("age", np.float32(41.5), True),
    ("age", "", True),
    ("age", "NA", True),
    ("age", "n/a", True),
    ("age", None, True),
    ("age", math.nan, True),
    ("age", pd.NA, True),
    ("age", "forty", False),
    ("age", "٤١", False),  # Arabic-Indic digits: pandas does not read them
    ("age", "４１", False),  # full-width digits
    ("tep_n100_amp_uv", "-0", True),
    ("age", "1_000", False),
    ("age", "0x10", False),
    ("age", "inf", False),
    ("age", math.inf, False),
    ("age", 400, False),
    ("age", -1, False),
    ("age", True, False),
    ("age", complex(41, 0), False),
    ("n_prior_treatments", 2, True),
    ("n_prior_treatments", 2.5, False),
    ("eeg_iaf_hz", ".5e1", True),
    ("eeg_iaf_hz", 30, False),
    ("tep_n100_amp_uv", "-5.25", True),
    ("sex", "F", True),
    ("sex", "female", True),
    ("sex", " Male ", True),
    ("sex", "x", False),
    ("sex", 1, False),
    ("bdnf_val66met", "Val/Met", True),
    ("bdnf_val66met", "val/met", False),
    ("bdnf_val66met", "", True),
    ("protocol", "iTBS", True),
    ("protocol", "itbs", False),
    ("site", "A", True),
    ("site", " NA ", True),
    ("site", "n/a", True),
    ("site", 3, False),
    ("response", "1", True),
    ("response", "true", True),
    ("response", 0, True),
    ("response", "yes", False),
    ("unknown_column", 1, False),
]


def _same(a: object, b: object) -> bool:
    if pd.isna(a) and pd.isna(b):  # type: ignore[arg-type]
        return True
    return a == b


@pytest.mark.parametrize(
    ("column", "cell", "fast"),
    [pytest.param(c, v, f, id=f"{c}={v!r}") for c, v, f in CELLS],
)
def test_fast_parser_agrees_with_full_validator(column, cell, fast):
    full = validate_table(pd.DataFrame({"patient_id": ["P1"], column: [cell]}))
    parsed = parse_records({"patient_id": ["P1"], column: [cell]})
    assert (parsed is not None) == fast
    if parsed is not None:
        ids, columns = parsed
        assert not full.problems and not full.ignored
        assert ids == list(full.table.index)
        assert _same(columns[column][0], full.table[column].iloc[0])


@pytest.mark.parametrize(
    "columns",
    [
        pytest.param({"age": [41]}, id="no-id-column"),
        pytest.param({"patient_id": ["P1", "P1"], "age": [1, 2]}, id="duplicate"),
        pytest.param({"patient_id": [" "], "age": [41]}, id="empty-id"),
        pytest.param({"patient_id": [1.0], "age": [41]}, id="float-id"),
        pytest.param({"patient_id": ["P1"], "Age": [41]}, id="upper-case"),
        pytest.param({"patient_id": ["P1"], "age": [41, 42]}, id="ragged"),
    ],
)
def test_tables_the_full_validator_must_see(columns):
    assert parse_records(columns) is None


def test_skipped_columns_are_left_out():
    ids, columns = parse_records(
        {"patient_id": [7], "age": [41], "endpoint_hamd17": ["bad"]},
        skip=frozenset({"endpoint_hamd17"}),
    )
    assert ids == ["7"] and list(columns) == ["age"]
