"""The UI server helper: ready when it answers, stopped with its whole group."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request

import pytest

from predict.exceptions import UsageError
from predict.tracking._server import port_is_free, running_server

# A stand-in server: answers /health after a second, and starts a worker of
# its own (like uvicorn's), whose pid it writes to a file.
SERVER = textwrap.dedent(
    """
    import http.server, subprocess, sys, time
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    open(sys.argv[2], "w").write(str(worker.pid))
    time.sleep(1)

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/health" else 404)
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, *args):
            pass

    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
    """
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waits for its parent only
        return stat.read().split()[2] != "Z"


def _command(tmp_path, port):
    return [sys.executable, "-c", SERVER, str(port), str(tmp_path / "worker.pid")]


def test_ready_when_it_answers_and_its_workers_stop_with_it(tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}/health"
    with running_server(_command(tmp_path, port), url, timeout=60) as process:
        with urllib.request.urlopen(url, timeout=5) as answer:
            assert answer.status == 200  # answering by the time we are told
        assert not port_is_free(port)
        worker = int((tmp_path / "worker.pid").read_text())
        assert _alive(worker)
    assert process.poll() is not None
    deadline = time.monotonic() + 10
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker)
    assert port_is_free(port)


def test_sigterm_stops_the_server_like_ctrl_c(tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}/health"
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        with running_server(_command(tmp_path, port), url, timeout=60) as process:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises before this ends
    assert process.poll() is not None
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_server_that_dies_is_reported_with_its_output():
    command = [sys.executable, "-c", "print('no database here'); raise SystemExit(3)"]
    with pytest.raises(UsageError, match="exit code 3 before it answered") as info:
        with running_server(command, "http://127.0.0.1:9/health", timeout=30):
            pass
    assert "no database here" in str(info.value)


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
def test_the_server_dies_with_a_killed_parent(tmp_path):
    port = _free_port()
    parent = textwrap.dedent(
        f"""
        import sys, time
        from predict.tracking._server import running_server
        command = {_command(tmp_path, port)!r}
        with running_server(command, "http://127.0.0.1:{port}/health", timeout=60) as p:
            print(p.pid, flush=True)
            time.sleep(600)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", parent], stdout=subprocess.PIPE, text=True
    )
    try:
        server_pid = int(process.stdout.readline())
        assert _alive(server_pid)
        process.kill()  # SIGKILL: no handler runs
        process.wait()
        deadline = time.monotonic() + 10
        while _alive(server_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(server_pid)
    finally:
        process.kill()
        worker = tmp_path / "worker.pid"  # the stand-in's own worker: ours to end
        if worker.is_file():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(worker.read_text()), signal.SIGKILL)
