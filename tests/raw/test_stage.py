"""One raw stage for every entry point: the files' markers reach each command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from predict import build_features, read_cohort, simulate_cohort, train
from predict.cli import app
from predict.config import ExperimentConfig
from predict.raw import RawOptions
from predict.raw._simulate import write_raw_files

runner = CliRunner()

RAW_MODALITIES = ("tms_eeg", "rest_eeg", "connectivity", "tms_emg")
CONFIG = {
    "features": {m: {} for m in ("clinical", *RAW_MODALITIES)},
    "model": {"name": "elastic_net"},
    "cv": {"outer": {"n_splits": 3}, "inner": {"n_splits": 3}},
    "tuning": {"n_trials": 2},
    "evaluation": {"n_bootstrap": 20, "n_permutations": 0},
}


def _files_only(folder, n):
    """``n`` patients whose TEP, resting-EEG, connectivity and EMG are files only."""
    table = simulate_cohort(max(n, 10), seed=11, missing=False).head(n)
    raw = write_raw_files(table, folder / "raw", relative_to=folder, seed=2)
    raw = raw.drop(columns=["emg_rmt_pct_mso", "emg_csp_ms"])  # no file gives them
    raw.to_csv(folder / "cohort.csv", index=False)
    (folder / "c.yaml").write_text(yaml.safe_dump(CONFIG))
    return folder


@pytest.fixture(scope="module")
def few_files(tmp_path_factory):
    """Eight patients with files only (enough to build features, not to train)."""
    return _files_only(tmp_path_factory.mktemp("few_files"), 8)


def _features_command(folder):
    """Run ``rtms-predict features``; return its matrix and the API's."""
    table = pd.read_csv(folder / "cohort.csv")
    markers = table.filter(regex="^(tep|eeg|fc|emg)_.*[^h]$")  # not the paths
    assert markers.isna().all().all()  # the table only names files
    done = runner.invoke(
        app,
        ["features", "-c", str(folder / "c.yaml"), "-d", str(folder / "cohort.csv")]
        + ["-o", str(folder / "X.csv")],
    )
    assert done.exit_code == 0, done.output
    written = pd.read_csv(folder / "X.csv", index_col=0)
    for modality in RAW_MODALITIES:
        assert written[f"{modality}__present"].eq(1).all(), modality
    marker_features = written.filter(regex="^(tms_eeg|rest_eeg|connectivity|tms_emg)")
    assert written.filter(like="tep_n100").notna().all().all()
    assert written.filter(like="eeg_iaf").notna().all().all()
    # the same matrix as the Python API and the same table train fits
    config = ExperimentConfig.model_validate(CONFIG)
    api = build_features(config, read_cohort(folder / "cohort.csv"))  # reads files
    api.index = api.index.astype(str)
    written.index = written.index.astype(str)
    assert list(written.columns) == list(api.columns)
    np.testing.assert_allclose(written.to_numpy(dtype=float), api.to_numpy(dtype=float))
    assert marker_features.shape[1] >= 12
    return written, api


def test_features_command_writes_the_files_markers(few_files):
    _features_command(few_files)


@pytest.mark.slow
def test_features_equal_the_ones_train_fits(tmp_path):
    folder = _files_only(tmp_path, 30)
    written, api = _features_command(folder)
    config = ExperimentConfig.model_validate(CONFIG)
    result = train(config, read_cohort(folder / "cohort.csv"))
    fitted = read_cohort(folder / "cohort.csv", raw=config.raw)
    assert result.fingerprint == fitted.fingerprint
    assert result.raw_report is not None
    assert result.raw_report.read["tms_eeg_path"] == 30
    # the run logs each patient's QC pictures beside raw_qc.csv, hashed names
    from mlflow.tracking import MlflowClient

    from predict.tracking import log_training, tracking_run

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with tracking_run(uri, "raw", "qc") as run:
        log_training(result, fitted)
    client = MlflowClient(uri)
    pictures = [a.path for a in client.list_artifacts(run.info.run_id, "raw_qc")]
    assert len(pictures) == 60 and all(p.endswith(".png") for p in pictures)
    ids = set(fitted.data.index.astype(str))
    assert not any(pid in p for p in pictures for pid in ids)


def test_read_cohort_with_raw_options_is_the_one_stage(few_files):
    plain = read_cohort(few_files / "cohort.csv")
    assert plain.raw_options is None and "tms_eeg" not in plain.modalities
    read = read_cohort(few_files / "cohort.csv", raw=RawOptions())
    assert {"tms_eeg", "rest_eeg", "connectivity", "tms_emg"} <= set(read.modalities)
    assert read.raw_report is not None and read.raw_report.read["tms_eeg_path"] == 8
    assert read.read_raw(RawOptions()) is read  # already read: nothing to do
    again = plain.read_raw(RawOptions())
    assert again.fingerprint == read.fingerprint


def test_validate_read_raw_takes_the_configs_raw_block(few_files):
    config = dict(CONFIG, raw={"tms_eeg": {"min_trials": 1000}})
    (few_files / "strict.yaml").write_text(yaml.safe_dump(config))
    done = runner.invoke(
        app,
        ["validate", str(few_files / "cohort.csv"), "--read-raw"]
        + ["--config", str(few_files / "strict.yaml")],
    )
    assert done.exit_code == 0, done.output
    assert "8 patient(s)' TMS-EEG set to missing" in done.output
    assert "at least 1000" in done.output
