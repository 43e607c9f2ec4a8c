"""The visit simulator: contract, schedule, missed visits, and where its signal is."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from predict import read_cohort, simulate_cohort
from predict.cohort import simulate_visits
from predict.cohort._simulate import _draw
from predict.cohort._simulate_visits import ENDPOINT_DAY


@pytest.fixture(scope="module")
def course():
    table = simulate_cohort(600, seed=11)
    return table, simulate_visits(600, seed=11)


def test_visits_follow_the_contract_and_the_schedule(course):
    table, visits = course
    cohort = read_cohort(table.assign(endpoint_day=ENDPOINT_DAY), visits=visits)
    assert cohort.visits.nominal_days == {"s1": 0.0, "w1": 7.0, "w2": 14.0}
    days = visits.groupby("visit")["day"].agg(["min", "max"])
    assert days.loc["s1"].tolist() == [0, 0]
    assert days.loc["w1"].tolist() == [5, 9] and days.loc["w2"].tolist() == [12, 16]
    assert visits.loc[visits["visit"] == "s1", "hamd17"].isna().all()
    counts = visits["visit"].value_counts() / len(table)
    assert 0.9 < counts["s1"] < 0.99 and 0.84 < counts["w2"] < 0.93  # missed visits
    # no visit value for a modality the patient lacked at baseline
    no_tep = table.set_index("patient_id")["tep_n100_amp_uv"].isna()
    lacking = visits["patient_id"].map(no_tep)
    assert visits.loc[lacking, "tep_n100_amp_uv"].isna().all()


def test_same_arguments_same_visits_and_no_missing_without_missing():
    a, b = simulate_visits(30, seed=2), simulate_visits(30, seed=2)
    pd.testing.assert_frame_equal(a, b)
    full = simulate_visits(30, seed=2, missing=False)
    assert len(full) == 90
    assert full.drop(columns="hamd17").notna().all().all()
    assert not simulate_visits(30, seed=3).equals(a)


def test_symptoms_separate_responders_progressively(course):
    table, visits = course
    response = table.set_index("patient_id").eval(
        "endpoint_hamd17 <= 0.5 * baseline_hamd17"
    )
    base = table.set_index("patient_id")["baseline_hamd17"]
    rated = visits.dropna(subset=["hamd17"]).copy()
    rated["improvement"] = 1 - rated["hamd17"] / rated["patient_id"].map(base)
    rated["responder"] = rated["patient_id"].map(response)
    gap = rated.groupby(["visit", "responder"])["improvement"].mean().unstack()
    gap = gap[True] - gap[False]
    assert 0.05 < gap["w1"] < gap["w2"]


def test_single_session_change_follows_the_plasticity_trait(course):
    table, visits = course
    plasticity = pd.Series(
        _draw(600, 11, 4, True).plasticity, index=table["patient_id"]
    )
    s1 = visits[visits["visit"] == "s1"].set_index("patient_id")
    base = table.set_index("patient_id")
    change = (s1["tep_n100_amp_uv"] - base["tep_n100_amp_uv"]).dropna()
    r = np.corrcoef(change, plasticity[change.index])[0, 1]
    assert 0.2 < r < 0.8
    mep = np.log(s1["emg_mep_amp_mv"] / base["emg_mep_amp_mv"]).dropna()
    assert np.corrcoef(mep, plasticity[mep.index])[0, 1] > 0.2


def test_bdnf_rises_over_the_first_two_weeks(course):
    table, visits = course
    base = table.set_index("patient_id")["bdnf_serum_ng_ml"]
    rise = np.log(visits["bdnf_serum_ng_ml"] / visits["patient_id"].map(base))
    by_visit = rise.groupby(visits["visit"]).mean()
    assert abs(by_visit["s1"]) < 0.02  # not after one session
    assert by_visit["s1"] < by_visit["w1"] < by_visit["w2"]
    assert 0.015 < by_visit["w2"] < 0.1  # a rise of a few percent, not a jump
    plasticity = pd.Series(
        _draw(600, 11, 4, True).plasticity, index=table["patient_id"]
    )
    at_w2 = rise[visits["visit"] == "w2"].dropna()
    r = np.corrcoef(at_w2, plasticity[visits.loc[at_w2.index, "patient_id"]])[0, 1]
    assert r > 0.1  # larger in the more plastic


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param(
            {"n": 5}, r"'n' parameter of simulate_visits must be an int", id="n"
        ),
        pytest.param({"seed": -1}, r"'seed' parameter of simulate_visits", id="seed"),
        pytest.param(
            {"missing": 1}, r"'missing' parameter of simulate_visits", id="missing"
        ),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_visits(**kwargs)
