"""Shared Optuna studies: storage, resuming, worker processes, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import numpy as np
import optuna
import pandas as pd
import pytest

from predict import read_cohort, simulate_cohort, train
from predict.config import parse_config
from predict.evaluation import create_studies, list_studies, run_worker
from predict.evaluation._budget import PROCESS, SURPLUS, run_study
from predict.evaluation._shared import open_storage, redact_config, redact_url
from predict.exceptions import ConfigError, StorageError, UsageError
from tests.evaluation.conftest import fast_config

WORKER = [sys.executable, "-c", "from predict.cli import main; main()", "worker"]


@pytest.fixture(scope="module")
def cohort_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cohort") / "cohort.csv"
    simulate_cohort(150, seed=3).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def cohort(cohort_file):
    return read_cohort(cohort_file)


@pytest.fixture(scope="module")
def in_memory(cohort):
    return train(fast_config(), cohort)


def _sqlite(tmp_path):
    return f"sqlite:///{tmp_path / 'studies.db'}"


def _trials(url, name):
    return optuna.load_study(study_name=name, storage=open_storage(url)).trials


def check_every_trial_once(url, names, n_trials):
    """Each study has exactly n_trials counted trials; nothing running or lost."""
    processes = set()
    for name in names:
        trials = _trials(url, name)
        numbers = [t.number for t in trials]
        assert len(numbers) == len(set(numbers)), name
        states = [t.state.name for t in trials]
        assert "RUNNING" not in states and "WAITING" not in states, (name, states)
        counted = [t for t in trials if t.state.name in ("COMPLETE", "PRUNED")]
        assert len(counted) == n_trials, (name, states)
        # A failed trial is only ever a surplus one (a race for the last
        # trial), never evaluated: no trial's work was lost.
        failed = [t for t in trials if t.state.name == "FAIL"]
        assert all(t.user_attrs.get(SURPLUS) for t in failed), name
        assert all("estimator_params" in t.user_attrs for t in counted)
        processes |= {t.user_attrs[PROCESS] for t in counted}
    return processes


def test_storage_gives_the_in_memory_result(tmp_path, cohort, in_memory):
    url = _sqlite(tmp_path)
    result = train(fast_config(tuning={"storage": url}), cohort)
    pd.testing.assert_frame_equal(result.metrics, in_memory.metrics)
    pd.testing.assert_frame_equal(result.predictions, in_memory.predictions)
    assert result.best_params == in_memory.best_params
    names = list_studies(url)
    assert len(names) == 4 and names[-1].endswith("-final")
    assert {n.rsplit("-", 2)[0] for n in names[:-1]} == {names[-1][: -len("-final")]}
    check_every_trial_once(url, names, 4)


def test_rerun_resumes_without_new_trials(tmp_path, cohort):
    url = _sqlite(tmp_path)
    config = fast_config(tuning={"storage": url})
    first = train(config, cohort)
    names = list_studies(url)
    before = {n: len(_trials(url, n)) for n in names}
    again = train(config, cohort)
    assert {n: len(_trials(url, n)) for n in names} == before
    pd.testing.assert_frame_equal(again.metrics, first.metrics)
    pd.testing.assert_frame_equal(again.predictions, first.predictions)
    pd.testing.assert_frame_equal(again.trials, first.trials)
    # More trials continue the same studies; a changed config starts new ones.
    more = fast_config(tuning={"storage": url, "n_trials": 6})
    train(more, cohort)
    assert list_studies(url) == names
    check_every_trial_once(url, names, 6)
    other = create_studies(fast_config(tuning={"storage": url}, seed=1), cohort)
    assert set(other).isdisjoint(names) and len(list_studies(url)) == 2 * len(names)


def test_storage_password_never_reaches_the_result():
    config = fast_config(tuning={"storage": "postgresql://rtms:s3cret@db:5432/optuna"})
    shown = redact_config(config)
    assert shown.tuning.storage == "postgresql://rtms:***@db:5432/optuna"
    assert "s3cret" not in shown.model_dump_json()
    assert redact_url("sqlite:///studies.db") == "sqlite:///studies.db"


def test_timeout_closes_the_study(tmp_path, cohort):
    url = _sqlite(tmp_path)
    config = fast_config(tuning={"storage": url, "n_trials": 500, "timeout": 1.0})
    result = train(config, cohort)
    for name in list_studies(url):
        trials = _trials(url, name)
        assert 0 < len(trials) < 500
        assert {t.state.name for t in trials} <= {"COMPLETE", "PRUNED", "FAIL"}
    assert result.trials.groupby("fold").size().max() < 500


def _start_workers(url, prefix, n, cwd):
    return [
        subprocess.Popen(
            [*WORKER, "--storage", url, "--study", prefix],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]


def _wait_for_a_trial(url, names, workers, seconds=120.0):
    """Block until a worker has started a trial (so the workers do take part)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if any(_trials(url, name) for name in names):
            return
        if any(w.poll() is not None for w in workers):
            out = [w.communicate() for w in workers]
            pytest.fail(f"a worker stopped before any trial: {out}")
        time.sleep(0.2)
    pytest.fail("no worker started a trial")


