"""Raw files to markers for a whole table: mixing, caching, errors, training."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import predict.raw._step as step
from predict import load_model, read_cohort, simulate_cohort, train
from predict.raw import (
    RawExtractionError,
    RawOptions,
    extract_markers,
    read_raw_markers,
)
from predict.raw._simulate import write_raw_files
from predict.scoring import save_bundle
from tests.evaluation.conftest import fast_config

EXACT = ["fc_sgacc_dlpfc_z", "emg_mep_amp_mv", "emg_sici_ratio", "emg_icf_ratio"]
EXACT += ["mri_hippocampus_vol_mm3", "mri_racc_thickness_mm", "mri_icv_mm3"]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """60 patients; a quarter of each modality's patients as raw files."""
    folder = tmp_path_factory.mktemp("cohort")
    table = simulate_cohort(60, seed=5)
    raw = write_raw_files(table, folder / "raw", relative_to=folder, share=0.25, seed=5)
    raw.to_csv(folder / "cohort.csv", index=False)
    return folder, table.set_index("patient_id"), raw


def test_files_fill_their_patients_and_leave_the_rest(mixed):
    folder, truth, raw = mixed
    cohort = read_cohort(folder / "cohort.csv")
    assert set(cohort.path_columns) == {
        "tms_eeg_path",
        "rest_eeg_path",
        "fc_matrix_path",
        "emg_trials_path",
        "bold_path",
        "mri_stats_dir",
    }
    with_file = cohort.data["fc_matrix_path"].notna()
    assert cohort.data.loc[with_file, "fc_sgacc_dlpfc_z"].isna().all()  # blanked
    filled, report = read_raw_markers(cohort, RawOptions(on_error="missing"))
    data = filled.data
    # exact for matrices, trial tables and stats folders, for patients with
    # files or not; BOLD series (a fifth of the connectivity files) to 0.05
    bold = data["bold_path"].notna()
    exact = data.loc[~bold]
    np.testing.assert_allclose(
        exact[EXACT].to_numpy(dtype=float),
        truth.loc[exact.index, EXACT].to_numpy(dtype=float),
        rtol=1e-9,
        atol=1e-9,
    )
    fc = (
        data.loc[bold, "fc_sgacc_dlpfc_z"]
        - truth.loc[bold[bold].index, "fc_sgacc_dlpfc_z"]
    )
    assert bold.sum() > 0 and fc.abs().max() < 0.05
    assert report.read["mri_stats_dir"] == int(data["mri_stats_dir"].notna().sum()) > 0
    assert report.read["fc_matrix_path"] == int(with_file.sum()) > 0
    eeg = data["rest_eeg_path"].notna()
    err = (data.loc[eeg, "eeg_iaf_hz"] - truth.loc[eeg[eeg].index, "eeg_iaf_hz"]).abs()
    assert err.max() <= 0.25
    assert set(report.qc.columns) >= {"tms_eeg_path:trials_kept"}
    assert filled.modality_mask("connectivity")[with_file].all()


def test_each_file_is_read_once(mixed, monkeypatch):
    folder, _, _ = mixed
    cohort = read_cohort(folder / "cohort.csv")
    calls = []
    original = step._readers

    def counting():
        readers = original()
        wrapped = {}
        for column, reader in readers.items():

            def read(path, options, reader=reader):
                calls.append(path)
                return reader(path, options)

            wrapped[column] = read
        return wrapped

    monkeypatch.setattr(step, "_readers", counting)
    monkeypatch.setattr(step, "_CACHE", {})
    options = RawOptions(on_error="missing")
    extract_markers(cohort.data, options, base_dir=folder)
    first = len(calls)
    assert first == cohort.data[list(cohort.path_columns)].notna().sum().sum()
    extract_markers(cohort.data, options, base_dir=folder)
    assert len(calls) == first  # second pass: all from the cache
    # a changed file (same name) is read again
    emg = folder / cohort.data["emg_trials_path"].dropna().iloc[0]
    trials = pd.read_csv(emg)
    trials.loc[trials["condition"] == "test", "mep_amp_mv"] *= 2
    trials.to_csv(emg, index=False)
    again, _ = extract_markers(cohort.data, options, base_dir=folder)
    assert len(calls) == first + 1


def test_a_bad_file_names_patient_and_file(tmp_path):
    table = read_cohort(simulate_cohort(20, seed=1)).data
    table["emg_trials_path"] = np.nan
    table = table.astype({"emg_trials_path": object})
    table.iloc[2, table.columns.get_loc("emg_trials_path")] = "nowhere.csv"
    pid = table.index[2]
    with pytest.raises(RawExtractionError, match=rf"Patient {pid}.*nowhere\.csv"):
        extract_markers(table, base_dir=tmp_path)
    filled, report = extract_markers(
        table, RawOptions(on_error="missing"), base_dir=tmp_path
    )
    assert report.failed["emg_trials_path"][0][0] == pid
    assert report.n_failed == 1 and "1 patient(s)' EMG set to missing" in (
        report.summary()
    )
    # the file's modality is what it is: precomputed values stay for others
    assert filled.drop(index=pid)["emg_sici_ratio"].equals(
        table.drop(index=pid)["emg_sici_ratio"]
    )


