"""Structural MRI markers of the simulator: own stream, documented sizes."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from predict import read_cohort, simulate_cohort
from predict.cohort._simulate_structural import STRUCTURAL_MISSING_RATE

MRI = [
    "mri_hippocampus_vol_mm3",
    "mri_racc_thickness_mm",
    "mri_dlpfc_l_thickness_mm",
    "mri_icv_mm3",
]


@pytest.fixture(scope="module")
def large():
    return simulate_cohort(4000, seed=11, return_truth=True)


def test_markers_follow_the_contract_and_norms(large):
    table, _ = large
    cohort = read_cohort(table)  # inside the contract's ranges, or this raises
    assert cohort.modality_mask("mri").mean() == pytest.approx(
        1 - STRUCTURAL_MISSING_RATE, abs=0.03
    )
    mri = table[MRI].dropna()
    women = table.loc[mri.index, "sex"] == "F"
    icv = mri["mri_icv_mm3"]
    assert icv[women].mean() == pytest.approx(1.40e6, rel=0.02)
    assert icv[~women].mean() == pytest.approx(1.58e6, rel=0.02)
    # the hippocampus scales with head size
    assert np.corrcoef(icv, mri["mri_hippocampus_vol_mm3"])[0, 1] > 0.3
    assert mri["mri_racc_thickness_mm"].mean() == pytest.approx(2.85, abs=0.03)
    assert mri["mri_dlpfc_l_thickness_mm"].mean() == pytest.approx(2.40, abs=0.02)
    # a whole modality is missing at once
    assert table[MRI].isna().sum(axis=1).isin([0, 4]).all()


def test_racc_thickness_carries_signal_dlpfc_none(large):
    table, truth = large
    mri = table.dropna(subset=MRI)
    response = mri["endpoint_hamd17"] <= 0.5 * mri["baseline_hamd17"]
    auc_racc = roc_auc_score(response, mri["mri_racc_thickness_mm"])
    auc_dlpfc = roc_auc_score(response, mri["mri_dlpfc_l_thickness_mm"])
    assert 0.52 < auc_racc < 0.62
    assert abs(auc_dlpfc - 0.5) < 0.03
    # the oracle uses the markers: thicker rACC, higher probability
    corr = np.corrcoef(mri["mri_racc_thickness_mm"], truth.loc[mri["patient_id"]])
    assert corr[0, 1] > 0.1


def test_no_missing_keeps_values_and_same_seed_same_table():
    full = simulate_cohort(50, seed=4, missing=False)
    again = simulate_cohort(50, seed=4, missing=False)
    assert full.equals(again) and full[MRI].notna().all().all()
    blanked = simulate_cohort(50, seed=4)
    has = blanked[MRI].notna().all(axis=1)
    assert blanked.loc[has, MRI].equals(full.loc[has, MRI])
