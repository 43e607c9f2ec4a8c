"""Model families on cohorts the package did not generate: unseen-patient AUC.

For each generator (the three of ``tests/generators`` and the package's own
simulator) and each seed, every model trains with ``predict.train`` on
``--n-train`` patients (``features: auto``, the default config's cross-
validation and tuning) and scores 2000 unseen patients of another seed with
its final model, as the package scores new patients. Two scikit-learn
baselines fit on the table's raw columns (no package features):
``LogisticRegressionCV`` and ``HistGradientBoostingClassifier()``, both after
median imputation, standard scaling and one-hot encoding. The oracle AUC is
the generator's true probability against the drawn outcome of the test set.

Prints a markdown table (mean test AUC ± SD over seeds, mean calibration
slope, oracle AUC) and, per generator, auto minus the best single family and
auto minus the better baseline.

    .venv/bin/python benchmarks/bench_model_families.py --quick --seeds 1 \
        --models elastic_net,xgboost --generators linear_madrs
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.generators

from predict import read_cohort, simulate_cohort, train  # noqa: E402
from predict.config import ExperimentConfig, load_config  # noqa: E402
from predict.config._schema import ModelConfig  # noqa: E402
from predict.evaluation._metrics import calibration_intercept_slope  # noqa: E402
from predict.models import ENSEMBLES  # noqa: E402

MODELS = [
    "auto",
    "select",
    "elastic_net",
    "spline_logistic",
    "hist_gradient_boosting",
    "xgboost",
]
#: Model names that pick among families rather than being one.
META_MODELS = ("auto", "select")
BASELINES = ("sk_logreg_cv", "sk_hist_gb")
GENERATORS = ("linear_madrs", "thresholds", "protocol_effects", "simulator")
N_TEST = 2000
TEST_SEED_OFFSET = 10_000
EXCLUDED = ("site", "response", "remission", "pct_change")
Make = Callable[[int, int], tuple[pd.DataFrame, "np.ndarray | None"]]


def _simulator(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    table, truth = simulate_cohort(n, seed=seed, return_truth=True)
    return table, truth.reindex(table["patient_id"]).to_numpy()


def generator(name: str) -> Make:
    """Return ``make(n, seed) -> (table, true probability)`` of a generator."""
    if name == "simulator":
        return _simulator
    import importlib

    return importlib.import_module(f"tests.generators.{name}").make


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))


def _baseline(
    name: str, train_data: pd.DataFrame, test_data: pd.DataFrame
) -> np.ndarray:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    drop = [c for c in train_data if c in EXCLUDED or c.startswith("endpoint_")]
    x = train_data.drop(columns=drop).dropna(axis=1, how="all")
    numeric = x.select_dtypes("number").columns.tolist()
    categorical = [c for c in x if c not in numeric]
    prep = ColumnTransformer(
        [
            (
                "num",
                make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                numeric,
            ),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                categorical,
            ),
        ]
    )
    if name == "sk_logreg_cv":
        model = LogisticRegressionCV(
            l1_ratios=(0.0,),
            scoring="neg_log_loss",
            max_iter=5000,
            use_legacy_attributes=False,
        )
    else:
        model = HistGradientBoostingClassifier()
    pipe = make_pipeline(prep, model)
    pipe.fit(x, train_data["response"].to_numpy(dtype=int))
    return pipe.predict_proba(test_data[x.columns])[:, 1]


def run_one(
    gen: str, seed: int, models: list[str], n_train: int, base: ExperimentConfig
) -> list[dict[str, object]]:
    """Train every model on one generator and seed; score the unseen patients."""
    make = generator(gen)
    train_table, _ = make(n_train, seed)
    test_table, truth = make(N_TEST, seed + TEST_SEED_OFFSET)
    cohort = read_cohort(train_table)
    test = read_cohort(test_table).data
    p_true = pd.Series(truth, index=test_table["patient_id"].to_numpy())
    known = test["response"].notna()
    y = test.loc[known, "response"].to_numpy(dtype=int)
    oracle = _auc(y, p_true.reindex(test.index[known]).to_numpy())
    rows = []
    for name in [*models, *BASELINES]:
        start = time.perf_counter()
        if name in BASELINES:
            p = _baseline(name, cohort.data[cohort.data["response"].notna()], test)
        else:
            if name in META_MODELS:  # the default config's candidates and trials
                model = base.model.model_copy(update={"name": name})
            else:  # a family alone, with the trials auto gives it
                candidate = base.model.candidates.get(name)
                n_trials = (candidate.n_trials if candidate else None) or min(
                    base.tuning.n_trials, 12
                )
                model = ModelConfig(name=name)
            config = ExperimentConfig(
                features="auto",
                model=model,
                cv=base.cv,
                tuning=base.tuning
                if name in META_MODELS
                else base.tuning.model_copy(update={"n_trials": n_trials}),
                evaluation={"n_bootstrap": 0, "n_permutations": 0},
                seed=seed,
            )
            result = train(config, cohort, n_jobs=1, progress=False)
            p = result.final_model.predict_proba(test)[:, 1]
        p = np.asarray(p)[known.to_numpy()]
        rows.append(
            {
                "generator": gen,
                "seed": seed,
                "model": name,
                "auc": _auc(y, p),
                "slope": calibration_intercept_slope(y, p)[1],
                "oracle": oracle,
                "seconds": time.perf_counter() - start,
            }
        )
    return rows


def _pm(values: pd.Series) -> str:
    sd = values.std(ddof=1) if len(values) > 1 else float("nan")
    return (
        f"{values.mean():.3f} ± {sd:.3f}" if np.isfinite(sd) else f"{values.mean():.3f}"
    )


def report(frame: pd.DataFrame, header: str) -> str:
    """Return the markdown table and the per-generator summary lines."""
    lines = [
        header,
        "",
        "| generator | model | test AUC (± SD) | calibration slope | oracle AUC "
        "| s/run |",
    ]
    lines.append("|---|---|---|---|---|---|")
    summary = []
    for gen, by_gen in frame.groupby("generator", sort=False):
        means = by_gen.groupby("model", sort=False)["auc"].mean()
        for model, rows in by_gen.groupby("model", sort=False):
            oracle = rows["oracle"].mean()
            shown = "" if np.isnan(oracle) else f"{oracle:.3f}"
            lines.append(
                f"| {gen} | {model} | {_pm(rows['auc'])} | "
                f"{rows['slope'].mean():.2f} | {shown} | {rows['seconds'].mean():.0f} |"
            )
        families = means.drop([*META_MODELS, *BASELINES], errors="ignore")
        baselines = means.reindex(list(BASELINES))
        if "auto" in means and len(families):
            best = families.idxmax()
            text = f"auto - best family ({best}): {means['auto'] - families.max():+.3f}"
        else:
            text = "auto - best family: n/a (auto or no single family run)"
        if "auto" in means:
            text += f"; auto - better baseline: {means['auto'] - baselines.max():+.3f}"
        else:
            text += "; auto - better baseline: n/a"
        summary.append(f"- **{gen}**: {text}")
    return "\n".join([*lines, "", *summary, ""])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=600)
    parser.add_argument(
        "--seeds", type=int, default=3, help="number of seeds (0, 1, ...)"
    )
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--generators", default=",".join(GENERATORS))
    parser.add_argument(
        "--quick", action="store_true", help="3 tuning trials, 3 inner folds"
    )
    parser.add_argument(
        "--out", type=Path, help="also write the table to this .md file"
    )
    parser.add_argument("--n-jobs", type=int, default=2, choices=(1, 2))
    args = parser.parse_args(argv)
    if not 400 <= args.n_train <= 1000:
        parser.error(f"--n-train must be in 400-1000, got {args.n_train}")
    models = [m for m in args.models.split(",") if m]
    gens = [g for g in args.generators.split(",") if g]
    from predict.models import list_models

    missing = [m for m in models if m not in [*list_models(), *ENSEMBLES]]
    if missing:
        sys.exit(
            f"model(s) {', '.join(missing)} not registered in predict.models "
            f"(registered: {', '.join(list_models())}); pass --models with those only"
        )
    unknown = [g for g in gens if g not in GENERATORS]
    if unknown:
        parser.error(f"unknown generator(s) {unknown}; valid: {', '.join(GENERATORS)}")
    base = load_config(ROOT / "configs" / "default.yaml")
    # Only the final models are scored here: two outer folds keep the (unused)
    # nested estimate cheap; the inner folds, which tune, stay as shipped.
    outer = base.cv.outer.model_copy(update={"n_splits": 2})
    base = base.model_copy(update={"cv": base.cv.model_copy(update={"outer": outer})})
    if args.quick:
        base = base.model_copy(
            update={
                "tuning": base.tuning.model_copy(update={"n_trials": 3}),
                "model": ModelConfig.model_validate(
                    {
                        **base.model.model_dump(),
                        "candidates": {
                            f: {"n_trials": 3} for f in base.model.candidates
                        },
                    }
                ),
                "cv": base.cv.model_copy(
                    update={"inner": base.cv.inner.model_copy(update={"n_splits": 3})}
                ),
            }
        )
    from joblib import Parallel, delayed

    start = time.perf_counter()
    jobs = [(g, s) for g in gens for s in range(args.seeds)]
    results = Parallel(n_jobs=min(args.n_jobs, len(jobs)))(
        delayed(run_one)(g, s, models, args.n_train, base) for g, s in jobs
    )
    frame = pd.DataFrame([row for rows in results for row in rows])
    header = (
        f"n_train={args.n_train}, n_test={N_TEST}, seeds={args.seeds}, "
        f"trials={base.tuning.n_trials}, outer={base.cv.outer.n_splits}, "
        f"inner={base.cv.inner.n_splits}; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"{time.perf_counter() - start:.0f} s wall"
    )
    text = report(frame, header)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
