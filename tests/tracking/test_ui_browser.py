"""The MLflow UI in headless Chromium: `rtms-predict ui` opens on the training runs.

Slow: trains a small config, starts the real UI, renders its page in
Debian's ``chromium`` (installed with apt-get when missing; the test is
skipped, saying why, where that cannot be done) and reads the rendered DOM.
Only loopback addresses are used.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from predict import simulate_cohort

pytestmark = pytest.mark.slow

CONFIG = {
    "features": {"clinical": {}, "tms_eeg": {}, "bdnf": {}},
    "model": {"name": "elastic_net"},
    "cv": {"outer": {"n_splits": 3}, "inner": {"n_splits": 3}},
    "tuning": {"n_trials": 2},
    "evaluation": {"n_bootstrap": 50, "n_permutations": 3},
}
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    """Return Chromium's path, installing Debian's package when missing."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.skip("chromium is not installed and apt-get cannot install it here")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        done = subprocess.run(command, capture_output=True, env=env, timeout=900)
        if done.returncode != 0:
            pytest.skip(
                f"cannot install chromium ({' '.join(command)} failed: "
                f"{done.stderr.decode(errors='replace')[-300:]})"
            )
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get installed chromium but it is not on PATH")
    return found


def _cli() -> str:
    return str(Path(sys.executable).with_name("rtms-predict"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _read_url(process: subprocess.Popen[str], timeout: float) -> str:
    """Read the UI's output until it prints the training runs' address."""
    assert process.stdout is not None
    deadline, seen = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 1.0)
        if not ready:
            if process.poll() is not None:
                break
            continue
        line = process.stdout.readline()
        seen.append(line)
        if "training runs of" in line:
            return next(w for w in line.split() if w.startswith("http://127.0.0.1"))
    raise AssertionError(f"no address printed; output: {''.join(seen)}")


def test_ui_opens_on_the_training_runs_with_their_metrics(tmp_path):
    chromium = _chromium()
    data, config = tmp_path / "cohort.csv", tmp_path / "ablate.yaml"
    simulate_cohort(120, seed=4).to_csv(data, index=False)
    config.write_text(yaml.safe_dump(CONFIG))
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    models = str(tmp_path / "models")
    common = {"cwd": tmp_path, "env": {**os.environ, "COLUMNS": "250"}}
    subprocess.run(
        [_cli(), "train", "-c", str(config), "-d", str(data), "--tracking-uri", uri]
        + ["--models-dir", models],
        check=True,
        capture_output=True,
        **common,
    )
    port = _free_port()
    ui = subprocess.Popen(
        [_cli(), "ui", "--tracking-uri", uri, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **common,
    )
    try:
        url = _read_url(ui, timeout=300)
        # printed only once the UI answers
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health") as answer:
            assert answer.status == 200
        assert "#/experiments/" in url and "workflowType=machine_learning" in url
        with tempfile.TemporaryDirectory() as profile:
            page = subprocess.run(
                [chromium, *FLAGS, f"--user-data-dir={profile}"]
                + ["--window-size=2400,1000", "--virtual-time-budget=30000"]
                + ["--dump-dom", url],
                capture_output=True,
                text=True,
                timeout=240,
            )
        dom = page.stdout
        assert "ablate" in dom, page.stderr[-2000:]  # the training run's name
        for column in ("auc", "auc_ci_low", "auc_ci_high", "calibration_slope"):
            assert f'col-id="metrics.`{column}`"' in dom, column
        assert 'col-id="metrics.`permutation_p`"' in dom
        assert "outer fold 1" not in dom  # parent runs only
        assert "Sort: auc" in dom.replace("<!-- -->", "")
    finally:
        ui.send_signal(signal.SIGTERM)
        ui.wait(timeout=60)
    assert ui.returncode == 0
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                break
        time.sleep(0.5)
    else:
        raise AssertionError(f"the MLflow UI still answers on port {port}")
