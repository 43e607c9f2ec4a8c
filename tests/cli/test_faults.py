"""Faults during train: locks, leftovers, runs left RUNNING, bad stores."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import pytest
import yaml
from mlflow.tracking import MlflowClient
from typer.testing import CliRunner

from predict._guard import bundle_lock, clean_stale
from predict.cli import app
from predict.exceptions import StorageError, UsageError
from predict.tracking._store import check_store, fail_orphaned_runs

runner = CliRunner()

FAST = {
    "features": {"clinical": {}, "bdnf": {}},
    "model": {"name": "elastic_net"},
    "cv": {"outer": {"n_splits": 3}, "inner": {"n_splits": 3}},
    "tuning": {"n_trials": 1},
    "evaluation": {"n_bootstrap": 20, "n_permutations": 0},
}


@pytest.fixture
def files(tmp_path, small_table):
    data, config = tmp_path / "cohort.csv", tmp_path / "quick.yaml"
    small_table.to_csv(data, index=False)
    config.write_text(yaml.safe_dump(FAST))
    return ["train", "-c", str(config), "-d", str(data)]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_second_training_of_the_same_name_is_refused(tmp_path, files):
    models = tmp_path / "models"
    models.mkdir()
    with bundle_lock(models, "quick"):
        result = runner.invoke(app, [*files, "--models-dir", str(models)])
        assert result.exit_code == 2
        assert f"is being trained by pid {os.getpid()}" in result.output
        assert "--force" in result.output
        with pytest.raises(UsageError, match="is being trained"):
            with bundle_lock(models, "quick"):
                pass
    assert not (models / ".quick.lock").exists()


def test_runs_left_running_by_dead_processes_are_failed(tmp_path):
    uri = f"sqlite:///{tmp_path / 'runs.db'}"
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("rtms-predict")
    host = socket.gethostname()
    dead = client.create_run(
        experiment, tags={"rtms.pid": str(_dead_pid()), "rtms.host": host}
    )
    child = client.create_run(experiment, tags={"mlflow.parentRunId": dead.info.run_id})
    alive = client.create_run(
        experiment, tags={"rtms.pid": str(os.getpid()), "rtms.host": host}
    )
    failed = fail_orphaned_runs(uri, "rtms-predict")
    assert set(failed) == {dead.info.run_id, child.info.run_id}
    status = {r: client.get_run(r).info.status for r in failed}
    assert set(status.values()) == {"FAILED"}
    assert client.get_run(alive.info.run_id).info.status == "RUNNING"


def test_train_records_its_process_and_sigterm_ends_the_run(files, monkeypatch):
    import predict.evaluation

    def terminated(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(predict.evaluation, "train", terminated)
    result = runner.invoke(app, files)
    assert result.exit_code == 130
    client = MlflowClient()
    (run,) = client.search_runs(
        [client.get_experiment_by_name("rtms-predict").experiment_id]
    )
    assert run.info.status == "KILLED"
    assert run.data.tags["rtms.pid"] == str(os.getpid())


def test_corrupt_tracking_store_is_refused_by_name(tmp_path, files):
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match=r"'.*garbage.db' is not a readable SQLite"):
        check_store(f"sqlite:///{garbage}")
    result = runner.invoke(app, [*files, "--tracking-uri", f"sqlite:///{garbage}"])
    assert result.exit_code == 2 and "garbage.db" in result.output
    assert "Traceback" not in result.output
    broken = tmp_path / "broken.db"
    with sqlite3.connect(broken) as db:
        db.execute("create table t (x text)")
        db.execute("create index ix on t (x)")
        db.executemany(
            "insert into t values (?)", [(str(i) * 50,) for i in range(2000)]
        )
    data = bytearray(broken.read_bytes())
    page = 4096
    data[page * 5 : page * 5 + 200] = os.urandom(200)  # a damaged page
    broken.write_bytes(bytes(data))
    with pytest.raises(
        StorageError, match=r"'.*broken.db' (fails SQLite's quick|is not)"
    ):
        check_store(f"sqlite:///{broken}")


def test_unwritable_models_folder_is_refused_before_training(tmp_path, files):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = runner.invoke(app, [*files, "--models-dir", str(blocker / "models")])
    assert result.exit_code == 2 and "Cannot write to" in result.output
    assert "AUC" not in result.output  # nothing was trained


def test_clean_stale_leaves_folders_being_written(tmp_path):
    (tmp_path / ".busy.abcd1234").mkdir()
    (tmp_path / ".idle.abcd1234").mkdir()
    with bundle_lock(tmp_path, "busy"):
        assert clean_stale(tmp_path) == [".idle.abcd1234"]
    assert (tmp_path / ".busy.abcd1234").is_dir()


@pytest.mark.slow
def test_sigkill_while_saving_is_cleaned_up_by_the_next_train(tmp_path, files):
    from pathlib import Path

    models = tmp_path / "models"
    uri = f"sqlite:///{tmp_path / 'kill.db'}"
    command = [*files, "--models-dir", str(models), "--tracking-uri", uri]
    first = runner.invoke(app, command)  # a bundle to replace later
    assert first.exit_code == 0, first.output
    script = Path(sys.executable).parent / "rtms-predict"
    child = subprocess.Popen(
        [str(script), *command], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(2400):  # bounded: about two minutes
            if any(
                p.name.startswith(".quick.") and p.is_dir() for p in models.iterdir()
            ):
                break
            if child.poll() is not None:
                pytest.fail("train finished before its bundle was seen being written")
            time.sleep(0.05)
        else:
            pytest.fail("train never started writing its bundle")
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    leftovers = [
        p.name
        for p in models.iterdir()
        if p.name.startswith(".quick.") and p.name != ".quick.lock"
    ]
    assert leftovers and (models / "quick" / "MLmodel").is_file()
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("rtms-predict").experiment_id
    (run,) = client.search_runs(
        [experiment], filter_string="attributes.status = 'RUNNING'"
    )
    (models / ".other.zz11yy22").mkdir()  # another name's leftover, nobody writing
    (models / ".keep.me").mkdir()  # not a staging folder: left alone
    again = runner.invoke(app, command)
    assert again.exit_code == 0, again.output
    assert f"Removed {len(leftovers) + 1} unfinished staging folder(s)" in again.output
    assert "left RUNNING by a process that no longer exists as FAILED" in again.output
    assert client.get_run(run.info.run_id).info.status == "FAILED"
    assert sorted(p.name for p in models.iterdir()) == [".keep.me", "quick"]
    assert "Replaced the previous bundle" in again.output
    assert "versions 1; this one is 2" in again.output


def test_force_waits_for_the_other_training(tmp_path):
    import threading

    order: list[str] = []
    held = threading.Event()

    def first() -> None:
        with bundle_lock(tmp_path, "x"):
            held.set()
            time.sleep(0.5)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    held.wait(timeout=10)
    with bundle_lock(tmp_path, "x", wait=True):  # blocks until the first ends
        order.append("second holds")
    thread.join(timeout=10)
    assert order == ["first done", "second holds"]
