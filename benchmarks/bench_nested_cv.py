"""Nested CV with Optuna against GridSearchCV in cross_val_score, one run.

``--model xgboost``: both evaluate the same pipeline (the feature builders and
XGBoost) with 30 candidates per outer fold (Optuna: 30 TPE trials with median
pruning; grid: 30 parameter combinations).

``--model auto`` (default): configs/default.yaml's ``auto`` (elastic net 12,
spline logistic 8 and histogram boosting 8 trials per outer fold, stacked)
against a GridSearchCV over the same families' candidates, 28 combinations
(elastic-net logistic regression 7 C x 3 L1 ratios, histogram boosting 7
settings), scored by AUC, as a user would write it.

Both on the same simulated cohort (n = 500) with 5 outer x 5 inner folds.
rtms-predict's run also tunes and fits the final model on all patients, which
the reference does not do.
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

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


AUTO_GRID = [
    {
        "model": [LogisticRegression(solver="saga", l1_ratio=0.5, max_iter=5000)],
        "model__C": [0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0],
        "model__l1_ratio": [0.0, 0.5, 1.0],
    },
    {
        "model": [HistGradientBoostingClassifier(early_stopping=False)],
        "model__learning_rate": [0.03, 0.1],
        "model__max_depth": [2, 3],
        "model__max_iter": [100, 200],
    },
]


def auto(n: int = 500, seed: int = 0, n_jobs: int = 2) -> None:
    """The default config's ``auto`` against a 28-candidate GridSearchCV."""
    from predict import load_config

    table = simulate_cohort(n, seed=seed)
    cohort = read_cohort(table)
    y = cohort.data["response"].to_numpy()
    shipped = load_config(Path(__file__).parents[1] / "configs" / "default.yaml")
    evaluation = {"n_bootstrap": 0, "n_permutations": 0}
    config = shipped.model_copy(
        update={
            "evaluation": shipped.evaluation.model_copy(update=evaluation),
            "seed": seed,
        }
    )
    start = time.perf_counter()
    result = train(config, cohort, n_jobs=n_jobs, progress=False)
    auto_time = time.perf_counter() - start
    families = [c for c in result.fold_metrics if c.startswith("weight_")]
    weights = result.fold_metrics[families].mean().round(2).to_dict()

    features = make_features(result.features.used)
    pipeline = Pipeline(
        [
            ("features", features),
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("model", LogisticRegression()),
        ]
    )
    inner = StratifiedKFold(5, shuffle=True, random_state=seed)
    outer = StratifiedKFold(5, shuffle=True, random_state=seed)
    grid = GridSearchCV(pipeline, AUTO_GRID, cv=inner, scoring="roc_auc", n_jobs=n_jobs)
    start = time.perf_counter()
    aucs = cross_val_score(grid, cohort.data, y, cv=outer, scoring="roc_auc")
    grid_time = time.perf_counter() - start
    print(f"machine: {machine()}")
    print(f"n = {n}, 5 outer x 5 inner folds, 28 candidates per outer fold")
    print(f"{'method':<44}{'AUC':>8}{'seconds':>10}")
    print(
        f"{'rtms-predict auto (3 families, stacked)':<44}"
        f"{result.metrics.loc['auc', 'value']:>8.3f}{auto_time:>10.1f}"
    )
    print(
        f"{'GridSearchCV (28) in cross_val_score':<44}{np.mean(aucs):>8.3f}"
        f"{grid_time:>10.1f}"
    )
    print(f"mean stack weights over outer folds: {weights}")


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
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["auto", "xgboost"], default="auto")
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    (auto if args.model == "auto" else main)(args.n, n_jobs=args.n_jobs)
