"""rtms-predict train: summary table, bundle, clear errors."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from predict.cli import app
from predict.scoring import load_bundle

runner = CliRunner()

FAST = {
    "features": {"clinical": {}, "bdnf": {}},
    "model": {"name": "elastic_net"},
    "cv": {"outer": {"n_splits": 3}, "inner": {"n_splits": 3}},
    "tuning": {"n_trials": 2},
    "evaluation": {"n_bootstrap": 50, "n_permutations": 4},
}


def _write(tmp_path, small_table, config):
    data, path = tmp_path / "cohort.csv", tmp_path / "quick.yaml"
    small_table.to_csv(data, index=False)
    path.write_text(yaml.safe_dump(config))
    return data, path


def test_train_prints_summary_and_writes_bundle(tmp_path, small_table):
    data, config = _write(tmp_path, small_table, FAST)
    models = tmp_path / "models"
    result = runner.invoke(
        app, ["train", "-c", str(config), "-d", str(data), "--models-dir", str(models)]
    )
    assert result.exit_code == 0, result.output
    assert "AUC" in result.output and "95 % CI" in result.output
    assert "Permutation test (4 permutations" in result.output
    bundle = load_bundle(models / "quick")
    assert bundle.metadata["name"] == "quick"
    named = runner.invoke(
        app,
        [
            "train",
            "-c",
            str(config),
            "-d",
            str(data),
            "--name",
            "other",
            "--models-dir",
            str(models),
        ],
    )
    assert named.exit_code == 0
    assert (models / "other" / "MLmodel").is_file()


def test_train_guard_rail_exits_2_without_traceback(tmp_path, small_table):
    table = small_table.drop(columns=[c for c in small_table if c.startswith("bdnf_")])
    data, config = _write(tmp_path, table, FAST)
    models = tmp_path / "models"
    result = runner.invoke(
        app, ["train", "-c", str(config), "-d", str(data), "--models-dir", str(models)]
    )
    assert result.exit_code == 2
    assert "asks for 'bdnf'" in result.output
    assert "Traceback" not in result.output
    assert not models.exists()


def test_ctrl_c_stops_cleanly(tmp_path, small_table, monkeypatch):
    import predict.evaluation

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(predict.evaluation, "train", interrupted)
    data, config = _write(tmp_path, small_table, FAST)
    models = tmp_path / "models"
    result = runner.invoke(
        app, ["train", "-c", str(config), "-d", str(data), "--models-dir", str(models)]
    )
    assert result.exit_code == 130
    assert "Interrupted: no bundle or file was written." in result.output
    assert not models.exists()
    from mlflow.tracking import MlflowClient

    client = MlflowClient()  # the test's own store (MLFLOW_TRACKING_URI)
    runs = client.search_runs(
        [client.get_experiment_by_name("rtms-predict").experiment_id]
    )
    assert [r.info.status for r in runs] == ["KILLED"]
