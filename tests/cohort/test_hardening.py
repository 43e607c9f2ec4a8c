"""Tables from others: magnitudes, ragged rows, ids, encodings, empty columns."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from predict import read_cohort
from predict._atomic import spreadsheet_safe, write_table
from predict.exceptions import CohortError, CohortWarning

HEADER = "patient_id,age,eeg_alpha_asym,tep_gmfp_auc\n"


@pytest.mark.parametrize("column", ["eeg_alpha_asym", "tep_gmfp_auc", "fc_extra"])
def test_huge_magnitudes_are_range_errors(column):
    table = pd.DataFrame({"patient_id": ["P1", "P2"], column: [0.1, 1e308]})
    with pytest.raises(CohortError, match=rf"Column '{column}' has 1 value beyond"):
        read_cohort(table)
    with pytest.raises(CohortError, match=r"patients P2; e.g. 1e\+308"):
        read_cohort(table.astype(str))


def test_short_rows_are_errors_naming_the_line(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(HEADER + "P1,40,0.1,2\nP2,41\nP3,42,0.2,3\n")
    with pytest.raises(CohortError, match=r"fewer values than the header.*lines 3"):
        read_cohort(path)


@pytest.mark.parametrize(
    ("ident", "message"),
    [("x" * 129, "longer than 128 characters"), ("P\x1b[31m", "non-printable")],
    ids=["long", "control"],
)
def test_ids_are_short_and_printable(ident, message):
    table = pd.DataFrame({"patient_id": ["P1", ident], "age": [30, 40]})
    with pytest.raises(CohortError, match=rf"{message}.*rows 3"):
        read_cohort(table)


def test_a_1_mb_id_is_refused_without_echoing_it():
    table = pd.DataFrame({"patient_id": ["P1", "y" * 1_000_000], "age": [30, 40]})
    with pytest.raises(CohortError) as info:
        read_cohort(table)
    assert len(str(info.value)) < 2000


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("u16.csv", (HEADER + "P1,40,0.1,2\n").encode("utf-16"), "looks like UTF-16"),
        (
            "latin.csv",
            (HEADER.replace("age", "age") + "P1,40,0.1,2\n").encode()
            + "Pé,41,0.1,2\n".encode("latin-1"),
            "Latin-1",
        ),
        ("zipped.csv", gzip.compress((HEADER + "P1,40,0.1,2\n").encode()), "gzip"),
    ],
    ids=["utf16", "latin1", "gzip-as-csv"],
)
def test_encodings_and_compression_are_named(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CohortError, match=message) as info:
        read_cohort(path)
    assert "codec" not in str(info.value)


def test_gzip_with_its_suffix_still_reads(tmp_path):
    path = tmp_path / "c.csv.gz"
    path.write_bytes(gzip.compress((HEADER + "P1,40,0.1,2\nP2,41,0.2,3\n").encode()))
    assert len(read_cohort(path)) == 2


def test_an_empty_column_is_warned_like_an_ignored_one(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(HEADER + "P1,40,,2\nP2,41,NA,3\n")
    with pytest.warns(CohortWarning, match=r"without any value \('eeg_alpha_asym'\)"):
        read_cohort(path)


def test_formula_cells_are_written_as_text(tmp_path):
    table = pd.DataFrame(
        {"patient_id": ["=HYPERLINK(1)", "+1", "-2", "@A1", "P5"], "x": [-1.0] * 5}
    )
    written = write_table(table, tmp_path / "out.csv")
    back = pd.read_csv(written, dtype=str)
    assert back["patient_id"].tolist() == ["'=HYPERLINK(1)", "'+1", "'-2", "'@A1", "P5"]
    assert back["x"].tolist() == ["-1.0"] * 5  # numbers untouched
    indexed = spreadsheet_safe(table.set_index("patient_id"))
    assert indexed.index[0] == "'=HYPERLINK(1)"
