"""The test-cohort generators: contract-valid, seeded, with sane known truths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from predict import read_cohort
from tests.generators import linear_madrs, protocol_effects, thresholds

GENERATORS = [
    pytest.param(linear_madrs.make, id="linear_madrs"),
    pytest.param(thresholds.make, id="thresholds"),
    pytest.param(protocol_effects.make, id="protocol_effects"),
]


@pytest.mark.parametrize("make", GENERATORS)
def test_passes_the_contract_with_a_plausible_truth(make):
    table, p = make(600, 3)
    cohort = read_cohort(table)
    assert len(cohort) == 600
    assert p.shape == (600,)
    assert ((p > 0) & (p < 1)).all()
    response = cohort.data["response"]
    assert response.notna().all()
    assert 0.25 <= response.mean() <= 0.65


@pytest.mark.parametrize("make", GENERATORS)
def test_same_seed_same_cohort_other_seed_other_cohort(make):
    table, p = make(200, 7)
    again, p_again = make(200, 7)
    other, p_other = make(200, 8)
    pd.testing.assert_frame_equal(table, again)
    np.testing.assert_array_equal(p, p_again)
    assert not np.allclose(p, p_other)


@pytest.mark.parametrize("make", GENERATORS)
def test_oracle_auc_is_in_a_sane_range(make):
    # Measured at seed 0, n=4000: 0.71 (linear_madrs), 0.76 (thresholds),
    # 0.74 (protocol_effects).
    table, p = make(4000, 0)
    y = read_cohort(table).data["response"].to_numpy()
    assert 0.65 <= roc_auc_score(y, p) <= 0.82


def test_the_drawn_outcome_follows_the_truth():
    # Calibrated truth: the observed rate tracks the mean true probability.
    for make in (linear_madrs.make, thresholds.make, protocol_effects.make):
        table, p = make(4000, 1)
        y = read_cohort(table).data["response"].to_numpy()
        assert abs(y.mean() - p.mean()) < 0.03


def test_the_generators_differ_in_design():
    tables = [
        make(300, 0)[0]
        for make in (linear_madrs.make, thresholds.make, protocol_effects.make)
    ]
    scales = [read_cohort(t).primary_scale for t in tables]
    assert scales == ["madrs", "hamd17", "hamd17"]
    assert [t["protocol"].nunique() for t in tables] == [2, 3, 4]
    # protocol_effects: site C has no TMS-EEG at all, the others have some.
    pe = tables[2]
    tep = pe.filter(like="tep_").notna().any(axis=1)
    assert not tep[pe["site"] == "C"].any()
    assert tep[pe["site"] != "C"].mean() > 0.9
    # thresholds: 15-25 % of each marker missing.
    missing = tables[1].filter(regex="^(emg_|bdnf_|fc_|tep_)").isna().mean()
    assert missing.between(0.1, 0.3).all()
