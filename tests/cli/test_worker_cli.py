"""rtms-predict train --storage and rtms-predict worker."""

from __future__ import annotations

import mlflow
import optuna
import pytest
import yaml
from typer.testing import CliRunner

from predict.cli import app
from predict.evaluation import list_studies
from predict.evaluation._shared import open_storage

runner = CliRunner()

FAST = {
    "features": {"clinical": {}, "bdnf": {}},
    "model": {"name": "elastic_net"},
    "cv": {"outer": {"n_splits": 3}, "inner": {"n_splits": 3}},
    "tuning": {"n_trials": 2},
    "evaluation": {"n_bootstrap": 50, "n_permutations": 0},
}


@pytest.mark.parametrize("raw", [False, True], ids=["markers", "raw-files"])
def test_train_with_storage_then_worker_has_nothing_left(tmp_path, small_table, raw):
    data, config = tmp_path / "cohort.csv", tmp_path / "quick.yaml"
    table = small_table
    if raw:  # studies are keyed by the cohort after its files became markers
        from predict.raw._simulate import write_raw_files

        table = write_raw_files(
            table, tmp_path / "raw", relative_to=tmp_path, share=0.1
        )
    table.to_csv(data, index=False)
    config.write_text(yaml.safe_dump(FAST))
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    args = ["-c", str(config), "-d", str(data), "--models-dir", str(tmp_path / "m")]
    result = runner.invoke(app, ["train", *args, "--storage", url])
    assert result.exit_code == 0, result.output
    names = list_studies(url)
    job = names[-1].removesuffix("-final")
    assert all(name.startswith(job) for name in names)  # no orphaned job
    assert f"rtms-predict worker --storage {url} --study {job}" in result.output
    runs = mlflow.search_runs(experiment_names=["rtms-predict"])
    parent = runs[runs["tags.mlflow.parentRunId"].isna()].iloc[0]
    assert parent["tags.rtms.optuna_studies"] == job
    assert parent["params.tuning.storage"] == url
    worker = runner.invoke(app, ["worker", "--storage", url, "--study", job])
    assert worker.exit_code == 0, worker.output
    assert "All 4 studies finished; this worker ran 0 trials." in worker.output
    for name in names:
        study = optuna.load_study(study_name=name, storage=open_storage(url))
        assert len(study.trials) == 2


def test_worker_on_an_empty_storage_exits_2(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = runner.invoke(app, ["worker", "--storage", url, "--wait", "0"])
    assert result.exit_code == 2
    assert "holds no rtms-predict study yet" in result.output
    assert "Traceback" not in result.output


def test_worker_storage_password_is_not_printed(tmp_path):
    url = "postgresql://rtms:s3cret@127.0.0.1:1/optuna"
    result = runner.invoke(app, ["worker", "--storage", url, "--study", "rtms-x"])
    assert result.exit_code == 2
    assert "Cannot open the study storage" in result.output
    assert "s3cret" not in result.output
