"""A patient's missing inputs: warned about, never given as reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from predict import load_model, read_cohort, train
from predict.config import ExperimentConfig
from predict.scoring import save_bundle
from tests.evaluation.conftest import fast_config


def _clinic_table(n: int, seed: int) -> pd.DataFrame:
    """A clinic's export of its own: no diagnosis column, MADRS only, EMG markers."""
    rng = np.random.default_rng(seed)
    excitability = rng.normal(size=n)
    protocol = rng.choice(["10Hz", "iTBS", "1Hz"], size=n)
    baseline = rng.integers(22, 45, size=n).astype(float)
    gain = 0.35 + 0.15 * excitability + 0.1 * (protocol == "iTBS")
    drop = np.clip(gain + rng.normal(0, 0.2, n), 0, 1)
    return pd.DataFrame(
        {
            "patient_id": [f"clinic-{i:03d}" for i in range(n)],
            "age": rng.uniform(20, 70, n).round(),
            "sex": rng.choice(["female", "male"], size=n),
            "protocol": protocol,
            "n_prior_treatments": rng.integers(0, 6, n).astype(float),
            "baseline_madrs": baseline,
            "endpoint_madrs": np.round(baseline * (1 - drop)),
            "emg_mep_amp_mv": np.exp(0.3 * excitability) * 1.2,
            "emg_sici_ratio": np.clip(0.5 - 0.1 * excitability, 0.05, 2),
        }
    )


@pytest.fixture(scope="module")
def clinic_model(tmp_path_factory):
    cohort = read_cohort(_clinic_table(120, seed=5))
    document = fast_config().model_dump(mode="json")
    config = ExperimentConfig.model_validate(
        {**document, "features": {"clinical": {}, "tms_emg": {}}}
    )
    result = train(config, cohort)
    return load_model(save_bundle(result, cohort, tmp_path_factory.mktemp("m") / "b"))


PATIENT = {"patient_id": "P-101", "age": 41, "sex": "F", "emg_mep_amp_mv": 1.4}


def _reasons(scores: pd.DataFrame) -> list[str]:
    text = scores["top_features"].iloc[0]
    return [part.rsplit(" ", 1)[0] for part in text.split("; ")] if text else []


def test_every_missing_clinical_input_the_model_used_is_named(clinic_model):
    warning = clinic_model.predict(PATIENT)["warnings"].iloc[0]
    assert (
        "missing clinical inputs: number of prior treatments, baseline severity "
        "(baseline_madrs), protocol (scored as missing; not used as reasons)"
    ) in warning
    assert "diagnosis" not in warning  # the model never had one
    assert "age" not in warning.split("inputs:")[1] and "sex" not in warning
    complete = {**PATIENT, "protocol": "iTBS", "n_prior_treatments": 2}
    complete["baseline_madrs"] = 30
    assert "missing clinical" not in clinic_model.predict(complete)["warnings"].iloc[0]


def test_reasons_are_features_the_patient_has(clinic_model):
    fast = clinic_model.predict(PATIENT, top=5)  # one patient: the fast path
    many = pd.DataFrame([PATIENT] * 20).assign(patient_id=[f"X{i}" for i in range(20)])
    full = clinic_model.predict(many, top=5)  # 20 rows: the full path
    assert fast["top_features"].iloc[0] == full["top_features"].iloc[0]
    assert fast["warnings"].iloc[0] == full["warnings"].iloc[0]
    reasons = _reasons(fast)
    assert reasons, fast["top_features"].iloc[0]
    assert not [r for r in reasons if "protocol_" in r or "baseline" in r]
    assert not [r for r in reasons if "prior" in r or "resistance" in r]
    assert set(reasons) <= {
        "clinical__age",
        "clinical__sex_male",
        "tms_emg__emg_mep_amp_mv",
        "tms_emg__log_mep",
        "tms_emg__present",
    }


def test_without_emg_the_indicator_is_not_a_reason(clinic_model):
    patient = {k: v for k, v in PATIENT.items() if k != "emg_mep_amp_mv"}
    scores = clinic_model.predict(patient, top=10)
    assert "no TMS-EMG markers (scored as missing)" in scores["warnings"].iloc[0]
    assert set(_reasons(scores)) == {"clinical__age", "clinical__sex_male"}


def test_explain_marks_what_the_patient_lacks_and_lists_it_last(clinic_model):
    explanation = clinic_model.explain(PATIENT)
    marked = explanation.set_index("feature")["missing"]
    assert marked[[f for f in marked.index if "protocol_" in f]].all()
    assert marked["clinical__baseline_severity"]  # imputed
    assert marked["tms_emg__emg_sici_ratio"]
    assert not marked["clinical__age"] and not marked["tms_emg__emg_mep_amp_mv"]
    flags = explanation["missing"].to_list()
    assert flags == sorted(flags)  # what the patient has first
    has = explanation[~explanation["missing"]]["contribution"].abs().to_numpy()
    assert (np.diff(has) <= 0).all()
