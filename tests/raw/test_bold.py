"""fMRIPrep BOLD: planted seed correlations recovered through motion, scrubbing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from predict.raw import BoldOptions, RawFileError, confounds_path, extract_bold
from predict.raw._bold_write import write_bold

PAIR = "fc_sgacc_dlpfc_z"


def _write(folder, z, **kwargs):
    kwargs = {"n_volumes": 200, "voxel_mm": 3.0, "seed": 7} | kwargs
    return write_bold(folder, "01", {PAIR: z}, **kwargs)


@pytest.mark.parametrize("r", [-0.6, -0.3, 0.0, 0.3])
def test_planted_correlation_is_recovered_through_motion(tmp_path, r):
    from nilearn.maskers import NiftiSpheresMasker

    z = math.atanh(r)
    path = _write(tmp_path, z, seed=int(10 * (r + 1)))
    extraction = extract_bold(path)
    assert extraction.markers[PAIR] == pytest.approx(z, abs=0.05)
    assert extraction.qc["frames_kept"] == extraction.qc["frames"] == 200
    # the artefacts are real: without the confounds the estimate is far off
    seeds = list(BoldOptions().seeds.values())
    masker = NiftiSpheresMasker(seeds=seeds, radius=10.0, standardize="zscore_sample")
    raw = masker.fit_transform(path)
    assert abs(np.arctanh(np.corrcoef(raw.T)[0, 1]) - z) > 0.1


def test_scrubbing_drops_high_motion_frames_and_keeps_the_value(tmp_path):
    path = _write(tmp_path, 0.3, spikes=4)
    scrubbed = extract_bold(path, BoldOptions(strategy="scrubbing"))
    assert scrubbed.qc["frames"] - scrubbed.qc["frames_kept"] == 4
    assert scrubbed.markers[PAIR] == pytest.approx(0.3, abs=0.05)
    assert extract_bold(path).qc["frames_kept"] == 200  # "simple" keeps them


def test_motion_above_the_limit_is_a_bad_recording(tmp_path):
    path = _write(tmp_path, 0.0, motion_mm=0.6)
    with pytest.raises(RawFileError, match=r"moves too much: mean framewise"):
        extract_bold(path)
    loose = extract_bold(path, BoldOptions(max_mean_fd_mm=None))
    assert loose.qc["mean_fd_mm"] > 0.5


def test_extra_seed_pairs_by_config(tmp_path):
    options = BoldOptions(
        seeds={
            "sgACC": (6, 16, -10),
            "DLPFC_L": (-38, 44, 26),
            "PCC": (0, -52, 26),
        },
        pairs={PAIR: ("sgACC", "DLPFC_L"), "fc_sgacc_pcc_z": ("sgACC", "PCC")},
    )
    planted = {PAIR: -0.3, "fc_sgacc_pcc_z": 0.4}
    path = write_bold(tmp_path, "02", planted, seed=3, n_volumes=200, options=options)
    markers = extract_bold(path, options).markers
    assert markers == pytest.approx(planted, abs=0.05)


def test_confounds_are_found_by_bids_rules(tmp_path):
    entities = "sub-01_ses-1_task-rest_run-2_space-MNI152NLin6Asym_res-2_desc-preproc"
    bold = tmp_path / f"{entities}_bold.nii.gz"
    assert confounds_path(bold).name == (
        "sub-01_ses-1_task-rest_run-2_desc-confounds_timeseries.tsv"
    )
    old = tmp_path / "sub-01_ses-1_task-rest_run-2_desc-confounds_regressors.tsv"
    old.touch()  # fMRIPrep before 20.2
    assert confounds_path(bold) == old


def test_missing_confounds_and_wrong_space_are_named(tmp_path):
    path = _write(tmp_path, 0.0)
    t1w = path.with_name(path.name.replace("MNI152NLin2009cAsym", "T1w"))
    path.rename(t1w)
    with pytest.raises(RawFileError, match=r"in space 'T1w': expected a series in MNI"):
        extract_bold(t1w)
    t1w.rename(path)
    confounds_path(path).unlink()
    with pytest.raises(RawFileError, match=r"no fMRIPrep confounds table.*timeseries"):
        extract_bold(path)


def test_options_are_checked():
    with pytest.raises(ValueError, match="names seed 'PCC'"):
        BoldOptions(pairs={"fc_x_z": ("sgACC", "PCC")})
    with pytest.raises(ValueError, match="must start with 'fc_'"):
        BoldOptions(pairs={"sgacc_z": ("sgACC", "DLPFC_L")})
    with pytest.raises(ValueError, match="extra"):
        BoldOptions(radius=5)


def test_global_signal_is_configurable_and_compcor_needs_its_json(tmp_path):
    path = _write(tmp_path, -0.2)
    with_gsr = extract_bold(path, BoldOptions(global_signal="basic"))
    assert with_gsr.markers[PAIR] == pytest.approx(-0.2, abs=0.05)
    with pytest.raises(RawFileError, match=r"does not fit strategy 'compcor'"):
        extract_bold(path, BoldOptions(strategy="compcor"))


def test_too_few_frames_after_scrubbing_is_a_bad_recording(tmp_path):
    path = _write(tmp_path, 0.0, spikes=4)
    with pytest.raises(RawFileError, match=r"keeps 196 of 200 frames"):
        extract_bold(path, BoldOptions(strategy="scrubbing", min_frames=198))
