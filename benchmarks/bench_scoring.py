"""Scoring speed: bundle load time, single-patient latency, 10,000 patients.

Trains the default config's features with ``MODEL`` (``python
bench_scoring.py [MODEL]``, default ``auto``: the default config's stack of
elastic net, spline logistic and histogram boosting; few trials: speed of
scoring does not depend on tuning) on a simulated cohort, saves the bundle,
then times ``load_model`` and ``ResponsePredictor.predict`` (validation,
features, probability, conformal set, contributions and warnings included).
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from predict import load_model, read_cohort, simulate_cohort, train
from predict.config import ExperimentConfig
from predict.scoring import save_bundle

FEATURES = {
    m: {}
    for m in ("clinical", "tms_eeg", "tms_emg", "rest_eeg", "connectivity", "bdnf")
}


def main(model: str = "auto") -> None:
    cohort = read_cohort(simulate_cohort(500, seed=0))
    families = ("elastic_net", "spline_logistic", "hist_gradient_boosting")
    spec: dict[str, object] = {"name": model}
    if model in ("auto", "select"):
        spec["candidates"] = {f: {"n_trials": 5} for f in families}
    config = ExperimentConfig(
        name="bench",
        features=FEATURES,
        model=spec,
        tuning={"n_trials": 5},
        evaluation={"n_bootstrap": 100, "n_permutations": 0},
    )
    result = train(config, cohort, n_jobs=2)
    new = simulate_cohort(10_000, seed=1).drop(columns=["endpoint_hamd17"])
    with tempfile.TemporaryDirectory() as tmp:
        bundle = save_bundle(result, cohort, Path(tmp) / "bench")
        loads = []
        for _ in range(5):
            start = time.perf_counter()
            model = load_model(bundle)
            loads.append(time.perf_counter() - start)
        one = new.head(1)
        model.predict(one)  # warm-up
        latencies = []
        for i in range(200):
            patient = new.iloc[[i]]
            start = time.perf_counter()
            model.predict(patient)
            latencies.append(time.perf_counter() - start)
        start = time.perf_counter()
        scores = model.predict(new)
        batch = time.perf_counter() - start
    assert isinstance(scores, pd.DataFrame) and len(scores) == len(new)
    cpu = platform.processor() or platform.machine()
    print(f"machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"load_model (median of 5): {1000 * statistics.median(loads):.0f} ms")
    q = statistics.quantiles(latencies, n=20)
    print(
        f"single patient predict: p50 {1000 * statistics.median(latencies):.1f} ms, "
        f"p95 {1000 * q[18]:.1f} ms (200 patients, one call each)"
    )
    print(f"10,000 patients in one call: {batch:.2f} s")


if __name__ == "__main__":
    import sys

    main(*sys.argv[1:2])
