"""rtms-predict ui: the MLflow UI on 127.0.0.1, opened on the training runs."""

from __future__ import annotations

import contextlib
import socket

import pytest
from typer.testing import CliRunner

import predict.cli._ui as ui_module
import predict.tracking._server as server
from predict.cli import app

runner = CliRunner()


@pytest.fixture
def started(monkeypatch):
    """Record the server the command starts instead of starting it."""
    calls = []

    @contextlib.contextmanager
    def fake(command, health_url, *, timeout, env):
        calls.append({"command": command, "health": health_url, "env": env})
        yield None

    def stop():
        raise KeyboardInterrupt  # what SIGTERM or Ctrl-C raise

    monkeypatch.setattr(server, "running_server", fake)
    monkeypatch.setattr(ui_module, "signal_pause", stop)
    return calls


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One store for the module (creating an SQLite store takes seconds)."""
    from mlflow.tracking import MlflowClient

    folder = tmp_path_factory.mktemp("store")
    uri = f"sqlite:///{folder / 'm.db'}"
    return uri, MlflowClient(uri).create_experiment("rtms-predict"), folder


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_ui_prints_the_training_runs_view(started, store):
    uri, experiment_id, folder = store
    port = str(_free_port())
    result = runner.invoke(app, ["ui", "--tracking-uri", uri, "--port", port])
    assert result.exit_code == 0, result.output
    url = (
        f"http://127.0.0.1:{port}/#/experiments/{experiment_id}/runs"
        "?workflowType=machine_learning&viewStateShareKey=rtms-training-runs"
    )
    assert url in result.output
    assert result.output.rstrip().endswith("MLflow UI stopped.")
    (call,) = started
    command = call["command"]
    assert command[1:3] == ["ui", "--backend-store-uri"] and uri in command
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == port
    assert (folder / "mlartifacts").as_uri() in command
    assert call["health"] == f"http://127.0.0.1:{port}/health"
    assert call["env"] == {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}


def test_ui_before_any_training_says_so(started, store):
    command = ["ui", "--tracking-uri", store[0], "--experiment", "ablation"]
    result = runner.invoke(app, [*command, "--port", str(_free_port())])
    assert result.exit_code == 0, result.output
    assert "no experiment 'ablation' yet: train first" in result.output


def test_ui_uses_the_environment(started, monkeypatch, store):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store[0])
    assert runner.invoke(app, ["ui", "--port", str(_free_port())]).exit_code == 0
    assert store[0] in started[0]["command"]


def test_ui_refuses_a_busy_port(started, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        uri = f"sqlite:///{tmp_path / 'm.db'}"
        result = runner.invoke(app, ["ui", "--tracking-uri", uri, "--port", str(port)])
    assert result.exit_code == 2
    assert f"Port {port} on 127.0.0.1 is in use" in result.output
    assert started == []


def test_ui_for_a_server_points_to_it():
    result = runner.invoke(app, ["ui", "--tracking-uri", "http://127.0.0.1:9"])
    assert result.exit_code == 0
    assert "already serves its UI: http://127.0.0.1:9" in result.output
