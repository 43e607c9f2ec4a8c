"""Scoring one patient at a time gives what scoring the batch gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import predict.cohort
from predict import load_model, read_cohort, simulate_cohort, train
from predict.exceptions import CohortError
from predict.scoring import save_bundle
from tests.evaluation.conftest import fast_config

MODELS = [
    pytest.param(({"name": "elastic_net"}, True), id="elastic_net"),
    pytest.param(({"name": "xgboost", "params": {"n_estimators": 20}}, True), id="xgb"),
    pytest.param(({"name": "svm"}, True), id="svm"),
    pytest.param(
        (
            {
                "name": "xgboost",
                "params": {"n_estimators": 20},
                "calibration": "sigmoid",
            },
            False,
        ),
        id="xgb-calibrated",
    ),
]


@pytest.fixture(scope="module")
def new_patients():
    table = simulate_cohort(14, seed=8).drop(columns=["endpoint_hamd17"])
    table.loc[table.index[0], "site"] = "Elsewhere"  # unseen site warning
    table.loc[table.index[1], "eeg_iaf_hz"] = 14.9  # outside the training range
    table.loc[table.index[2], [c for c in table if c.startswith("tep_")]] = np.nan
    table.loc[table.index[3], ["protocol", "diagnosis", "baseline_hamd17"]] = np.nan
    table["age"] = table["age"].astype(str)  # numbers as text, as read from CSV
    return table


@pytest.fixture(scope="module", params=MODELS)
def model(request, tmp_path_factory):
    spec, fast = request.param
    cohort = read_cohort(simulate_cohort(120, seed=4))
    result = train(fast_config(model=spec, tuning={"n_trials": 2}), cohort)
    path = save_bundle(result, cohort, tmp_path_factory.mktemp("m") / "bundle")
    return load_model(path), fast


def test_one_at_a_time_equals_the_batch(model, new_patients):
    predictor, _ = model
    batch = predictor.predict(new_patients)  # 14 rows; rows <= 16 go cell by cell
    full = predictor.predict(
        pd.concat([new_patients] * 2, ignore_index=True).assign(
            patient_id=lambda t: [f"X{i}" for i in range(len(t))]
        )
    ).iloc[: len(new_patients)]
    full.index = batch.index
    pd.testing.assert_frame_equal(batch, full, check_exact=False, rtol=1e-9)
    singles = pd.concat(
        [predictor.predict(new_patients.iloc[[i]]) for i in range(len(new_patients))]
    )
    pd.testing.assert_frame_equal(singles, batch, check_exact=False, rtol=1e-9)
    assert "not seen in training" in batch["warnings"].iloc[0]
    assert "outside the training range" in batch["warnings"].iloc[1]
    assert "no TMS-EEG markers" in batch["warnings"].iloc[2]
    assert (
        "baseline severity (baseline_hamd17), protocol, diagnosis"
        in (batch["warnings"].iloc[3])
    )
    reasons = batch["top_features"].iloc[3]
    assert "protocol_" not in reasons and "diagnosis_" not in reasons


def test_fast_path_skips_the_table_validator(model, new_patients, monkeypatch):
    predictor, fast = model

    def refuse(*args, **kwargs):
        raise AssertionError("full validator called")

    monkeypatch.setattr(predict.cohort, "read_cohort", refuse)
    patient = new_patients.iloc[[3]]
    if fast:
        record = patient.iloc[0].to_dict()
        from_dict = predictor.predict(record)
        pd.testing.assert_frame_equal(from_dict, predictor.predict(patient))
    else:
        with pytest.raises(AssertionError, match="full validator called"):
            predictor.predict(patient)


def test_bad_single_patient_gets_the_contract_error(model, new_patients):
    predictor, _ = model
    patient = new_patients.iloc[[3]].assign(eeg_iaf_hz=40.0)
    with pytest.raises(CohortError, match=r"'eeg_iaf_hz'.*outside 5-15 Hz"):
        predictor.predict(patient)


def test_inputs_the_fast_path_must_not_read_differently(model, new_patients):
    predictor, _ = model
    twice = new_patients.iloc[[3]][["patient_id", "age"]].assign(dup=50)
    twice.columns = ["patient_id", "age", "age"]
    with pytest.raises(CohortError, match="'age' appears more than once"):
        predictor.predict(twice)
    # Series are aligned by index, as pandas.DataFrame(dict) aligns them
    two = new_patients.iloc[[4, 5]].reset_index(drop=True)
    shuffled = {c: two[c].iloc[::-1] if c == "age" else two[c] for c in two}
    expected = predictor.predict(pd.DataFrame(shuffled))
    pd.testing.assert_frame_equal(predictor.predict(shuffled), expected)
