"""Scoring a model trained at a prediction time, with the patients' visits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from predict import load_model, read_cohort, simulate_cohort, train
from predict.cohort import simulate_visits
from predict.exceptions import UsageError
from predict.scoring import save_bundle
from predict.scoring._pyfunc import PyfuncModel, split_visit_rows
from tests.evaluation.conftest import MARKERS, fast_config

N = 160


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    table, visits = simulate_cohort(N, seed=5), simulate_visits(N, seed=5)
    ids = table["patient_id"]
    train_ids, new_ids = ids.iloc[:120], ids.iloc[120:]
    cohort = read_cohort(
        table[ids.isin(train_ids)], visits=visits[visits["patient_id"].isin(train_ids)]
    )
    features = {**{m: {} for m in MARKERS}, "change": {}, "early_improvement": {}}
    config = fast_config(features=features, predict_at={"visit": "w1"})
    result = train(config, cohort)
    path = save_bundle(result, cohort, tmp_path_factory.mktemp("m") / "at_w1")
    new = table[ids.isin(new_ids)].reset_index(drop=True)
    return path, new, visits[visits["patient_id"].isin(new_ids)]


def test_bundle_records_its_prediction_time(trained):
    path, _, _ = trained
    model = load_model(path)
    assert model.metadata["predict_at"] == {"day": 7.0, "visit": "w1"}
    card = model.card()
    assert card["prediction_time"] == (
        "predicts at day 7 (visit w1) from baseline and visits up to day 7"
    )
    assert "at day 7 (visit w1) of a course" in card["intended_use"]


def test_later_visits_do_not_change_scores(trained):
    path, new, visits = trained
    model = load_model(path)
    later = visits["visit"] == "w2"
    edited = visits.copy()
    edited.loc[later, ["hamd17", "emg_mep_amp_mv"]] = [0.0, 9.0]
    a = model.predict(new, visits=visits)
    b = model.predict(new, visits=edited)
    pd.testing.assert_frame_equal(a, b)
    without_w1 = model.predict(new, visits=visits[visits["visit"] != "w1"])
    assert not np.allclose(a["p_response"], without_w1["p_response"])


def test_a_missing_visit_is_named_and_scored_as_missing(trained):
    path, new, visits = trained
    model = load_model(path)
    first, second = new["patient_id"].iloc[:2]
    kept = visits[
        (visits["patient_id"] != first)
        & ~((visits["patient_id"] == second) & (visits["visit"] == "w1"))
    ]
    scores = model.predict(new, visits=kept)
    assert (
        "no visit up to day 7 (visit w1): visit features scored as missing"
        in (scores.loc[first, "warnings"])
    )
    assert (
        "no visit 'w1': visit features use the latest earlier visit"
        in (scores.loc[second, "warnings"])
    )
    explained = model.explain(new, visits=kept).set_index(["patient_id", "feature"])
    assert np.isnan(explained.loc[(first, "early_improvement__pct_change"), "value"])
    assert np.isnan(explained.loc[(second, "early_improvement__pct_change"), "value"])
    assert explained.loc[(first, "change__present"), "value"] == 0
    no_visits = model.predict(new)
    assert no_visits["warnings"].str.contains("no visit up to day 7").all()


def test_pyfunc_reads_visit_rows_in_the_same_frame(trained):
    path, new, visits = trained
    frame = pd.concat([new, visits], ignore_index=True)
    baseline, visit_rows = split_visit_rows(frame)
    assert len(baseline) == len(new) and len(visit_rows) == len(visits)
    assert "hamd17" not in baseline and "age" not in visit_rows
    only_baseline, none = split_visit_rows(new.assign(visit=None, day=None))
    assert none is None and "visit" not in only_baseline
    expected = load_model(path).predict(new, visits=visits)["p_response"]
    out = PyfuncModel(path / "data" / "bundle").predict(frame)
    np.testing.assert_allclose(out["p_response"], expected.to_numpy())


def test_a_baseline_model_refuses_visits(tmp_path, small_table):
    cohort = read_cohort(small_table)
    result = train(fast_config(features={"clinical": {}}), cohort)
    model = load_model(save_bundle(result, cohort, tmp_path / "b"))
    assert model.card()["prediction_time"].startswith("predicts at baseline")
    visits = simulate_visits(60, seed=7)
    with pytest.raises(UsageError, match=r"Model 'fast' predicts from baseline only"):
        model.predict(small_table, visits=visits)
