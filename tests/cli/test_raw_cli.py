"""Raw recordings from the command line: simulate --raw, validate, train, score."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from predict.cli import app

runner = CliRunner()

CONFIG = {
    "features": {m: {} for m in ("clinical", "tms_eeg", "tms_emg", "rest_eeg")},
    "model": {"name": "elastic_net"},
    "cv": {"outer": {"n_splits": 3}, "inner": {"n_splits": 3}},
    "tuning": {"n_trials": 2},
    "evaluation": {"n_bootstrap": 50, "n_permutations": 0},
}


def test_missing_raw_file_exits_2_naming_patient_and_file(tmp_path, small_table):
    table = small_table.assign(emg_trials_path=None)
    table.loc[table.index[4], "emg_trials_path"] = "raw/gone.csv"
    table.to_csv(tmp_path / "cohort.csv", index=False)
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(CONFIG))
    checked = runner.invoke(app, ["validate", str(tmp_path / "cohort.csv")])
    assert checked.exit_code == 0 and "Raw recordings" in checked.output
    pid = table["patient_id"].iloc[4]
    assert pid in checked.output  # listed as not found
    trained = runner.invoke(
        app,
        ["train", "-c", str(tmp_path / "c.yaml"), "-d", str(tmp_path / "cohort.csv")],
    )
    assert trained.exit_code == 2
    assert f"Patient {pid}" in trained.output and "gone.csv" in trained.output
    assert "Traceback" not in trained.output


@pytest.mark.slow
def test_simulated_raw_cohort_end_to_end(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    made = runner.invoke(
        app,
        ["simulate", "--n", "90", "--seed", "3", "--out", "data/cohort.csv"]
        + ["--raw", "data/raw", "--raw-share", "0.5"],
    )
    assert made.exit_code == 0, made.output
    table = pd.read_csv("data/cohort.csv")
    assert table["tms_eeg_path"].notna().sum() > 10
    checked = runner.invoke(app, ["validate", "data/cohort.csv", "--read-raw"])
    assert checked.exit_code == 0, checked.output
    assert "set to missing" not in checked.output  # every simulated file reads
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(CONFIG))
    trained = runner.invoke(
        app, ["train", "-c", "c.yaml", "-d", "data/cohort.csv", "--name", "raw"]
    )
    assert trained.exit_code == 0, trained.output
    assert "Raw recordings:" in trained.output and "files read" in trained.output
    scored = runner.invoke(
        app,
        ["score", "--model", "models/raw", "--data", "data/cohort.csv"]
        + ["--out", "scores.csv"],
    )
    assert scored.exit_code == 0, scored.output
    assert len(pd.read_csv("scores.csv")) == 90


def _raw_row(output: str, column: str) -> list[str]:
    """The cells of ``column``'s row in validate's "Raw recordings" table."""
    table = output[output.index("Raw recordings") :]
    line = next(x for x in table.splitlines() if x.strip("│ ").startswith(column))
    return [cell.strip() for cell in line.strip().strip("│").split("│")]


def test_validate_checks_stats_folders_as_folders(tmp_path, small_table):
    # the hand-written FreeSurfer fixture, not the package's writer
    fixture = Path(__file__).parents[1] / "raw" / "fixtures" / "freesurfer"
    ids = list(small_table["patient_id"].iloc[:4])
    for pid in ids[:3]:
        shutil.copytree(fixture / "sub-01", tmp_path / "fs" / pid)
    table = small_table.assign(mri_stats_dir=None)
    table.loc[table.index[:3], "mri_stats_dir"] = [f"fs/{pid}/stats" for pid in ids[:3]]
    table.to_csv(tmp_path / "cohort.csv", index=False)

    read = runner.invoke(app, ["validate", str(tmp_path / "cohort.csv"), "--read-raw"])
    assert read.exit_code == 0, read.output
    assert _raw_row(read.output, "mri_stats_dir") == ["mri_stats_dir", "3", "0"]
    assert "3 files read" in read.output.replace("\n", " ")

    table.loc[table.index[3], "mri_stats_dir"] = f"fs/{ids[3]}/stats"  # not written
    table.to_csv(tmp_path / "cohort.csv", index=False)
    checked = runner.invoke(app, ["validate", str(tmp_path / "cohort.csv")])
    assert checked.exit_code == 0, checked.output
    assert _raw_row(checked.output, "mri_stats_dir") == [
        "mri_stats_dir",
        "4",
        f"patients {ids[3]}",
    ]
