"""The bundle answers `mlflow models serve` with the Python API's probabilities."""

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
import pytest

from predict import load_model, read_cohort, simulate_cohort, train
from predict.scoring import save_bundle
from tests.evaluation.conftest import fast_config


@pytest.mark.slow
def test_mlflow_models_serve_matches_python_api(tmp_path):
    table = simulate_cohort(150, seed=8)
    cohort = read_cohort(table.iloc[:120])
    result = train(fast_config(tuning={"n_trials": 2}), cohort)
    bundle = save_bundle(result, cohort, tmp_path / "bundle")
    new = table.iloc[120:].drop(columns=["endpoint_hamd17"])
    expected = load_model(bundle).predict(new)["p_response"].to_numpy()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bin_dir = Path(sys.executable).parent
    mlflow_cli = str(bin_dir / "mlflow")
    # mlflow serves through uvicorn, which it finds on PATH: the venv's bin
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    server = subprocess.Popen(
        [
            mlflow_cli,
            "models",
            "serve",
            "-m",
            str(bundle),
            "--env-manager",
            "local",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("mlflow models serve did not start")
        payload = json.dumps(
            {"dataframe_split": json.loads(new.to_json(orient="split", index=False))}
        ).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/invocations",
            data=payload,
            headers={"Content-Type": "application/json"},
        )
        answer = json.loads(urllib.request.urlopen(request, timeout=60).read())
        served = [row["p_response"] for row in answer["predictions"]]
        np.testing.assert_allclose(served, expected, rtol=1e-9)
    finally:
        server.terminate()
        server.wait(timeout=30)
