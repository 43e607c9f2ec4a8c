"""Tests of the cohort simulator: contract, rates, oracle, effects, missingness."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from predict.cohort import _simulate
from predict.cohort._contract import (
    CATEGORIES,
    COLUMNS,
    OUTCOME_COLUMNS,
    spec_for,
)
from predict.cohort._simulate import simulate_cohort
from tests.cohort.conftest import SEEDS, derived_response

INFORMATIVE = (
    "tep_n100_amp_uv",
    "emg_sici_ratio",
    "bdnf_serum_ng_ml",
    "fc_sgacc_dlpfc_z",
)
NOISE = ("tep_p180_amp_uv", "emg_rmt_pct_mso", "emg_csp_ms", "eeg_alpha_asym")
HIGH_FREQUENCY = ("10Hz", "iTBS", "dTMS")
WHOLE_NUMBER_COLUMNS = ("n_prior_treatments", "baseline_hamd17", "endpoint_hamd17")
MARKER_PREFIXES = ("tep_", "emg_", "eeg_", "fc_", "bdnf_")


@pytest.fixture(scope="module")
def complete() -> pd.DataFrame:
    return simulate_cohort(2000, seed=0, missing=False)


seed_params = [pytest.param(s, id=f"seed{s}") for s in SEEDS]


# --- determinism ------------------------------------------------------------


def test_same_seed_gives_identical_table_and_truth():
    table_a, truth_a = simulate_cohort(300, seed=7, return_truth=True)
    table_b, truth_b = simulate_cohort(300, seed=7, return_truth=True)
    pd.testing.assert_frame_equal(table_a, table_b)
    pd.testing.assert_series_equal(truth_a, truth_b)


def test_truth_does_not_change_the_table():
    table, _ = simulate_cohort(300, seed=7, return_truth=True)
    pd.testing.assert_frame_equal(table, simulate_cohort(300, seed=7))


def test_different_seeds_give_different_tables():
    table_a = simulate_cohort(300, seed=1)
    table_b = simulate_cohort(300, seed=2)
    assert not table_a.equals(table_b)
    assert (table_a["endpoint_hamd17"] != table_b["endpoint_hamd17"]).any()
    assert not np.allclose(table_a["emg_rmt_pct_mso"], table_b["emg_rmt_pct_mso"])


def test_missing_false_keeps_the_values_of_missing_true():
    with_gaps = simulate_cohort(400, seed=3)
    full = simulate_cohort(400, seed=3, missing=False)
    assert with_gaps.isna().any().any()
    pd.testing.assert_frame_equal(with_gaps, full.where(with_gaps.notna()))


# --- contract -----------------------------------------------------------------


def test_columns_are_contract_names_in_contract_order(complete):
    columns = list(complete.columns)
    assert all(c in COLUMNS for c in columns), set(columns) - set(COLUMNS)
    assert columns == [c for c in COLUMNS if c in columns]
    assert {"patient_id", "site", "baseline_hamd17", "endpoint_hamd17"} <= set(columns)
    markers = [c for c in columns if c.startswith(MARKER_PREFIXES)]
    assert len(markers) == 18
    assert isinstance(complete.index, pd.RangeIndex)


def test_table_holds_no_outcome_or_truth_column(large):
    table, truth = large[0]
    assert not set(OUTCOME_COLUMNS) & set(table.columns)
    assert "p_response" not in table.columns
    numeric = table.select_dtypes("number")
    for column in numeric:
        values = numeric[column].to_numpy(dtype=float)
        assert not np.allclose(values, truth.to_numpy(), equal_nan=True), column


@pytest.mark.parametrize(
    ("n", "first", "last"),
    [
        pytest.param(10, "P01", "P10", id="n10"),
        pytest.param(999, "P001", "P999", id="n999"),
        pytest.param(1000, "P0001", "P1000", id="n1000"),
    ],
)
def test_patient_ids_are_unique_and_zero_padded(n, first, last):
    ids = simulate_cohort(n, seed=0)["patient_id"]
    assert ids.is_unique
    assert (ids.iloc[0], ids.iloc[-1]) == (first, last)


@pytest.mark.parametrize(
    "missing", [pytest.param(True, id="missing"), pytest.param(False, id="complete")]
)
def test_values_within_contract_ranges_and_categories(missing):
    table = simulate_cohort(2000, seed=4, missing=missing)
    for column in table.columns:
        spec = spec_for(column)
        assert spec is not None, column
        values = table[column].dropna()
        if spec.kind in {"numeric", "integer"}:
            if spec.low is not None:
                assert values.min() >= spec.low, column
            if spec.high is not None:
                assert values.max() <= spec.high, column
        elif spec.kind == "category":
            assert set(values) <= set(CATEGORIES[column]), column
    for column in WHOLE_NUMBER_COLUMNS:
        values = table[column].dropna().to_numpy(dtype=float)
        np.testing.assert_array_equal(values, np.round(values))
    assert set(table["site"]) == {"site-A", "site-B", "site-C", "site-D"}


# --- outcome rates ----------------------------------------------------------


@pytest.mark.parametrize("seed", seed_params)
def test_response_remission_and_baseline_match_the_literature(large, seed):
    table, _ = large[seed]
    response = derived_response(table)
    remission = table["endpoint_hamd17"] <= 7
    assert 0.40 <= response.mean() <= 0.50
    assert 0.22 <= remission.mean() <= 0.36
    assert not (remission & (response == 0)).any()
    assert table["baseline_hamd17"].min() >= 18
    assert 22.5 <= table["baseline_hamd17"].mean() <= 24.5


@pytest.mark.parametrize("seed", seed_params)
def test_improvement_is_bimodal_with_a_dip_below_fifty_percent(large, seed):
    table, _ = large[seed]
    base, end = table["baseline_hamd17"], table["endpoint_hamd17"]
    improvement = 100 * (base - end) / base
    edges = np.arange(-40, 105, 5)
    density, _ = np.histogram(improvement, bins=edges, density=True)
    left = edges[:-1]
    non_responder_mode = density[left < 35].max()
    responder_mode = density[left >= 50].max()
    dip = density[(left >= 35) & (left < 50)].mean()
    assert dip < 0.6 * non_responder_mode
    assert dip < 0.6 * responder_mode
    assert 10 <= left[np.argmax(np.where(left < 35, density, 0))] < 35
    assert 50 <= left[np.argmax(np.where(left >= 50, density, 0))] < 70


# --- marker effects and moderators -------------------------------------------


def point_biserial(table: pd.DataFrame, column: str) -> float:
    return float(table[column].corr(derived_response(table)))


@pytest.mark.parametrize("seed", seed_params)
@pytest.mark.parametrize("column", INFORMATIVE)
def test_informative_markers_have_weak_effects(large, seed, column):
    table, _ = large[seed]
    assert 0.05 <= abs(point_biserial(table, column)) <= 0.35


@pytest.mark.parametrize("seed", seed_params)
@pytest.mark.parametrize("column", NOISE)
def test_noise_markers_carry_no_signal(large, seed, column):
    table, _ = large[seed]
    assert abs(point_biserial(table, column)) < 0.08


@pytest.mark.parametrize("seed", seed_params)
def test_alpha_frequency_distance_lowers_response_under_10hz(large, seed):
    table, _ = large[seed]
    table = table.assign(response=derived_response(table))
    ten = table[(table["protocol"] == "10Hz") & table["eeg_iaf_hz"].notna()]
    distance = (ten["eeg_iaf_hz"] - 10).abs()
    low, high = distance.quantile([1 / 3, 2 / 3])
    near = ten.loc[distance <= low, "response"].mean()
    far = ten.loc[distance >= high, "response"].mean()
    assert near - far > 0.03


@pytest.mark.parametrize("seed", seed_params)
def test_met_carriers_respond_less_to_high_frequency(large, seed):
    table, _ = large[seed]
    table = table.assign(response=derived_response(table))
    hf = table[table["protocol"].isin(HIGH_FREQUENCY)]
    val_val = hf.loc[hf["bdnf_val66met"] == "Val/Val", "response"].mean()
    carriers = hf["bdnf_val66met"].isin(["Val/Met", "Met/Met"])
    assert val_val - hf.loc[carriers, "response"].mean() > 0.02


# --- sites and missingness ----------------------------------------------------


@pytest.mark.parametrize("seed", seed_params)
@pytest.mark.parametrize(
    "column",
    ["tep_n100_amp_uv", "emg_rmt_pct_mso", "eeg_theta_frontal_rel", "bdnf_serum_ng_ml"],
)
def test_sites_shift_marker_means(large, seed, column):
    table, _ = large[seed]
    groups = [g.dropna() for _, g in table.groupby("site")[column]]
    groups = [g for g in groups if len(g)]
    assert len(groups) >= 3
    assert stats.f_oneway(*groups).pvalue < 1e-3


@pytest.mark.parametrize("seed", seed_params)
def test_sites_differ_in_response_rate(large, seed):
    table, _ = large[seed]
    counts = pd.crosstab(table["site"], derived_response(table))
    assert stats.chi2_contingency(counts).pvalue < 0.01


def test_one_site_has_no_tms_eeg(large):
    table, _ = large[0]
    tep = [c for c in table.columns if c.startswith("tep_")]
    all_missing = table[tep].isna().all(axis=1).groupby(table["site"]).all()
    assert list(all_missing[all_missing].index) == ["site-D"]
    assert table.loc[table["site"] != "site-D", tep].notna().any().all()


def test_missingness_rates_and_protected_columns(large):
    table, _ = large[0]
    for prefix, low, high in [("emg_", 0.10, 0.20), ("fc_", 0.15, 0.25)]:
        columns = [c for c in table.columns if c.startswith(prefix)]
        rate = table[columns].isna().all(axis=1).mean()
        assert low <= rate <= high, prefix
    eeg = table[["eeg_iaf_hz", "eeg_alpha_asym"]].isna().all(axis=1).mean()
    assert 0.01 <= eeg <= 0.08
    assert 0 < table["age"].isna().mean() < 0.05
    protected = ["patient_id", "site", "protocol", "baseline_hamd17", "endpoint_hamd17"]
    assert table[protected].notna().all().all()


def test_complete_cohort_has_no_missing_value(complete):
    assert int(complete.isna().sum().sum()) == 0


def test_single_site_keeps_tms_eeg():
    table = simulate_cohort(200, seed=0, n_sites=1)
    assert set(table["site"]) == {"site-A"}
    assert table["tep_n100_amp_uv"].notna().mean() > 0.8


# --- arguments ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param(
            {"n": 3},
            r"The 'n' parameter of simulate_cohort must be an int in the range "
            r"\[10, inf\)\. Got 3 instead\.",
            id="n-too-small",
        ),
        pytest.param({"n": 100.0}, r"'n' .* Got 100\.0 instead", id="n-float"),
        pytest.param({"n": True}, r"'n' .* Got True instead", id="n-bool"),
        pytest.param(
            {"n_sites": 0},
            r"'n_sites' .* int in the range \[1, 26\]\. Got 0 instead",
            id="n-sites-zero",
        ),
        pytest.param({"n_sites": 27}, r"'n_sites' .* Got 27 instead", id="n-sites-27"),
        pytest.param(
            {"seed": "a"},
            r"'seed' .* int in the range \[0, inf\) or None\. Got 'a' instead",
            id="seed-str",
        ),
        pytest.param({"seed": 1.5}, r"'seed' .* Got 1\.5 instead", id="seed-float"),
        pytest.param({"seed": -1}, r"'seed' .* Got -1 instead", id="seed-negative"),
        pytest.param(
            {"missing": "yes"},
            r"'missing' .* instance of 'bool'\. Got 'yes' instead",
            id="missing-str",
        ),
        pytest.param(
            {"return_truth": 1}, r"'return_truth' .* 'bool'", id="return-truth-int"
        ),
    ],
)
def test_invalid_arguments_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate_cohort(**kwargs)


def test_numpy_integers_are_accepted():
    table = simulate_cohort(np.int64(20), seed=np.int64(1), n_sites=np.int64(2))
    assert len(table) == 20


def test_docstring_examples_run():
    result = doctest.testmod(_simulate, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
