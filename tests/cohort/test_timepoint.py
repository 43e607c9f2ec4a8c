"""Prediction time: one filtering step, and no later visit reaches a feature."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from predict import read_cohort, simulate_cohort
from predict.cohort import simulate_visits
from predict.config import ExperimentConfig
from predict.exceptions import ConfigError, UsageError
from predict.features import build_features
from tests.cohort._visit_generator import generate

N = 80


@pytest.fixture(scope="module")
def simulated() -> tuple[pd.DataFrame, pd.DataFrame]:
    return simulate_cohort(N, seed=3), simulate_visits(N, seed=3)


CONFIG = ExperimentConfig(
    features={"clinical": {}, "tms_eeg": {}, "change": {}, "early_improvement": {}},
    predict_at={"visit": "w1"},
)


def _later_changed(visits: pd.DataFrame, cohort) -> pd.DataFrame:
    """Change every visit after each patient's w1 cutoff, add one and drop one."""
    out = visits.copy()
    own = out[out["visit"] == "w1"].set_index("patient_id")["day"]
    cutoff = out["patient_id"].map(own).fillna(cohort.at(visit="w1").time_point.day)
    later = out["day"] > cutoff
    assert later.sum() > N / 2
    for column in ("hamd17", "tep_n100_amp_uv", "emg_mep_amp_mv", "bdnf_serum_ng_ml"):
        out.loc[later, column] = out.loc[later, column] * 0.5
    out.loc[later, "day"] = out.loc[later, "day"] + 3
    extra = out[later].head(5).assign(visit="w3", day=30.0, hamd17=1.0)
    dropped = out[later].index[5:10]
    return pd.concat([out.drop(index=dropped), extra], ignore_index=True)


def test_later_visits_change_nothing(simulated):
    table, visits = simulated
    cohort = read_cohort(table, visits=visits)
    edited = read_cohort(table, visits=_later_changed(visits, cohort))
    before, after = cohort.at(visit="w1"), edited.at(visit="w1")
    pd.testing.assert_frame_equal(before.data, after.data)
    pd.testing.assert_frame_equal(
        build_features(CONFIG, cohort), build_features(CONFIG, edited)
    )
    assert (after.visits.data["visit"] != "w3").all()


def test_earlier_visits_do_change_the_features(simulated):
    """The guard above could pass if visits never mattered: they do."""
    table, visits = simulated
    edited = visits.copy()
    edited.loc[edited["visit"] == "w1", "hamd17"] = 0.0
    a = build_features(CONFIG, read_cohort(table, visits=visits))
    b = build_features(CONFIG, read_cohort(table, visits=edited))
    assert not np.allclose(
        a["early_improvement__pct_change"].fillna(0),
        b["early_improvement__pct_change"].fillna(0),
    )


def test_a_visit_label_uses_each_patients_own_day(minimal_table):
    visits = pd.DataFrame(
        {
            "patient_id": ["P1", "P1", "P2", "P2"],
            "visit": ["w1", "w2", "w1", "w2"],
            "day": [9, 14, 6, 8],  # P2's w2 came before the nominal w1 day (7.5)
            "hamd17": [20, 10, 18, 16],
        }
    )
    at = read_cohort(minimal_table, visits=visits).at(visit="w1")
    assert at.time_point.day == 7.5
    assert at.data.loc["P1", "visit__hamd17__last"] == 20  # day 9: P1's own w1
    assert at.data.loc["P2", "visit__hamd17__last"] == 18  # w2 (day 8) is later
    assert np.isnan(at.data.loc["P3", "visit__hamd17__last"])
    by_day = read_cohort(minimal_table, visits=visits).at(day=8)
    assert by_day.data.loc["P2", "visit__hamd17__last"] == 16
    assert np.isnan(by_day.data.loc["P1", "visit__hamd17__last"])


def test_slope_is_least_squares_per_week_from_baseline(minimal_table):
    visits = pd.DataFrame(
        {
            "patient_id": ["P1", "P1"],
            "visit": ["w1", "w2"],
            "day": [7, 14],
            "hamd17": [21, 15],
        }
    )  # baseline 24 at day 0: points (0, 24), (7, 21), (14, 15)
    at = read_cohort(minimal_table, visits=visits).at(day=14)
    assert at.data.loc["P1", "visit__hamd17__slope_per_week"] == pytest.approx(-4.5)
    assert at.data.loc["P1", "visit__hamd17__day"] == 14
    assert at.data.loc["P1", "visit__n_visits"] == 2
    assert at.data.loc["P2", "visit__n_visits"] == 0


def test_predicting_on_or_after_the_endpoint_is_refused():
    baseline, visits = generate(30, seed=2)
    cohort = read_cohort(baseline, visits=visits)
    with pytest.raises(
        ConfigError,
        match=r"Predicting at day 28 is on or after the endpoint \(column "
        r"'endpoint_day'\) of 30 patients \(patients sub-000, sub-001",
    ):
        cohort.at(day=28)
    cohort.at(day=27)


def test_an_unknown_label_is_named():
    baseline, visits = generate(20, seed=2)
    with pytest.raises(
        ConfigError,
        match=r"no visit labelled 'ses-10'.*Did you "
        r"mean 'ses-d10'\?.*'ses-d3', 'ses-d10', 'ses-d21'",
    ):
        read_cohort(baseline, visits=visits).at(visit="ses-10")


def test_predict_at_needs_visits(minimal_table):
    with pytest.raises(ConfigError, match=r"\('predict_at'\) but no visits table"):
        build_features(CONFIG, read_cohort(minimal_table))


def test_a_cohort_at_a_time_cannot_move_again(minimal_table):
    at = read_cohort(minimal_table).at(day=3)
    with pytest.raises(UsageError, match=r"already at day 3"):
        at.at(day=7)


@pytest.mark.parametrize(
    ("predict_at", "match"),
    [
        pytest.param({}, r"give either 'day' or 'visit'", id="neither"),
        pytest.param({"day": 7, "visit": "w1"}, r"either 'day' or 'visit'", id="both"),
        pytest.param({"day": 400}, r"predict_at.day", id="day-out-of-range"),
        pytest.param({"week": 1}, r"predict_at.week", id="unknown-key"),
    ],
)
def test_bad_predict_at_configs(predict_at, match):
    from predict.config import parse_config

    with pytest.raises(ConfigError, match=match):
        parse_config({"features": {"clinical": {}}, "predict_at": predict_at})


def test_train_refuses_a_prediction_time_at_or_after_the_endpoint():
    from predict import train

    baseline, visits = generate(40, seed=6)
    config = ExperimentConfig(
        features={"clinical": {}, "early_improvement": {}}, predict_at={"day": 28}
    )
    with pytest.raises(ConfigError, match=r"Predicting at day 28 is on or after"):
        train(config, read_cohort(baseline, visits=visits))


def test_a_visit_builder_without_predict_at_is_refused():
    from predict.config import parse_config

    with pytest.raises(
        ConfigError,
        match=r"feature builder 'change' reads visits: "
        r"set 'predict_at'",
    ):
        parse_config({"features": {"clinical": {}, "change": {}}})