def train_with_workers(url, cohort, tmp_path, n_trials=10):
    """A coordinating train plus two worker processes on one set of studies."""
    config = fast_config(tuning={"storage": url, "n_trials": n_trials})
    names = create_studies(config, cohort)
    prefix = names[-1].removesuffix("-final")
    workers = _start_workers(url, prefix, 2, tmp_path)
    try:
        _wait_for_a_trial(url, names, workers)
        result = train(config, cohort)
        outputs = [w.communicate(timeout=300) for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
    for w, (out, err) in zip(workers, outputs, strict=True):
        assert w.returncode == 0, err
        assert "studies finished" in out
    processes = check_every_trial_once(url, names, n_trials)
    return result, processes


def _same_quality(result, reference):
    auc, ref = result.metrics.loc["auc"], reference.metrics.loc["auc"]
    # Several workers make TPE's order non-deterministic: the tuned
    # parameters may differ, the honest estimate stays within its noise.
    assert abs(auc["value"] - ref["value"]) < 0.1
    assert np.isfinite(result.predictions["y_prob"]).all()
    assert sorted(result.predictions.index) == sorted(reference.predictions.index)


@pytest.mark.slow
def test_coordinator_and_two_workers_share_the_studies(tmp_path, cohort, in_memory):
    result, processes = train_with_workers(_sqlite(tmp_path), cohort, tmp_path)
    assert len(processes) >= 2  # the workers ran trials, not only train
    _same_quality(result, in_memory)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("RTMS_TEST_POSTGRES_URL"),
    reason="set RTMS_TEST_POSTGRES_URL to a PostgreSQL database (.ci/run does)",
)
def test_coordinator_and_two_workers_on_postgresql(tmp_path, cohort, in_memory):
    url = os.environ["RTMS_TEST_POSTGRES_URL"]
    for name in list_studies(url):  # a clean database: no earlier run's studies
        optuna.delete_study(study_name=name, storage=open_storage(url))
    result, processes = train_with_workers(url, cohort, tmp_path)
    assert len(processes) >= 2
    _same_quality(result, in_memory)


def test_unreachable_storage_is_a_clear_error(cohort):
    url = "postgresql://rtms:s3cret@127.0.0.1:1/optuna"
    with pytest.raises(StorageError, match=r"Cannot open the study storage") as info:
        train(fast_config(tuning={"storage": url}), cohort)
    assert "s3cret" not in str(info.value) and "rtms:***@127.0.0.1" in str(info.value)


def test_storage_must_be_a_url():
    document = {"features": {"clinical": {}}, "tuning": {"storage": "studies.db"}}
    with pytest.raises(ConfigError, match="'tuning.storage': 'studies.db' is not a"):
        parse_config(document)


def test_worker_unknown_study_lists_the_studies(tmp_path, cohort):
    url = _sqlite(tmp_path)
    names = create_studies(fast_config(tuning={"storage": url}), cohort)
    with pytest.raises(StorageError, match=f"'rtms-nope' is not .*{names[0]}"):
        run_worker(url, "rtms-nope", wait=0.5)
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(StorageError, match="holds no rtms-predict study"):
        run_worker(empty, wait=0)


