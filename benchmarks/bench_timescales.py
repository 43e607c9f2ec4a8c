"""When can we know? AUC by prediction time on the simulator, with and without signal.

Runs experiments/timescales.yaml (the same elastic net at baseline, s1, w1,
w2, same outer folds) through the library on simulated cohorts with their
visits (n = 600, seeds 0, 1, 2), then again with the visits shuffled between
patients (each patient's visit rows handed, whole, to another patient), where
the visits carry no signal and later time points must not beat baseline
beyond the paired CI. Prints AUC with CI and the paired difference against
baseline per seed, and the mean over seeds.

    python benchmarks/bench_timescales.py [--n 600] [--seeds 0 1 2] [--trials 10]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from predict import read_cohort, simulate_cohort, train
from predict.cohort import simulate_visits
from predict.config import load_study, parse_config
from predict.evaluation import compare_results

STUDY = Path(__file__).parents[1] / "experiments" / "timescales.yaml"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def shuffled(visits: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Give each patient's visits, whole, to another patient."""
    ids = visits["patient_id"].unique()
    rng = np.random.default_rng(1000 + seed)
    mapping = dict(zip(ids, rng.permutation(ids), strict=True))
    return visits.assign(patient_id=visits["patient_id"].map(mapping))


def run(n: int, seed: int, trials: int, shuffle: bool) -> pd.DataFrame:
    _, configs = load_study(STUDY)
    table = simulate_cohort(n, seed=seed)
    visits = simulate_visits(n, seed=seed)
    if shuffle:
        visits = shuffled(visits, seed)
    cohort = read_cohort(table, visits=visits)
    results = {}
    for config in configs:
        document = config.model_dump(mode="json")
        document["tuning"]["n_trials"] = trials
        document["seed"] = seed
        config = parse_config(document)
        results[str(config.name)] = train(config, cohort, n_jobs=1)
    out = compare_results(results, "at_baseline", seed=seed)
    return out.assign(seed=seed, shuffled=shuffle)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--trials", type=int, default=10)
    args = parser.parse_args()
    print(
        f"Machine: {machine()}; n = {args.n}, seeds {args.seeds}, "
        f"{args.trials} trials per study"
    )
    rows = []
    start = time.perf_counter()
    for shuffle in (False, True):
        for seed in args.seeds:
            table = run(args.n, seed, args.trials, shuffle)
            rows.append(table)
            label = "shuffled visits" if shuffle else "visits"
            print(f"\nseed {seed}, {label}:")
            print(
                table[
                    [
                        "value",
                        "ci_low",
                        "ci_high",
                        "diff",
                        "diff_ci_low",
                        "diff_ci_high",
                    ]
                ]
                .round(3)
                .to_string()
            )
    allrows = pd.concat(rows).reset_index()
    summary = allrows.groupby(["shuffled", "config"], sort=False).agg(
        auc=("value", "mean"),
        diff=("diff", "mean"),
        diff_ci_low=("diff_ci_low", "mean"),
        diff_ci_high=("diff_ci_high", "mean"),
        beats_baseline=("diff_ci_low", lambda s: int((s > 0).sum())),
    )
    print("\nMean over seeds (beats_baseline: seeds whose paired 95 % CI is above 0):")
    print(summary.round(3).to_string())
    print(f"\nTotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
