"""Reading and validating visits tables (the contract's "Visits" section)."""

from __future__ import annotations

import pandas as pd
import pytest

from predict import read_cohort
from predict.exceptions import CohortError, VisitsError, VisitsWarning
from tests.cohort._visit_generator import generate


@pytest.fixture
def visits() -> pd.DataFrame:
    """Two visits for each of the five hand-written patients."""
    rows = []
    for pid, shift in zip(
        ["P1", "P2", "P3", "P4", "P5"], [0, 1, -1, 0, 1], strict=True
    ):
        rows.append(
            {
                "patient_id": pid,
                "visit": "s1",
                "day": 0,
                "hamd17": None,
                "tep_n100_amp_uv": -5.0,
                "bdnf_serum_ng_ml": 20.0,
            }
        )
        rows.append(
            {
                "patient_id": pid,
                "visit": "w1",
                "day": 7 + shift,
                "hamd17": 15,
                "tep_n100_amp_uv": -4.0,
                "bdnf_serum_ng_ml": 22.0,
            }
        )
    return pd.DataFrame(rows)


def test_reads_a_valid_table(minimal_table, visits):
    cohort = read_cohort(minimal_table, visits=visits)
    assert len(cohort.visits) == 10
    assert cohort.visits.nominal_days == {"s1": 0.0, "w1": 7.0}
    assert cohort.visits.measures == ("hamd17", "tep_n100_amp_uv", "bdnf_serum_ng_ml")
    assert cohort.visits.data.loc["P2", "day"].tolist() == [0.0, 8.0]


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        pytest.param(
            lambda v: v.assign(patient_id=v["patient_id"].replace("P3", "P9")),
            r"Column 'patient_id' of the visits table has 1 id not in the cohort "
            r"table \(patients P9\)",
            id="unknown-patient",
        ),
        pytest.param(
            lambda v: v.assign(visit=v["visit"].where(v.index != 1, "s1")),
            r"Columns 'patient_id' and 'visit' have duplicate pairs \(patients "
            r"P1 \(s1\)\)",
            id="duplicate-visit",
        ),
        pytest.param(
            lambda v: v.assign(day=v["day"].where(v.index != 3, None)),
            r"Column 'day' has 1 missing value \(patients P2 \(w1\)\)",
            id="day-missing",
        ),
        pytest.param(
            lambda v: v.assign(day=v["day"].where(v.index != 5, 400)),
            r"Column 'day' has 1 value outside 0-365 days since the first treatment "
            r"session \(patients P3 \(w1\)",
            id="day-out-of-range",
        ),
        pytest.param(
            lambda v: v.assign(day=v["day"].where(v.index != 2, -1)),
            r"Column 'day' has 1 value outside 0-365 .*\(patients P2 \(s1\)",
            id="day-negative",
        ),
        pytest.param(
            lambda v: v.assign(
                bdnf_serum_ng_ml=v["bdnf_serum_ng_ml"].where(v.index != 7, 2200.0)
            ),
            r"Column 'bdnf_serum_ng_ml' has 1 value outside 0-150 ng/mL \(patients "
            r"P4 \(w1\); e.g. 2200\): serum BDNF is expected in ng/mL",
            id="marker-out-of-range",
        ),
        pytest.param(
            lambda v: v.assign(hamd17=v["hamd17"].where(v.index != 9, 60)),
            r"Column 'hamd17' has 1 value outside 0-52 HAMD-17 points \(patients "
            r"P5 \(w1\)",
            id="scale-out-of-range",
        ),
        pytest.param(
            lambda v: v.assign(
                tep_n100_amp_uv=v["tep_n100_amp_uv"]
                .astype(object)
                .where(v.index != 0, "big")
            ),
            r"Column 'tep_n100_amp_uv' has 1 non-numeric value \(patients P1 \(s1\)",
            id="marker-not-numeric",
        ),
        pytest.param(
            lambda v: v.drop(columns="day"),
            r"Required column 'day' is missing from the visits table",
            id="no-day-column",
        ),
        pytest.param(
            lambda v: v.assign(visit=v["visit"].where(v.index != 4, "")),
            r"Column 'visit' of the visits table has 1 empty cell \(rows 6",
            id="empty-label",
        ),
    ],
)
def test_bad_visits_are_named(minimal_table, visits, edit, match):
    with pytest.raises(VisitsError, match=match) as info:
        read_cohort(minimal_table, visits=edit(visits))
    assert isinstance(info.value, CohortError)
    assert str(info.value).startswith("Invalid visits table")


def test_every_problem_is_listed_at_once(minimal_table, visits):
    bad = visits.assign(day=visits["day"].where(visits.index != 3, None))
    bad.loc[0, "patient_id"] = "P0"
    with pytest.raises(VisitsError, match=r"2 problems found") as info:
        read_cohort(minimal_table, visits=bad)
    assert len(info.value.problems) == 2


