"""MLflow tracking: what a run holds, no patient id in the store, a real server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from predict import simulate_cohort
from predict.cli import app
from predict.scoring import load_bundle
from predict.tracking import flatten_config, hash_ids, resolve_tracking_uri

runner = CliRunner()

CONFIG = {
    "features": {"clinical": {}, "tms_eeg": {}, "bdnf": {}},
    "model": {"name": "elastic_net"},
    "cv": {"outer": {"n_splits": 3}, "inner": {"n_splits": 3}},
    "tuning": {"n_trials": 3},
    "evaluation": {"n_bootstrap": 50, "n_permutations": 3},
}


def _cohort_with_distinctive_ids(path: Path) -> list[str]:
    table = simulate_cohort(90, seed=4)
    ids = [f"ZQX{i:04d}KV" for i in range(len(table))]
    table["patient_id"] = ids
    table.to_csv(path, index=False)
    return ids


def _train(tmp_path: Path, uri: str) -> tuple[list[str], object]:
    data, config = tmp_path / "cohort.csv", tmp_path / "ablate.yaml"
    ids = _cohort_with_distinctive_ids(data)
    config.write_text(yaml.safe_dump(CONFIG))
    result = runner.invoke(
        app,
        [
            "train",
            "-c",
            str(config),
            "-d",
            str(data),
            "--models-dir",
            str(tmp_path / "models"),
            "--tracking-uri",
            uri,
        ],
    )
    assert result.exit_code == 0, result.output
    return ids, result


def test_resolve_tracking_uri(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///env.db")
    assert resolve_tracking_uri() == "sqlite:///env.db"
    assert resolve_tracking_uri(config="sqlite:///c.db") == "sqlite:///c.db"
    assert resolve_tracking_uri("http://h:1", "sqlite:///c.db") == "http://h:1"
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    assert resolve_tracking_uri() == "sqlite:///mlflow.db"


def test_flatten_and_hash():
    flat = flatten_config({"cv": {"outer": {"n_splits": 5}}, "features": {"bdnf": {}}})
    assert flat == {"cv.outer.n_splits": "5", "features.bdnf": "{}"}
    assert hash_ids(["P1"], "a") != hash_ids(["P1"], "b")
    assert len(hash_ids(["P1"], "a")[0]) == 16


def test_run_contents_and_no_patient_id_anywhere(tmp_path):
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    ids, _ = _train(tmp_path, uri)
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("rtms-predict")
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and len(children) == 3
    parent = parents[0]
    assert parent.info.status == "FINISHED"
    assert parent.data.tags["rtms.config"] == "ablate"
    assert len(parent.data.tags["rtms.data_fingerprint"]) == 64
    assert parent.data.params["model.name"] == "elastic_net"
    assert parent.data.params["cv.outer.n_splits"] == "3"
    for key in ("auc", "auc_ci_low", "auc_ci_high", "brier", "permutation_p"):
        assert key in parent.data.metrics
    artifacts = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert {"config.yaml", "oof_predictions.csv", "plots", "model"} <= artifacts
    plots = {
        Path(a.path).name for a in client.list_artifacts(parent.info.run_id, "plots")
    }
    assert {
        "roc.png",
        "calibration.png",
        "decision_curve.png",
        "feature_importance.png",
        "optimization_history.png",
    } <= plots
    assert "C" in children[0].data.params and "auc" in children[0].data.metrics
    assert client.get_registered_model("rtms-ablate").name == "rtms-ablate"
    # MLflow 3: the bundle is the run's logged model, registered as version 1
    (output,) = parent.outputs.model_outputs
    logged = client.get_logged_model(output.model_id)
    assert logged.source_run_id == parent.info.run_id and logged.name == "ablate"
    assert str(logged.status) == "READY"
    linked = {m.key: m.value for m in logged.metrics}
    assert linked["auc"] == parent.data.metrics["auc"]
    assert "calibration_slope" in linked and "permutation_p" in linked
    version = client.get_model_version("rtms-ablate", "1")
    assert version.source == f"models:/{output.model_id}"
    versions = json.loads(logged.tags["mlflow.modelVersions"])
    assert versions == [{"name": "rtms-ablate", "version": 1}]
    assert version.run_id == parent.info.run_id
    assert parent.data.tags["rtms.registered_version"] == "rtms-ablate/1"
    # ... and its input is a dataset: fingerprint and schema, no rows
    (used,) = parent.inputs.dataset_inputs
    fingerprint = parent.data.tags["rtms.data_fingerprint"]
    assert used.dataset.digest == fingerprint[:32]
    assert [t.value for t in used.tags if t.key == "mlflow.data.context"] == [
        "training"
    ]
    columns = [c["name"] for c in json.loads(used.dataset.schema)["mlflow_colspec"]]
    assert "tep_n100_amp_uv" in columns and "patient_id" not in columns
    assert json.loads(used.dataset.profile)["num_rows"] == 0
    # load_model resolves registry and run URIs against the tracking store
    from predict import load_model

    os.environ["MLFLOW_TRACKING_URI"] = uri  # restored by the autouse fixture
    table = pd.read_csv(tmp_path / "cohort.csv").head(4)
    local = load_model(tmp_path / "models" / "ablate").predict(table)["p_response"]
    for source in (
        "models:/rtms-ablate/1",
        f"runs:/{parent.info.run_id}/model",
        f"models:/{output.model_id}",
    ):
        remote = load_model(source).predict(table)["p_response"]
        np.testing.assert_allclose(remote, local)
    # scan the whole store: database and every artifact file
    blobs = [(tmp_path / "mlflow.db").read_bytes()]
    blobs += [
        p.read_bytes() for p in (tmp_path / "mlartifacts").rglob("*") if p.is_file()
    ]
    leaked = [pid for pid in ids if any(pid.encode() in blob for blob in blobs)]
    assert leaked == []


def test_failed_training_ends_the_run_failed(tmp_path):
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    data, config = tmp_path / "cohort.csv", tmp_path / "bad.yaml"
    _cohort_with_distinctive_ids(data)
    config.write_text(
        yaml.safe_dump(
            {**CONFIG, "cv": {"outer": {"scheme": "group", "group_column": "clinic"}}}
        )
    )
    result = runner.invoke(
        app,
        [
            "train",
            "-c",
            str(config),
            "-d",
            str(data),
            "--tracking-uri",
            uri,
            "--models-dir",
            str(tmp_path / "models"),
        ],
    )
    assert result.exit_code == 2
    client = MlflowClient(uri)
    runs = client.search_runs(
        [client.get_experiment_by_name("rtms-predict").experiment_id]
    )
    assert [r.info.status for r in runs] == ["FAILED"]
    assert not (tmp_path / "models").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_against_a_real_mlflow_server(tmp_path):
    import mlflow.pyfunc
    from mlflow.tracking import MlflowClient

    port = _free_port()
    mlflow_cli = str(Path(sys.executable).with_name("mlflow"))
    server = subprocess.Popen(
        [
            mlflow_cli,
            "server",
            "--backend-store-uri",
            f"sqlite:///{tmp_path / 's.db'}",
            "--artifacts-destination",
            str(tmp_path / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    uri = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{uri}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("mlflow server did not start")
        _, _ = _train(tmp_path, uri)
        client = MlflowClient(uri)
        experiment = client.get_experiment_by_name("rtms-predict")
        runs = client.search_runs([experiment.experiment_id])
        parent = next(r for r in runs if "mlflow.parentRunId" not in r.data.tags)
        assert sum("mlflow.parentRunId" in r.data.tags for r in runs) == 3
        assert "auc_ci_low" in parent.data.metrics
        assert parent.data.params["features.tms_eeg"] == "{}"
        assert client.get_latest_versions("rtms-ablate")[0].run_id == parent.info.run_id
        logged = mlflow.pyfunc.load_model(f"runs:/{parent.info.run_id}/model")
        table = pd.read_csv(tmp_path / "cohort.csv").head(5)
        from_server = logged.predict(table)["p_response"].to_numpy()
        bundle = load_bundle(tmp_path / "models" / "ablate")
        from predict import read_cohort

        local = bundle.model.predict_proba(read_cohort(table).data)[:, 1]
        np.testing.assert_allclose(from_server, local)
    finally:
        server.terminate()
        server.wait(timeout=30)
