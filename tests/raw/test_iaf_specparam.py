"""The aperiodic-corrected IAF on an MNE-exported recording."""

from __future__ import annotations

import math

import mne
import numpy as np
import pytest

from predict.raw import RestEegOptions
from predict.raw._rest_eeg import extract_rest_eeg
from tests.raw._other_tools import rest_eeg_raw


@pytest.mark.parametrize("iaf", [8.5, 11.0])
def test_specparam_iaf_matches_the_planted_alpha(tmp_path, iaf):
    raw = rest_eeg_raw(seed=7, seconds=40, iaf=iaf)
    path = tmp_path / "rest.vhdr"
    mne.export.export_raw(path, raw, fmt="brainvision", verbose="error")
    options = RestEegOptions(iaf_method="specparam")
    got = extract_rest_eeg(path, options).markers["eeg_iaf_hz"]
    assert got == pytest.approx(iaf, abs=0.2)
    peak = extract_rest_eeg(path).markers["eeg_iaf_hz"]  # Welch peak kept
    assert peak == pytest.approx(iaf, abs=0.2)


def test_specparam_iaf_is_nan_without_alpha(tmp_path):
    rng = np.random.default_rng(0)
    info = mne.create_info(["O1", "O2", "Pz", "Fz", "F3", "F4"], 250.0, "eeg")
    pink = np.cumsum(rng.normal(0, 1, (6, 250 * 40)), axis=1)  # 1/f^2, no peak
    raw = mne.io.RawArray((pink - pink.mean(axis=1, keepdims=True)) * 1e-6, info)
    raw.save(tmp_path / "flat_raw.fif", verbose="error")
    options = RestEegOptions(iaf_method="specparam")
    got = extract_rest_eeg(tmp_path / "flat_raw.fif", options)
    assert math.isnan(got.markers["eeg_iaf_hz"])
