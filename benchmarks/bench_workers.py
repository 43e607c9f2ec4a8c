"""Wall time of one shared tuning job run by 1, 2 and 4 worker processes.

The job is one Optuna study: the final model's tuning on every patient of a
simulated cohort (n = 500), XGBoost on the default config's features, 5 inner
folds, 32 trials, pruning off so that every trial costs the same. It lives in
an SQLite storage in a temporary folder (``--storage URL`` for PostgreSQL: its
rtms-predict studies are deleted between runs). For each count, k
``rtms-predict worker`` processes are started together; the time runs from
their start to the last one's exit, so it includes each worker's start-up
(imports, reading the table, building the inner folds' features), which is
also timed alone: one worker on the already finished study.

    .venv/bin/python benchmarks/bench_workers.py [--storage URL] [--trials 32]
"""

from __future__ import annotations

import argparse
import collections
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import optuna

from predict import read_cohort, simulate_cohort
from predict.config import ExperimentConfig
from predict.evaluation import create_studies, list_studies
from predict.evaluation._budget import PROCESS
from predict.evaluation._shared import open_storage

FEATURES = {
    m: {}
    for m in ("clinical", "tms_eeg", "tms_emg", "rest_eeg", "connectivity", "bdnf")
}
WORKER = [sys.executable, "-c", "from predict.cli import main; main()", "worker"]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def run_workers(url: str, study: str, k: int) -> float:
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [*WORKER, "--storage", url, "--study", study],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(k)
    ]
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"worker failed: {err}")
    return time.perf_counter() - start


def clear(url: str) -> None:
    for name in list_studies(url):
        optuna.delete_study(study_name=name, storage=open_storage(url))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", default=None, help="default: SQLite in a tmp dir")
    parser.add_argument("--trials", type=int, default=32)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    table = folder / "cohort.csv"
    simulate_cohort(args.n, seed=0).to_csv(table, index=False)
    cohort = read_cohort(table)
    print(f"machine: {machine()}")
    print(
        f"one study: n = {args.n}, XGBoost, 5 inner folds, {args.trials} trials, "
        f"no pruning; storage {'SQLite' if args.storage is None else 'given URL'}"
    )
    print(f"{'workers':>7}{'seconds':>10}{'speed-up':>10}  trials per worker")
    first = None
    for k in args.workers:
        url = args.storage or f"sqlite:///{folder / f'studies-{k}.db'}"
        if args.storage:
            clear(url)
        config = ExperimentConfig(
            name="bench",
            features=FEATURES,
            model={"name": "xgboost"},
            cv={"inner": {"n_splits": 5}},
            tuning={"n_trials": args.trials, "pruning": False, "storage": url},
            seed=0,
        )
        study = create_studies(config, cohort)[-1]
        seconds = run_workers(url, study, k)
        first = first or seconds
        trials = optuna.load_study(study_name=study, storage=open_storage(url)).trials
        done = [t for t in trials if t.state.name == "COMPLETE"]
        assert len(done) == args.trials, len(done)
        per = sorted(collections.Counter(t.user_attrs[PROCESS] for t in done).values())
        print(f"{k:>7}{seconds:>10.1f}{first / seconds:>10.2f}  {per}")
    startup = run_workers(url, study, 1)
    print(f"one worker's start-up and exit on the finished study: {startup:.1f} s")
    if args.storage:
        clear(args.storage)


if __name__ == "__main__":
    main()
