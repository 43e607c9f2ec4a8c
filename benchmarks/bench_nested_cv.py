"""Nested CV with Optuna against GridSearchCV in cross_val_score, one run.

Both evaluate the same pipeline (the default config's feature builders and
XGBoost) on the same simulated cohort (n = 500) with 5 outer x 5 inner folds
and 30 candidates per outer fold (Optuna: 30 TPE trials with median pruning;
grid: 30 parameter combinations). rtms-predict's run also tunes and fits the
final model on all patients, which the reference does not do.
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score

from predict import read_cohort, simulate_cohort, train
from predict.config import ExperimentConfig
from predict.features import make_features
from predict.models import build_pipeline, get_model

FEATURES = {
    m: {}
    for m in ("clinical", "tms_eeg", "tms_emg", "rest_eeg", "connectivity", "bdnf")
}
GRID = {
    "model__max_depth": [2, 3, 4],
    "model__learning_rate": [0.03, 0.1],
    "model__n_estimators": [50, 100, 200, 300, 400],
}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main(n: int = 500, seed: int = 0, n_jobs: int = 2) -> None:
    cohort = read_cohort(simulate_cohort(n, seed=seed))
    y = cohort.data["response"].to_numpy()
    config = ExperimentConfig(
        name="bench",
        features=FEATURES,
        model={"name": "xgboost"},
        cv={"outer": {"n_splits": 5}, "inner": {"n_splits": 5}},
        tuning={"n_trials": 30, "pruning": True},
        evaluation={"n_bootstrap": 0, "n_permutations": 0},
        seed=seed,
    )
    start = time.perf_counter()
    result = train(config, cohort, n_jobs=n_jobs)
    optuna_time = time.perf_counter() - start
    trials = result.trials
    pruned = int((trials["state"] == "PRUNED").sum())

    pipeline = build_pipeline(
        make_features(FEATURES), get_model("xgboost"), "binary", seed=seed
    )
    inner = StratifiedKFold(5, shuffle=True, random_state=seed)
    outer = StratifiedKFold(5, shuffle=True, random_state=seed)
    grid = GridSearchCV(pipeline, GRID, cv=inner, scoring="roc_auc", n_jobs=n_jobs)
    start = time.perf_counter()
    aucs = cross_val_score(grid, cohort.data, y, cv=outer, scoring="roc_auc")
    grid_time = time.perf_counter() - start

    print(f"machine: {machine()}")
    print(
        f"n = {n}, 5 outer x 5 inner folds, 30 candidates per outer fold, "
        f"n_jobs = {n_jobs}"
    )
    print(f"{'method':<38}{'AUC':>8}{'seconds':>10}")
    print(
        f"{'rtms-predict (Optuna TPE + pruning)':<38}"
        f"{result.metrics.loc['auc', 'value']:>8.3f}{optuna_time:>10.1f}"
    )
    print(
        f"{'GridSearchCV in cross_val_score':<38}{np.mean(aucs):>8.3f}"
        f"{grid_time:>10.1f}"
    )
    print(
        f"Optuna trials pruned: {pruned} of {len(trials)} "
        "(including the final model's study)"
    )


if __name__ == "__main__":
    main()
