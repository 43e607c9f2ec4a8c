"""ComBat: agreement with neuroCombat, covariates per patient, seen and unseen sites."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from predict import read_cohort, simulate_cohort
from predict.exceptions import ConfigError, HarmonizationWarning
from predict.harmonize import ComBat
from tests.harmonize._multisite import multisite_table

EMG = [
    "emg_rmt_pct_mso",
    "emg_mep_amp_mv",
    "emg_sici_ratio",
    "emg_icf_ratio",
    "emg_lici_ratio",
    "emg_csp_ms",
]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return read_cohort(multisite_table(300, seed=4)).data


@parametrize_with_checks([ComBat()])
def test_sklearn_compatible(estimator, check):
    # Arrays and tables without a 'site' column pass through unchanged.
    check(estimator)


def test_training_rows_match_neurocombat(data):
    from neuroCombat import neuroCombat

    combat = ComBat(modalities=["tms_emg"]).fit(data)
    out = combat.transform(data)
    covars = pd.DataFrame(combat._design(data), columns=["age", "sex", "baseline"])
    covars.insert(0, "batch", data["site"].astype(str).to_numpy())
    with contextlib.redirect_stdout(io.StringIO()):
        reference = neuroCombat(
            data[EMG].to_numpy(float).T,
            covars,
            "batch",
            continuous_cols=["age", "sex", "baseline"],
        )["data"].T
    np.testing.assert_allclose(out[EMG].to_numpy(float), reference, atol=1e-8)
    assert not np.allclose(out[EMG].to_numpy(float), data[EMG].to_numpy(float))
    # other modalities and columns are untouched
    assert "response" not in out.columns  # outcomes are never inputs
    pd.testing.assert_frame_equal(
        out.drop(columns=EMG), data[out.columns].drop(columns=EMG), check_exact=True
    )


def test_site_means_equalised_and_covariate_effects_kept(data):
    combat = ComBat(modalities=["tms_emg"], eb=False).fit(data)
    out = combat.transform(data)
    means = out.groupby("site")["emg_csp_ms"].mean()
    before = data.groupby("site")["emg_csp_ms"].mean()
    assert means.std() < 0.3 * before.std()
    # a patient's covariates enter their own adjustment: changing only the age
    # of one patient changes their harmonised markers by the age effect
    one = data.iloc[[0]].copy()
    older = one.assign(age=one["age"] + 20)
    beta_age = combat.fits_["tms_emg"]["beta"][0]
    delta = combat.fits_["tms_emg"]["delta"][
        combat.fits_["tms_emg"]["sites"].index(str(one["site"].iloc[0]))
    ]
    shift = combat.transform(older)[EMG].to_numpy() - combat.transform(one)[EMG]
    expected = 20 * beta_age * (1 - 1 / np.sqrt(delta))
    np.testing.assert_allclose(shift.to_numpy()[0], expected, atol=1e-8)


def test_transform_is_row_by_row_for_seen_sites(data):
    combat = ComBat().fit(data.iloc[:200])
    batch = combat.transform(data.iloc[200:])
    single = pd.concat([combat.transform(data.iloc[[i]]) for i in range(200, 210)])
    pd.testing.assert_frame_equal(batch.iloc[:10], single)


def test_rows_missing_a_marker_pass_unchanged(data):
    table = data.copy()
    table.loc[table.index[:5], "emg_sici_ratio"] = np.nan
    out = ComBat(modalities=["tms_emg"]).fit(table).transform(table)
    pd.testing.assert_frame_equal(out.iloc[:5], table[out.columns].iloc[:5])
    assert not np.allclose(out[EMG].iloc[5:], table[EMG].iloc[5:])


def _relabel(frame: pd.DataFrame, site: str) -> pd.DataFrame:
    return frame.assign(site=pd.Series(site, index=frame.index, dtype=object))


def test_unseen_site_batch_is_estimated_with_the_fit_frozen(data):
    train = data[data["site"] != "site-D"]
    new = data[data["site"] == "site-D"]
    combat = ComBat(modalities=["tms_emg"], min_batch=10).fit(train)
    assert "site-D" not in combat.fits_["tms_emg"]["sites"]
    out = combat.transform(new)
    assert combat.notes(new)[0].startswith(
        "site 'site-D' not seen in training: its markers were harmonised"
    )
    # The new site's markers land where the training sites' do.
    seen = combat.transform(train)
    gap_after = abs(out["emg_csp_ms"].mean() - seen["emg_csp_ms"].mean())
    gap_before = abs(new["emg_csp_ms"].mean() - train["emg_csp_ms"].mean())
    assert gap_after < 0.25 * gap_before


def test_unseen_site_single_patient_passes_unchanged_with_a_warning(data):
    train = data[data["site"] != "site-D"]
    new = data[data["site"] == "site-D"].iloc[:1]
    combat = ComBat(modalities=["tms_emg"]).fit(train)
    with pytest.warns(HarmonizationWarning, match="site 'site-D' not seen in training"):
        out = combat.transform(new)
    pd.testing.assert_frame_equal(out, new[out.columns])
    assert (
        "1 patient of the site in this batch, at least 10 needed"
        in (combat.notes(new)[0])
    )


def test_unseen_site_none_never_adjusts(data):
    train = data[data["site"] != "site-D"]
    new = data[data["site"] == "site-D"]
    combat = ComBat(modalities=["tms_emg"], unseen_site="none").fit(train)
    with pytest.warns(HarmonizationWarning, match="markers not harmonised"):
        out = combat.transform(new)
    pd.testing.assert_frame_equal(out, new[out.columns])


def test_missing_site_is_not_guessed(data):
    combat = ComBat(modalities=["tms_emg"]).fit(data)
    row = data.iloc[[0]].assign(site=pd.Series([None], index=data.index[:1]))
    with pytest.warns(HarmonizationWarning, match="site unknown"):
        out = combat.transform(row)
    pd.testing.assert_frame_equal(out, row[out.columns])


def test_single_marker_modality_and_skips():
    data = read_cohort(simulate_cohort(120, seed=2, n_sites=2)).data
    combat = ComBat().fit(data)
    assert combat.fits_["connectivity"]["eb"] is False  # one marker: no EB
    assert combat.fits_["tms_emg"]["eb"] is True
    one_site = data[data["site"] == "site-A"]
    fitted = ComBat().fit(one_site)
    assert fitted.fits_ == {}
    assert fitted.skipped_["tms_emg"].startswith("fewer than 2 sites")


def test_unknown_modality_is_an_error(data):
    with pytest.raises(ConfigError, match="unknown modality 'eeg'"):
        ComBat(modalities=["eeg"]).fit(data)