def test_implausible_markers_count_as_a_bad_recording(tmp_path):
    trials = pd.DataFrame(
        {
            "condition": ["test"] * 6 + ["sici"] * 6,
            "isi_ms": [np.nan] * 6 + [2] * 6,
            "mep_amp_mv": [0.1] * 6 + [0.9] * 6,  # SICI ratio 9: outside 0-5
        }
    )
    trials.to_csv(tmp_path / "p1.csv", index=False)
    table = pd.DataFrame(
        {"emg_trials_path": ["p1.csv"]}, index=pd.Index(["P1"], name="patient_id")
    )
    with pytest.raises(RawExtractionError, match=r"emg_sici_ratio = 9.*outside"):
        extract_markers(table, base_dir=tmp_path)


def test_mixed_cohort_trains_and_scores_new_raw_patients(mixed, tmp_path):
    folder, _, _ = mixed
    cohort = read_cohort(folder / "cohort.csv")
    config = fast_config(raw={"on_error": "missing"}, tuning={"n_trials": 2})
    result = train(config, cohort)
    assert result.raw_report is not None and sum(result.raw_report.read.values()) > 0
    assert 0 <= result.metrics.loc["auc", "value"] <= 1
    bundle = save_bundle(result, cohort, tmp_path / "bundle")
    # new patients: two with raw files, scored from a file path
    new = (
        simulate_cohort(10, seed=77)
        .head(6)
        .assign(patient_id=lambda t: "N" + t["patient_id"].astype(str))
    )
    new_raw = write_raw_files(new, tmp_path / "raw", relative_to=tmp_path, share=0.5)
    new_raw.to_csv(tmp_path / "new.csv", index=False)
    scores = load_model(bundle).predict(tmp_path / "new.csv")
    assert scores["p_response"].between(0, 1).all() and len(scores) == 6
    # the same patients with their precomputed markers score almost the same
    plain = load_model(bundle).predict(new)
    assert np.abs(scores["p_response"] - plain["p_response"]).max() < 0.1


def test_files_sharing_a_name_prefix_keep_their_own_markers(tmp_path):
    table = simulate_cohort(12, seed=2)
    table = table[[c for c in table if not c.startswith(("tep_", "eeg_", "fc_"))]]
    table["patient_id"] = [f"S.{i}" for i in range(12)]
    raw = write_raw_files(table, tmp_path / "raw", relative_to=tmp_path, seed=1)
    filled, _ = extract_markers(raw.set_index("patient_id"), base_dir=tmp_path)
    truth = table.set_index("patient_id")["emg_mep_amp_mv"]
    np.testing.assert_allclose(
        filled["emg_mep_amp_mv"].to_numpy(dtype=float), truth.to_numpy(), rtol=1e-9
    )


def test_an_edited_companion_file_is_read_again(tmp_path):
    labels = ["sgACC", "DLPFC_L", "PCC"]
    r = np.array([[1.0, 0.5, 0.1], [0.5, 1.0, 0.2], [0.1, 0.2, 1.0]])
    np.save(tmp_path / "p1.npy", r)
    (tmp_path / "p1.labels.txt").write_text("\n".join(labels))
    table = pd.DataFrame(
        {"fc_matrix_path": ["p1.npy"]}, index=pd.Index(["P1"], name="patient_id")
    )
    first, _ = extract_markers(table, base_dir=tmp_path)
    (tmp_path / "p1.labels.txt").write_text("\n".join(["sgACC", "PCC", "DLPFC_L"]))
    second, _ = extract_markers(table, base_dir=tmp_path)
    assert first["fc_sgacc_dlpfc_z"].iloc[0] == pytest.approx(np.arctanh(0.5))
    assert second["fc_sgacc_dlpfc_z"].iloc[0] == pytest.approx(np.arctanh(0.1))


def test_a_reader_crash_is_a_bad_file_and_clears_the_modality(tmp_path, monkeypatch):
    def crash(path, options):
        raise ZeroDivisionError("flat channels")

    monkeypatch.setattr(step, "_readers", lambda: dict.fromkeys(step.RAW_LABELS, crash))
    (tmp_path / "p1.csv").write_text("x")
    table = pd.DataFrame(
        {"emg_trials_path": ["p1.csv"], "emg_sici_ratio": [0.7]},
        index=pd.Index(["P1"], name="patient_id"),
    )
    with pytest.raises(RawExtractionError, match=r"\(ZeroDivisionError;") as err:
        extract_markers(table, base_dir=tmp_path)
    assert "flat channels" not in str(err.value)  # a library's text can quote data
    filled, report = extract_markers(
        table, RawOptions(on_error="missing"), base_dir=tmp_path
    )
    assert report.n_failed == 1 and np.isnan(filled["emg_sici_ratio"].iloc[0])
