"""``model: auto`` reports an honest AUC on a cohort the package did not generate.

The ``thresholds`` generator (an AND of two markers and a U-shape, 15-25 %
missing markers) is not the package's simulator, so nothing in ``auto`` was
tuned to its truth. The nested-CV AUC that ``train`` reports must match the AUC
of its final model on 2000 unseen patients.
"""

from __future__ import annotations

import pytest
from sklearn.metrics import roc_auc_score

from predict import read_cohort, train
from predict.config import ExperimentConfig
from tests.generators import thresholds

MODEL = "auto"
N_TRAIN, N_TEST, SEED = 600, 2000, 0


@pytest.mark.slow
def test_nested_cv_auc_matches_unseen_patients():
    cohort = read_cohort(thresholds.make(N_TRAIN, SEED)[0])
    config = ExperimentConfig(
        features="auto",
        model={"name": MODEL},
        cv={"outer": {"scheme": "stratified", "n_splits": 5}, "inner": {"n_splits": 5}},
        tuning={"n_trials": 10, "pruning": True},
        evaluation={"n_bootstrap": 1000, "n_permutations": 0},
        seed=SEED,
    )
    result = train(config, cohort, n_jobs=2, progress=False)
    test = read_cohort(thresholds.make(N_TEST, SEED + 1)[0]).data
    p = result.final_model.predict_proba(test)[:, 1]
    unseen = roc_auc_score(test["response"].to_numpy(dtype=int), p)
    reported = result.metrics.loc["auc"]
    assert abs(reported["value"] - unseen) <= 0.03, (reported["value"], unseen)
    assert reported["ci_low"] <= unseen <= reported["ci_high"], (reported, unseen)
