"""Tests of the simulator's truth: P(response | what the table shows)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from predict.cohort import _simulate
from predict.cohort._contract import MODALITY_PREFIXES
from predict.cohort._simulate import simulate_cohort
from predict.cohort._simulate_model import (
    LOGIT_TRAITS,
    MARKERS,
    draw_prior_treatments,
    met_carrier_quantile,
    prior_treatments_quantile,
)
from predict.cohort._simulate_truth import latent_covariances, oracle_probability
from tests.cohort.conftest import SEEDS, derived_response


@pytest.fixture(scope="module")
def huge() -> tuple[pd.DataFrame, pd.Series]:
    """One n=20000 cohort with its truth, for calibration and oracle checks."""
    return simulate_cohort(20000, seed=0, return_truth=True)


seed_params = [pytest.param(s, id=f"seed{s}") for s in SEEDS]

# --- truth (Bayes oracle) ---------------------------------------------------


@pytest.mark.parametrize("seed", seed_params)
def test_truth_is_a_probability_per_patient(large, seed):
    table, truth = large[seed]
    assert truth.name == "p_response"
    assert truth.index.name == "patient_id"
    assert truth.index.equals(pd.Index(table["patient_id"]))
    assert ((truth > 0) & (truth < 1)).all()
    assert abs(truth.mean() - derived_response(table).mean()) < 0.02


@pytest.mark.parametrize("seed", seed_params)
def test_oracle_auc_is_realistic(large, seed):
    table, truth = large[seed]
    auc = roc_auc_score(derived_response(table), truth.to_numpy())
    assert 0.65 <= auc <= 0.85


def test_truth_is_calibrated_by_decile(huge):
    # E[response | truth] = truth: the property of a conditional probability.
    table, truth = huge
    decile = pd.qcut(truth, 10, labels=False).to_numpy()
    observed = derived_response(table).groupby(decile).mean().to_numpy()
    expected = truth.groupby(decile).mean().to_numpy()
    np.testing.assert_allclose(observed, expected, atol=0.03)
    assert expected[-1] - expected[0] > 0.4


def oracle_features(table: pd.DataFrame) -> pd.DataFrame:
    """Features a well-specified model of the table would use."""
    protocol, site = table["protocol"], table["site"]
    genotype = table["bdnf_val66met"]
    carrier = (genotype != "Val/Val").astype(float).where(genotype.notna(), 0.44)
    columns = {
        "age": table["age"].fillna(43.0),
        "prior": table["n_prior_treatments"].fillna(2.5),
        "baseline": table["baseline_hamd17"],
        "met_hf": carrier * protocol.isin(["10Hz", "dTMS"]),
        "met_itbs": carrier * (protocol == "iTBS"),
        "iaf_10hz": (table["eeg_iaf_hz"] - 10).abs().fillna(0.8) * (protocol == "10Hz"),
    }
    for marker in MARKERS:
        value = table[marker.name]
        value = np.log(value) if marker.log else value
        by_site = value.groupby(site)
        z = (value - by_site.transform("mean")) / by_site.transform("std")
        columns[marker.name] = z.fillna(0.0)
        columns[f"{marker.name}_missing"] = value.isna().astype(float)
    dummies = pd.get_dummies(table[["site", "protocol"]], drop_first=True, dtype=float)
    return pd.concat([pd.DataFrame(columns), dummies], axis=1)


def test_a_model_of_the_table_nearly_reaches_but_does_not_beat_the_truth(huge):
    # The truth is the best prediction from the table: a logistic regression
    # fitted on half the cohort comes close to it on the other half (the
    # probability given latent values too would be ~0.05 AUC above it).
    table, truth = huge
    X, y = oracle_features(table), derived_response(table)
    train = np.arange(len(table)) < len(table) // 2
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    p_model = model.fit(X[train], y[train]).predict_proba(X[~train])[:, 1]
    p_true, y_test = truth.to_numpy()[~train], y[~train]
    auc_model, auc_true = roc_auc_score(y_test, p_model), roc_auc_score(y_test, p_true)
    assert auc_model - 0.005 <= auc_true <= auc_model + 0.02
    assert log_loss(y_test, p_true) < log_loss(y_test, p_model)


def test_truth_monte_carlo_error_is_small():
    # One site: no site shift, scale or intercept, so the oracle can be rerun
    # from the table alone with another stream and many more draws.
    table, truth = simulate_cohort(200, seed=5, n_sites=1, return_truth=True)
    site, no_shift = (
        np.zeros(200, dtype=int),
        {m: np.zeros(1) for m in MODALITY_PREFIXES},
    )
    scale = {m: np.ones(1) for m in MODALITY_PREFIXES}
    rng = np.random.default_rng(99)
    reference = oracle_probability(
        table, site, np.zeros(1), no_shift, scale, rng, n_draws=10000
    )
    assert np.abs(truth.to_numpy() - reference).max() < 0.005


def test_latent_covariances_match_the_generator():
    n, rng = 100_000, np.random.default_rng(0)
    plasticity = rng.standard_normal(n)
    no_shift = {m: np.zeros(1) for m in MODALITY_PREFIXES}
    scale = {m: np.ones(1) for m in MODALITY_PREFIXES}
    observed, trait = _simulate._markers(
        rng, plasticity, np.zeros(n, dtype=int), no_shift, scale
    )
    x = np.column_stack([plasticity, *(trait[name] for name in LOGIT_TRAITS)])
    w = np.column_stack([m.score(observed[m.name]) for m in MARKERS])
    centred = np.column_stack([x, w])
    centred -= centred.mean(axis=0)
    # einsum rather than np.cov: multithreaded BLAS can stall on small machines
    empirical = np.einsum("ni,nj->ij", centred, centred) / (n - 1)
    cov_x, cov_xw, cov_w = latent_covariances()
    k = x.shape[1]
    np.testing.assert_allclose(empirical[:k, :k], cov_x, atol=0.02)
    np.testing.assert_allclose(empirical[:k, k:], cov_xw, atol=0.02)
    np.testing.assert_allclose(empirical[k:, k:], cov_w, atol=0.02)


def test_blank_cell_quantiles_match_the_generator():
    u = (np.arange(200_000) + 0.5) / 200_000
    exact = np.bincount(prior_treatments_quantile(u).astype(int), minlength=21)
    drawn = draw_prior_treatments(np.random.default_rng(0), u.size).astype(int)
    np.testing.assert_allclose(
        exact / u.size, np.bincount(drawn, minlength=21) / u.size, atol=0.004
    )
    assert met_carrier_quantile(u).mean() == pytest.approx(1 - 0.75**2, abs=1e-4)


def test_truth_is_returned_only_on_request():
    assert isinstance(simulate_cohort(50, seed=0), pd.DataFrame)
    result = simulate_cohort(50, seed=0, return_truth=True)
    assert isinstance(result, tuple) and len(result) == 2
