"""CSV, TSV, Parquet and BIDS participants.tsv round trips."""

from __future__ import annotations

import pandas as pd
import pytest

from predict import read_cohort
from predict.exceptions import CohortError


@pytest.mark.parametrize(
    "suffix",
    [
        pytest.param(".csv", id="csv"),
        pytest.param(".tsv", id="tsv"),
        pytest.param(".parquet", id="parquet"),
        pytest.param(".csv.gz", id="csv-gzip"),
    ],
)
def test_round_trip(tmp_path, small_table, suffix):
    path = tmp_path / f"cohort{suffix}"
    if suffix == ".parquet":
        small_table.to_parquet(path, index=False)
    else:
        small_table.to_csv(path, sep="\t" if suffix == ".tsv" else ",", index=False)
    from_file = read_cohort(path)
    from_frame = read_cohort(small_table)
    pd.testing.assert_frame_equal(from_file.data, from_frame.data)
    assert from_file.fingerprint == from_frame.fingerprint
    assert from_file.source == path
    assert from_file.base_dir == tmp_path


def test_bids_participants_tsv(tmp_path):
    path = tmp_path / "participants.tsv"
    path.write_text(
        "participant_id\tage\tsex\tbaseline_hamd17\tendpoint_hamd17\teeg_iaf_hz\n"
        "sub-01\t34\tF\t24\t10\t9.8\n"
        "sub-02\tn/a\tM\t20\tn/a\tn/a\n"
        "sub-03\t51\tn/a\t26\t20\t10.4\n"
    )
    cohort = read_cohort(path)
    assert cohort.patient_ids.tolist() == ["sub-01", "sub-02", "sub-03"]
    assert cohort.data["age"].isna().tolist() == [False, True, False]
    assert cohort.data["response"].tolist()[0] == 1.0
    assert pd.isna(cohort.data.loc["sub-02", "response"])
    assert cohort.modalities == ("clinical", "rest_eeg")


def test_ids_keep_leading_zeros(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("patient_id,age\n007,30\n010,40\n")
    assert read_cohort(path).patient_ids.tolist() == ["007", "010"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("c.xlsx", "x", "unsupported format", id="format"),
        pytest.param("c.csv", "", "is empty", id="empty-file"),
        pytest.param(
            "c.csv", "patient_id,age\n", "The table is empty", id="header-only"
        ),
    ],
)
def test_unreadable_files(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(CohortError, match=message):
        read_cohort(path)


def test_missing_file(tmp_path):
    with pytest.raises(CohortError, match="does not exist"):
        read_cohort(tmp_path / "nope.csv")


def test_ids_in_the_index_are_accepted(small_table):
    cohort = read_cohort(small_table)
    again = read_cohort(
        cohort.data.drop(columns=["response", "remission", "pct_change"])
    )
    pd.testing.assert_frame_equal(again.data, cohort.data)


def test_trailing_comma_does_not_shift_columns(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "patient_id,tep_n45_amp_uv,tep_p60_amp_uv\nP1,1.5,2.5,\nP2,3.5,4.5,\n"
    )
    cohort = read_cohort(path)
    assert cohort.patient_ids.tolist() == ["P1", "P2"]
    assert cohort.data["tep_p60_amp_uv"].tolist() == [2.5, 4.5]


def test_missing_spellings_depend_on_the_column(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "patient_id,site,age,sex,eeg_iaf_hz\n"
        "P1,NA,NA,null,NaN\n"
        "P2,n/a,NULL,F,\n"
        "P3,Berlin,40,M,10.1\n"
    )
    cohort = read_cohort(path)
    data = cohort.data
    assert data["site"].tolist()[0] == "NA"  # a site called NA (North America)
    assert pd.isna(data.loc["P2", "site"])  # BIDS n/a
    assert data["age"].isna().tolist() == [True, True, False]
    assert data["sex"].isna().tolist() == [True, False, False]
    assert data["eeg_iaf_hz"].isna().tolist() == [True, True, False]
    assert cohort.missing_spellings == {"NA": 1, "null": 1, "NaN": 1, "NULL": 1, "": 1}


@pytest.mark.parametrize("spelling", [".", "-", "None", "#N/A"])
def test_other_missing_spellings_are_errors(tmp_path, spelling):
    path = tmp_path / "c.csv"
    path.write_text(f"patient_id,age\nP1,{spelling}\nP2,40\n")
    with pytest.raises(CohortError, match=r"Column 'age' has 1 non-numeric value"):
        read_cohort(path)


def test_values_beyond_the_header_are_rejected(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("patient_id,age\nP1,30,7\nP2,40\n")
    with pytest.raises(
        CohortError, match=r"more values than the header has columns \(lines 2\)"
    ):
        read_cohort(path)
