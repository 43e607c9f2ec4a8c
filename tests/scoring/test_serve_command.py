"""``rtms-predict serve``: a verified bundle answers; errors carry no trace or path."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from predict import read_cohort, simulate_cohort, train
from predict.scoring import save_bundle
from predict.scoring._pyfunc import PyfuncModel
from tests.evaluation.conftest import fast_config

R = np.array([[1.0, -0.3], [-0.3, 1.0]])


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """A bundle whose input signature has the connectivity path column."""
    table = simulate_cohort(60, seed=5)
    table["fc_matrix_path"] = ""
    cohort = read_cohort(table)
    result = train(fast_config(tuning={"n_trials": 1}), cohort)
    return save_bundle(result, cohort, tmp_path_factory.mktemp("s") / "bundle")


def _rows(**extra) -> pd.DataFrame:
    rows = simulate_cohort(10, seed=1).head(2).drop(columns=["endpoint_hamd17"])
    return rows.assign(**extra)


def test_pyfunc_refuses_path_columns_unless_allowed(bundle, tmp_path):
    pd.DataFrame(R, columns=["sgACC", "DLPFC_L"]).to_csv(
        tmp_path / "m.csv", index=False
    )
    from mlflow.exceptions import MlflowException

    strict = PyfuncModel(bundle / "data" / "bundle", {"allow_raw_paths": False})
    with pytest.raises(MlflowException, match="does not read: send the markers"):
        strict.predict(_rows(fc_matrix_path="m.csv"))
    allowed = PyfuncModel(
        bundle / "data" / "bundle",
        {"allow_raw_paths": True, "data_root": str(tmp_path)},
    )
    assert len(allowed.predict(_rows(fc_matrix_path="m.csv"))) == 2
    with pytest.raises(MlflowException, match="outside the data root"):
        allowed.predict(_rows(fc_matrix_path="/etc/passwd"))


def _post(port: int, frame: pd.DataFrame) -> tuple[int, dict]:
    payload = json.dumps(
        {"dataframe_split": json.loads(frame.to_json(orient="split", index=False))}
    ).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/invocations",
        data=payload,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.slow
def test_serve_answers_contains_paths_and_hides_traces(bundle, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    pd.DataFrame(R, columns=["sgACC", "DLPFC_L"]).to_csv(root / "m.csv", index=False)
    (tmp_path / "secret.csv").write_text("name,ssn\nAlice,1\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [
        str(Path(sys.executable).parent / "rtms-predict"),
        "serve",
        "-m",
        str(bundle),
        "--port",
        str(port),
        "--allow-raw-paths",
        "--data-root",
        str(root),
    ]
    server = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ
    )
    try:
        for _ in range(120):  # bounded: at most about a minute
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("rtms-predict serve did not start")
        status, body = _post(port, _rows())
        assert status == 200 and len(body["predictions"]) == 2
        status, body = _post(port, _rows(fc_matrix_path="m.csv"))
        assert status == 200
        for bad, message in (
            ("../secret.csv", "outside the data root"),
            (str(tmp_path / "secret.csv"), "outside the data root"),
            ("absent.csv", "does not exist"),
        ):
            status, body = _post(port, _rows(fc_matrix_path=bad))
            assert status == 400 and message in body["message"], body
            text = json.dumps(body)
            assert "stack_trace" not in text and "Traceback" not in text
            assert str(tmp_path) not in text and "ssn" not in text
        status, body = _post(port, _rows(age="old"))
        assert status == 400 and "Column 'age'" in body["message"]
        assert set(body) == {"error_code", "message"}
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_score_command_contains_paths_unless_the_root_is_widened(bundle, tmp_path):
    from typer.testing import CliRunner

    from predict.cli import app

    shared = tmp_path / "shared"
    shared.mkdir()
    pd.DataFrame(R, columns=["sgACC", "DLPFC_L"]).to_csv(shared / "m.csv", index=False)
    tables = tmp_path / "tables"
    tables.mkdir()
    _rows(fc_matrix_path="../shared/m.csv").to_csv(tables / "new.csv", index=False)
    command = ["score", "-m", str(bundle), "-d", str(tables / "new.csv")]
    out = ["-o", str(tmp_path / "s.csv")]
    refused = CliRunner().invoke(app, [*command, *out])
    assert refused.exit_code == 2 and "outside the data root" in refused.output
    assert "m.csv" not in refused.output
    widened = CliRunner().invoke(app, [*command, *out, "--data-root", str(tmp_path)])
    assert widened.exit_code == 0, widened.output


def _asgi_post(app, chunks: list[bytes], headers: dict[str, str]) -> tuple:
    """POST ``chunks`` to ``/invocations`` of an ASGI app; return status, body, reads.

    Each chunk is one ``http.request`` message, as a server delivers a body
    sent with ``Transfer-Encoding: chunked`` (no ``Content-Length``).
    """
    import asyncio

    pending = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    reads = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal reads
        if not pending:
            return {"type": "http.disconnect"}
        reads += 1
        return pending.pop(0)

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/invocations",
        "raw_path": b"/invocations",
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    start = "http.response.start"
    status = next(m["status"] for m in sent if m["type"] == start)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] != start)
    return status, json.loads(body), reads


def test_serving_errors_do_not_echo_the_request_and_chunked_bodies_are_bounded(
    bundle,
):
    from predict.scoring._serve import MAX_REQUEST_BYTES, serving_app

    app = serving_app(bundle)
    json_type = {"Content-Type": "application/json"}
    for body, content_type in (
        (b'{not json, "ssn": "123-45-6789"', "application/json"),
        (b"\xff,ssn\n123-45-6789,1\n", "text/csv"),  # not UTF-8
    ):
        status, answer, _ = _asgi_post(app, [body], {"Content-Type": content_type})
        assert status == 400 and set(answer) == {"error_code", "message"}
        assert "123-45-6789" not in answer["message"], answer
        assert "Input:" not in answer["message"]
    frame = _rows()
    valid = json.dumps(
        {"dataframe_split": json.loads(frame.to_json(orient="split", index=False))}
    ).encode()
    halves = [valid[: len(valid) // 2], valid[len(valid) // 2 :]]
    status, answer, _ = _asgi_post(app, halves, json_type)  # chunked, small: served
    assert status == 200 and len(answer["predictions"]) == 2
    mib = b" " * (1 << 20)
    chunks = [b"{", *[mib] * (MAX_REQUEST_BYTES // len(mib) + 24)]
    status, answer, reads = _asgi_post(app, chunks, json_type)
    assert status == 413 and answer["error_code"] == "REQUEST_TOO_LARGE"
    assert reads <= MAX_REQUEST_BYTES // len(mib) + 2  # refused while streaming
    declared = {**json_type, "Content-Length": str(MAX_REQUEST_BYTES + 1)}
    status, answer, reads = _asgi_post(app, [b"{}"], declared)
    assert status == 413 and reads == 0
