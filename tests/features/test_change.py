"""Change and early-improvement builders, on visits the package did not make."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from predict import read_cohort
from predict.config import ExperimentConfig
from predict.exceptions import ConfigError
from predict.features import (
    ChangeFeatures,
    EarlyImprovementFeatures,
    build_features,
    get_builder,
)
from tests.cohort._visit_generator import generate


@pytest.fixture(scope="module")
def cohort():
    baseline, visits = generate(200, seed=4)
    return read_cohort(baseline, visits=visits)


def _config(**features):
    return ExperimentConfig(features=features, predict_at={"visit": "ses-d10"})


def test_change_features_per_unit(cohort):
    X = build_features(_config(change={}), cohort)
    names = set(X.columns)
    assert {
        "change__emg_sici_ratio__delta",
        "change__emg_sici_ratio__log_ratio",
        "change__emg_sici_ratio__slope_per_week",
        "change__emg_sici_ratio__day",
        "change__eeg_iaf_hz__delta",
        "change__tms_emg_present",
        "change__rest_eeg_present",
        "change__present",
    } <= names
    assert "change__eeg_iaf_hz__log_ratio" not in names  # Hz: differences only
    assert not any("madrs" in n for n in names)  # scales are early_improvement's
    at = cohort.at(visit="ses-d10").data
    expected = np.log(at["visit__emg_sici_ratio__last"] / at["emg_sici_ratio"])
    np.testing.assert_allclose(X["change__emg_sici_ratio__log_ratio"], expected)
    assert (X["change__emg_sici_ratio__day"] == 10).all()  # ses-d21 is later


def test_change_selects_the_listed_markers(cohort):
    X = build_features(
        _config(change={"markers": ["eeg_iaf_hz"], "ratios": False}), cohort
    )
    assert [c for c in X.columns if "__" in c[8:]] == [
        "change__eeg_iaf_hz__delta",
        "change__eeg_iaf_hz__slope_per_week",
        "change__eeg_iaf_hz__day",
    ]


def test_change_rejects_a_non_marker():
    with pytest.raises(
        ValueError,
        match=r"'markers' parameter of ChangeFeatures "
        r"names \['age'\], which are not marker columns",
    ):
        ChangeFeatures(markers=["age"]).fit(pd.DataFrame({"visit__age__last": [1.0]}))


def test_early_improvement_on_the_primary_scale(cohort):
    X = build_features(_config(early_improvement={"threshold": 25}), cohort)
    at = cohort.at(visit="ses-d10").data
    pct = 100 * (at["visit__madrs__last"] - at["baseline_madrs"]) / at["baseline_madrs"]
    np.testing.assert_allclose(X["early_improvement__pct_change"], pct)
    np.testing.assert_array_equal(X["early_improvement__improved"], (pct <= -25) * 1.0)
    assert X["early_improvement__present"].eq(1).all()


def test_visit_features_carry_the_generators_signal(cohort):
    """Only the SICI drop predicts response here: change features must find it."""
    y = cohort.data["response"].to_numpy()
    model = make_pipeline(StandardScaler(), LogisticRegression())
    at_visit = build_features(_config(change={"markers": ["emg_sici_ratio"]}), cohort)
    baseline = build_features(
        ExperimentConfig(features={"tms_emg": {}, "rest_eeg": {}}), cohort
    )
    auc_change = cross_val_score(model, at_visit.fillna(0), y, scoring="roc_auc").mean()
    auc_base = cross_val_score(model, baseline.fillna(0), y, scoring="roc_auc").mean()
    assert auc_change > 0.75
    assert auc_base < 0.65


def test_missing_visits_are_missing_features(cohort):
    baseline, visits = generate(40, seed=5)
    partial = visits[~visits["participant_id"].isin(["sub-001", "sub-002"])]
    X = build_features(
        _config(change={}, early_improvement={}), read_cohort(baseline, visits=partial)
    )
    assert X.loc["sub-001", "change__present"] == 0
    assert np.isnan(X.loc["sub-001", "change__emg_sici_ratio__delta"])
    assert np.isnan(X.loc["sub-002", "early_improvement__pct_change"])
    assert X.loc["sub-003", "change__present"] == 1


def test_registry_knows_the_builders():
    assert isinstance(get_builder("early_improvement"), EarlyImprovementFeatures)
    assert ChangeFeatures.reads_visits and EarlyImprovementFeatures.reads_visits
    with pytest.raises(
        ConfigError,
        match=r"Unknown option 'markerz'.*Did you mean "
        r"'markers'",
    ):
        get_builder("change", {"markerz": []})
