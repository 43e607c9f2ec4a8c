"""Hand-computed values for every derived feature and documented edge case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from predict import read_cohort
from predict.features import (
    BDNFFeatures,
    ClinicalFeatures,
    ConnectivityFeatures,
    RestEEGFeatures,
    TMSEEGFeatures,
    TMSEMGFeatures,
    maudsley_treatment_score,
)


def _run(
    builder, table: pd.DataFrame, fit_on: pd.DataFrame | None = None
) -> pd.DataFrame:
    builder.set_output(transform="pandas")
    builder.fit(table if fit_on is None else fit_on)
    return builder.transform(table)


@pytest.fixture
def patients() -> pd.DataFrame:
    return read_cohort(
        pd.DataFrame(
            {
                "patient_id": ["A", "B", "C", "D"],
                "age": [30, 45, 60, 52],
                "sex": ["F", "M", "F", None],
                "diagnosis": ["MDD", "MDD", "BD", "MDD"],
                "protocol": ["10Hz", "1Hz", "iTBS", "dTMS"],
                "n_prior_treatments": [0, 2, 5, 12],
                "baseline_hamd17": [20, 24, 28, 22],
                "tep_n45_amp_uv": [-3.0, -2.0, None, -1.0],
                "tep_p60_amp_uv": [4.0, 3.0, None, 2.0],
                "tep_n100_amp_uv": [-6.0, -0.2, None, -4.0],
                "emg_sici_ratio": [0.5, 0.0, None, 0.8],
                "emg_icf_ratio": [1.5, 1.2, None, 0.8],
                "emg_mep_amp_mv": [1.0, np.e, None, 0.5],
                "eeg_iaf_hz": [9.0, 9.0, 10.5, 11.0],
                "fc_sgacc_dlpfc_z": [-0.4, 0.1, None, 0.0],
                "bdnf_serum_ng_ml": [20.0, 0.0, 35.0, None],
                "bdnf_val66met": ["Val/Met", "Met/Met", "Val/Val", None],
            }
        )
    ).data


def test_clinical(patients):
    out = _run(ClinicalFeatures(), patients)
    assert out["sex_male"].tolist()[:3] == [0.0, 1.0, 0.0]
    assert np.isnan(out.loc["D", "sex_male"])
    assert out["baseline_severity"].tolist() == [20.0, 24.0, 28.0, 22.0]
    assert out["resistance_stage"].tolist() == [0.0, 1.0, 3.0, 5.0]
    assert out["protocol_10Hz"].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert out["diagnosis_BD"].tolist() == [0.0, 0.0, 1.0, 0.0]
    assert "present" not in out


def test_clinical_unseen_level_gets_zeros(patients):
    out = _run(ClinicalFeatures(), patients, fit_on=patients.iloc[:2])
    assert [c for c in out if c.startswith("protocol_")] == [
        "protocol_10Hz",
        "protocol_1Hz",
    ]
    assert out.loc["C", ["protocol_10Hz", "protocol_1Hz"]].tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("n_failed", "stage"),
    [
        pytest.param(0, 0, id="none"),
        pytest.param(1, 1, id="1"),
        pytest.param(2, 1, id="2"),
        pytest.param(4, 2, id="4"),
        pytest.param(6, 3, id="6"),
        pytest.param(10, 4, id="10"),
        pytest.param(11, 5, id="11"),
    ],
)
def test_maudsley_stage(n_failed, stage):
    assert maudsley_treatment_score(pd.Series([n_failed]))[0] == stage


def test_clinical_madrs_severity():
    table = read_cohort(
        pd.DataFrame({"patient_id": ["a", "b"], "baseline_madrs": [30, 35]})
    ).data
    assert _run(ClinicalFeatures(), table)["baseline_severity"].tolist() == [30.0, 35.0]


def test_tms_eeg(patients):
    out = _run(TMSEEGFeatures(), patients)
    assert out.loc["A", "n45_n100_ratio"] == pytest.approx(0.5)
    # |N100| = 0.2 uV is below min_n100_uv = 0.5: the ratio is unstable -> NaN.
    assert np.isnan(out.loc["B", "n45_n100_ratio"])
    assert out["p60_n100_p2p"].tolist()[:2] == [10.0, 3.2]
    assert out.loc["D", "n45_n100_ratio"] == pytest.approx(0.25)


def test_patient_without_tms_eeg(patients):
    out = _run(TMSEEGFeatures(), patients)
    assert out.loc["C", "present"] == 0.0
    assert out.loc["C"].drop("present").isna().all()
    assert out["present"].tolist() == [1.0, 1.0, 0.0, 1.0]


def test_tms_emg(patients):
    out = _run(TMSEMGFeatures(), patients)
    assert out.loc["A", "icf_sici_balance"] == pytest.approx(3.0)
    assert out.loc["A", "log_sici"] == pytest.approx(np.log(0.5))
    assert out.loc["B", "log_mep"] == pytest.approx(1.0)
    # a SICI ratio of 0 has no log and no balance
    assert np.isnan(out.loc["B", "log_sici"]) and np.isnan(
        out.loc["B", "icf_sici_balance"]
    )
    no_logs = _run(TMSEMGFeatures(log_ratios=False), patients)
    assert not any(c.startswith("log_") for c in no_logs)


def test_rest_eeg_distance_per_protocol(patients):
    out = _run(RestEEGFeatures(), patients)
    # 10Hz: |9 - 10|; iTBS: |10.5 - 5| (theta rhythm of theta burst)
    assert out.loc["A", "iaf_target_distance"] == pytest.approx(1.0)
    assert out.loc["C", "iaf_target_distance"] == pytest.approx(5.5)
    # 1 Hz and dTMS have no alpha target: documented NaN
    assert np.isnan(out.loc["B", "iaf_target_distance"])
    assert np.isnan(out.loc["D", "iaf_target_distance"])


def test_rest_eeg_custom_targets(patients):
    out = _run(RestEEGFeatures(targets={"dTMS": 18.0}), patients)
    assert out.loc["D", "iaf_target_distance"] == pytest.approx(7.0)
    assert np.isnan(out.loc["A", "iaf_target_distance"])


def test_rest_eeg_unknown_target_protocol(patients):
    with pytest.raises(ValueError, match="unknown protocols \\['20Hz'\\]"):
        RestEEGFeatures(targets={"20Hz": 20.0}).fit(patients)


def test_connectivity_keeps_sign(patients):
    out = _run(ConnectivityFeatures(), patients)
    assert out["fc_sgacc_dlpfc_z"].tolist()[:2] == [-0.4, 0.1]
    assert out["present"].tolist() == [1.0, 1.0, 0.0, 1.0]


def test_bdnf(patients):
    out = _run(BDNFFeatures(), patients)
    assert out.loc["A", "log_serum"] == pytest.approx(np.log(20.0))
    assert np.isnan(out.loc["B", "log_serum"])  # 0 ng/mL: below detection
    assert out["met_carrier"].tolist()[:3] == [1.0, 1.0, 0.0]
    assert out["met_alleles"].tolist()[:3] == [1.0, 2.0, 0.0]
    # 10Hz is high frequency, 1Hz is not, iTBS is
    assert out["met_x_high_freq"].tolist()[:3] == [1.0, 0.0, 0.0]


def test_bdnf_missing_genotype(patients):
    out = _run(BDNFFeatures(), patients)
    assert out.loc["D", ["met_carrier", "met_alleles", "met_x_high_freq"]].isna().all()
    assert out.loc["D", "present"] == 0.0


def test_extra_prefixed_columns_pass_through(patients):
    patients = patients.assign(tep_p30_amp_uv=[1.0, 2.0, None, 3.0])
    out = _run(TMSEEGFeatures(), patients)
    assert out["tep_p30_amp_uv"].tolist()[:2] == [1.0, 2.0]


def test_derived_feature_needs_its_columns(patients):
    out = _run(TMSEEGFeatures(), patients.drop(columns="tep_n45_amp_uv"))
    assert "n45_n100_ratio" not in out and "p60_n100_p2p" in out


def test_numpy_input_passes_all_columns_through():
    X = np.array([[1.0, np.nan], [2.0, 3.0]])
    out = TMSEEGFeatures().fit_transform(X)
    np.testing.assert_array_equal(out[:, :2], X)
    np.testing.assert_array_equal(out[:, 2], [1.0, 1.0])
