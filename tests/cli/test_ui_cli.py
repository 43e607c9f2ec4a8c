"""rtms-predict ui starts the MLflow UI on 127.0.0.1 for the configured store."""

from __future__ import annotations

import subprocess

from typer.testing import CliRunner

from predict.cli import app

runner = CliRunner()


def test_ui_command_line(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, check: calls.append(cmd))
    uri = f"sqlite:///{tmp_path / 'm.db'}"
    result = runner.invoke(app, ["ui", "--tracking-uri", uri, "--port", "5123"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:5123" in result.output
    (command,) = calls
    assert command[1:3] == ["ui", "--backend-store-uri"] and uri in command
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == "5123"
    assert (tmp_path / "mlartifacts").as_uri() in command


def test_ui_uses_the_environment(monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, check: calls.append(cmd))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///from-env.db")
    assert runner.invoke(app, ["ui"]).exit_code == 0
    assert "sqlite:///from-env.db" in calls[0]


def test_ui_for_a_server_points_to_it():
    result = runner.invoke(app, ["ui", "--tracking-uri", "http://127.0.0.1:9"])
    assert result.exit_code == 0
    assert "already serves its UI: http://127.0.0.1:9" in result.output
