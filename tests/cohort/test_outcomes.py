"""Outcome derivation as the contract states it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from predict import read_cohort
from predict.exceptions import CohortError


def test_response_remission_pct_change_hand_computed(minimal_table):
    cohort = read_cohort(minimal_table)
    data = cohort.data
    # baseline 24 -> 12 is exactly 50 %: a responder; 20 -> 15 is not.
    assert data["response"].tolist() == [1.0, 0.0, 1.0, 0.0, 1.0]
    # HAMD-17 remission is an endpoint <= 7.
    assert data["remission"].tolist() == [0.0, 0.0, 1.0, 0.0, 0.0]
    expected = [-50.0, -25.0, -80.0, 100 * (10 - 18) / 18, 100 * (11 - 22) / 22]
    np.testing.assert_allclose(data["pct_change"], expected)
    assert cohort.primary_scale == "hamd17"
    assert cohort.outcome_columns == ("response", "remission", "pct_change")


def test_madrs_used_when_hamd_absent():
    table = pd.DataFrame(
        {
            "patient_id": ["a", "b", "c"],
            "baseline_madrs": [30, 30, 40],
            "endpoint_madrs": [10, 16, 11],
        }
    )
    cohort = read_cohort(table)
    assert cohort.primary_scale == "madrs"
    assert cohort.data["response"].tolist() == [1.0, 0.0, 1.0]
    # MADRS remission is <= 10, so 10 remits and 11 does not.
    assert cohort.data["remission"].tolist() == [1.0, 0.0, 0.0]


def test_hamd_is_primary_when_both_present_unless_requested():
    table = pd.DataFrame(
        {
            "patient_id": ["a", "b"],
            "baseline_hamd17": [20, 20],
            "endpoint_hamd17": [10, 11],
            "baseline_madrs": [30, 30],
            "endpoint_madrs": [16, 15],
        }
    )
    assert read_cohort(table).data["response"].tolist() == [1.0, 0.0]
    madrs = read_cohort(table, primary_scale="madrs")
    assert madrs.primary_scale == "madrs"
    assert madrs.data["response"].tolist() == [0.0, 1.0]


def test_unknown_primary_scale_suggests():
    table = pd.DataFrame({"patient_id": ["a"], "baseline_hamd17": [20]})
    with pytest.raises(CohortError, match="Did you mean 'madrs'"):
        read_cohort(table, primary_scale="mards")


def test_explicit_outcomes_kept_where_scores_missing():
    table = pd.DataFrame(
        {
            "patient_id": ["a", "b", "c"],
            "baseline_hamd17": [20, 20, 25],
            "endpoint_hamd17": [8, None, None],
            "response": [1, 0, 1],
        }
    )
    data = read_cohort(table).data
    assert data["response"].tolist() == [1.0, 0.0, 1.0]
    assert np.isnan(data.loc["b", "pct_change"])


def test_no_scales_means_no_outcomes():
    cohort = read_cohort(pd.DataFrame({"patient_id": ["a", "b"], "age": [30, 40]}))
    assert cohort.primary_scale is None
    assert cohort.outcome_columns == ()
    assert "response" not in cohort.data
