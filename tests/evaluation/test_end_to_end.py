"""End to end on the package's synthetic cohort (slow: run by `make test`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sklearn.metrics import roc_auc_score

from predict import load_config, read_cohort, simulate_cohort, train

CONFIGS = Path(__file__).parents[2] / "configs"


def _quick(name: str):
    """A shipped config as is, without the permutation test (not measured here)."""
    config = load_config(CONFIGS / f"{name}.yaml")
    evaluation = config.evaluation.model_copy(update={"n_permutations": 0})
    return config.model_copy(update={"evaluation": evaluation})


@pytest.mark.slow
def test_default_config_near_the_oracle_and_above_clinical_only():
    table, truth = simulate_cohort(600, seed=0, return_truth=True)
    cohort = read_cohort(table)
    oracle = roc_auc_score(cohort.data["response"], truth.loc[cohort.patient_ids])
    default = train(_quick("default"), cohort, n_jobs=2)
    clinical = train(_quick("clinical_only"), cohort, n_jobs=2)
    auc = default.metrics.loc["auc", "value"]
    assert oracle - 0.06 <= auc <= oracle
    assert clinical.metrics.loc["auc", "value"] < auc