def test_a_visit_on_or_after_the_endpoint_is_refused(minimal_table, visits):
    table = minimal_table.assign(endpoint_day=[28, 28, 8, 28, 28])
    with pytest.raises(
        VisitsError,
        match=r"Column 'day' has 1 visit on or after the patient's endpoint_day "
        r"\(patients P3 \(w1\)\)",
    ):
        read_cohort(
            table, visits=visits.assign(day=visits["day"].where(visits.index != 5, 8))
        )
    read_cohort(table, visits=visits)  # P3's w1 is on day 6, before day 8


def test_a_label_with_different_days_warns(minimal_table, visits):
    visits.loc[9, "day"] = 20  # P5's "w1" is two weeks later than the others'
    with pytest.warns(
        VisitsWarning,
        match=r"Visit label 'w1' is used with different days across patients: "
        r"median day 7, but 1 visit more than 3 days away \(patients P5 \(w1\)",
    ):
        read_cohort(minimal_table, visits=visits)


def test_columns_outside_the_contract_are_ignored_with_a_warning(minimal_table, visits):
    with pytest.warns(VisitsWarning, match=r"Ignoring 1 column\(s\).*'rater'"):
        cohort = read_cohort(minimal_table, visits=visits.assign(rater="AB"))
    assert "rater" not in cohort.visits.data


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet"])
def test_reads_bids_sessions_in_every_format(tmp_path, suffix):
    baseline, visits = generate(20, seed=1)
    path = tmp_path / f"sessions{suffix}"
    if suffix == ".parquet":
        visits.to_parquet(path)
    else:
        visits.to_csv(path, sep="," if suffix == ".csv" else "\t", index=False)
    cohort = read_cohort(baseline, visits=path)
    assert cohort.primary_scale == "madrs"
    assert cohort.visits.nominal_days == {
        "ses-d3": 3.0,
        "ses-d10": 10.0,
        "ses-d21": 21.0,
    }
    assert set(cohort.visits.measures) == {"madrs", "emg_sici_ratio", "eeg_iaf_hz"}
    assert cohort.visits.source == path


def test_a_missing_file_is_named(minimal_table, tmp_path):
    with pytest.raises(CohortError, match=r"File '.*nope.csv' does not exist"):
        read_cohort(minimal_table, visits=tmp_path / "nope.csv")


def test_path_columns_in_visits_go_through_the_raw_stage(tmp_path, minimal_table):
    """A visit's EMG trials file becomes its markers, as a baseline file does."""
    from predict.raw import read_raw_markers
    from predict.scoring._input import read_input
    from tests.raw.test_emg import TRIALS

    folder = tmp_path / "emg"
    folder.mkdir()
    pd.DataFrame(TRIALS, columns=["condition", "isi_ms", "mep_amp_mv"]).to_csv(
        folder / "P1_w1.csv", index=False
    )
    visits = pd.DataFrame(
        {
            "patient_id": ["P1", "P2"],
            "visit": ["w1", "w1"],
            "day": [7, 7],
            "emg_trials_path": ["emg/P1_w1.csv", None],
            "emg_sici_ratio": [None, 0.7],
        }
    )
    path = tmp_path / "visits.csv"
    visits.to_csv(path, index=False)
    cohort = read_cohort(minimal_table, visits=path)
    assert cohort.visits.path_columns == ("emg_trials_path",)
    read, _ = read_raw_markers(cohort)
    at = read.visits.data.set_index("visit", append=True)
    assert at.loc[("P1", "w1"), "emg_sici_ratio"] == pytest.approx(0.4)  # from file
    assert at.loc[("P1", "w1"), "emg_mep_amp_mv"] == pytest.approx(1.0)
    assert at.loc[("P2", "w1"), "emg_sici_ratio"] == 0.7  # precomputed
    wide = read.at(visit="w1").data
    assert wide.loc["P1", "visit__emg_icf_ratio__last"] == pytest.approx(1.5)
    # scoring reads the visits' files through the same stage
    metadata = {"predict_at": {"day": 7.0, "visit": "w1"}, "config": {}}
    frame, _ = read_input(minimal_table, metadata, path)
    assert frame.loc["P1", "visit__emg_sici_ratio__last"] == pytest.approx(0.4)


@pytest.mark.parametrize(
    ("columns", "match"),
    [
        pytest.param(
            {"day": "Day"},
            r"Column 'Day' of the visits table must be lower-case: "
            r"expected 'day'",
            id="upper-case",
        ),
        pytest.param(
            {"hamd17": "tep_n100_amp_uv"},
            r"Column 'tep_n100_amp_uv' appears more than once in the visits table",
            id="repeated-name",
        ),
    ],
)
def test_column_names_are_checked(minimal_table, visits, columns, match):
    with pytest.raises(VisitsError, match=match):
        read_cohort(minimal_table, visits=visits.rename(columns=columns))