def test_worker_refuses_other_data(tmp_path, cohort):
    url = _sqlite(tmp_path)
    names = create_studies(fast_config(tuning={"storage": url}), cohort)
    other = tmp_path / "other.csv"
    simulate_cohort(150, seed=4).to_csv(other, index=False)
    with pytest.raises(UsageError, match=r"not the one study .* fingerprint"):
        run_worker(url, names[0], data=other)


def test_worker_needs_a_file_for_a_table_in_memory(tmp_path):
    url = _sqlite(tmp_path)
    in_memory_cohort = read_cohort(simulate_cohort(60, seed=7))
    config = fast_config(features={"clinical": {}}, tuning={"storage": url})
    names = create_studies(config, in_memory_cohort)
    with pytest.raises(UsageError, match=r"table in memory.*--data"):
        run_worker(url, names[0])


def test_worker_started_first_waits_then_finishes_alone(tmp_path, cohort):
    url = _sqlite(tmp_path)
    open_storage(url)  # an empty database: no study yet
    config = fast_config(tuning={"storage": url, "n_trials": 2})
    ran = {}
    worker = threading.Thread(
        target=lambda: ran.update(run_worker(url, wait=60)), daemon=True
    )
    worker.start()
    time.sleep(0.5)
    names = create_studies(config, cohort)
    worker.join(timeout=600)  # a bound, not a speed check: slow under load
    assert ran == dict.fromkeys(names, 2)
    check_every_trial_once(url, names, 2)
    # train then reuses the worker's trials: it adds none.
    train(config, cohort)
    assert [len(_trials(url, n)) for n in names] == [2] * len(names)


@pytest.fixture
def optuna_log(caplog):
    optuna.logging.enable_propagation()
    try:
        yield caplog
    finally:
        optuna.logging.disable_propagation()


def test_surplus_trial_is_not_evaluated_nor_logged(tmp_path, optuna_log):
    storage = open_storage(_sqlite(tmp_path))
    study = optuna.create_study(storage=storage, direction="maximize")
    with pytest.warns(UserWarning, match="Heartbeat"):
        study.ask()  # another process runs the study's only trial
    study.enqueue_trial({})  # and a trial waits: taking it would overrun
    evaluated = []
    ran = run_study(
        study, lambda trial: evaluated.append(trial) or 1.0, n_trials=1, wait=False
    )
    assert ran == 0 and evaluated == []
    states = [t.state.name for t in study.trials]
    assert states == ["RUNNING", "FAIL"]
    assert study.trials[1].user_attrs[SURPLUS] is True
    assert study.trials[1].user_attrs[PROCESS]
    assert not [r for r in optuna_log.records if "failed" in r.getMessage()]


def test_dead_workers_trial_is_retried_not_lost(tmp_path, monkeypatch):
    from predict.evaluation import _shared

    monkeypatch.setattr(_shared, "HEARTBEAT_INTERVAL", 1)
    monkeypatch.setattr(_shared, "GRACE_PERIOD", 2)
    storage = open_storage(_sqlite(tmp_path))
    study = optuna.create_study(storage=storage, direction="maximize")
    with pytest.warns(UserWarning, match="Heartbeat"):
        dead = study.ask()  # a worker took this trial, sent one heartbeat, died
    x = dead.suggest_float("x", 0.0, 1.0)
    storage.record_heartbeat(dead._trial_id)
    time.sleep(3.5)  # past the grace period (SQLite's clock has 1 s steps)
    seen = []

    def objective(trial):
        seen.append(trial.suggest_float("x", 0.0, 1.0))
        return seen[-1]

    assert run_study(study, objective, n_trials=2) == 2
    states = [t.state.name for t in study.trials]
    assert states == ["FAIL", "COMPLETE", "COMPLETE"]
    assert seen[0] == x  # the retry runs the dead trial's parameters
