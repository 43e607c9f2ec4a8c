"""Paired differences between configs on the same outer folds."""

from __future__ import annotations

import pytest

from predict import train
from predict.evaluation import compare_results, paired_difference
from tests.evaluation.conftest import fast_config


@pytest.fixture(scope="module")
def pair(cohort_150):
    clinical = train(fast_config(features={"clinical": {}}), cohort_150)
    everything = train(fast_config(), cohort_150)
    return clinical, everything


def test_difference_with_itself_is_zero(pair):
    clinical, _ = pair
    assert paired_difference(clinical, clinical, n_bootstrap=50) == (0.0, 0.0, 0.0)


def test_compare_table(pair):
    clinical, everything = pair
    table = compare_results(
        {"clinical": clinical, "all": everything}, "clinical", n_bootstrap=100
    )
    expected = (
        everything.metrics.loc["auc", "value"] - clinical.metrics.loc["auc", "value"]
    )
    assert table.loc["all", "diff"] == pytest.approx(expected, abs=0.02)
    assert (
        table.loc["all", "diff_ci_low"]
        <= table.loc["all", "diff"]
        <= table.loc["all", "diff_ci_high"]
    )
    assert table.loc["clinical", "diff"] == 0.0
    # same outer folds: per-fold differences are paired fold by fold
    assert (clinical.fold_metrics["n_test"] == everything.fold_metrics["n_test"]).all()
