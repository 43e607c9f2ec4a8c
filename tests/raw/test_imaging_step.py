"""BOLD files and FreeSurfer folders in the one raw stage: cache, QC, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import predict.raw._step as step
from predict import read_cohort
from predict.raw import RawExtractionError, RawOptions, extract_markers, file_digest
from predict.raw._bold import confounds_path
from predict.raw._bold_write import write_bold

FIXTURE = Path(__file__).parent / "fixtures" / "freesurfer" / "sub-01" / "stats"


@pytest.fixture
def table(tmp_path):
    """Three patients: a still BOLD run, a moving one, and a stats folder."""
    still = write_bold(tmp_path / "p1", "P1", {"fc_sgacc_dlpfc_z": -0.4}, seed=1)
    moving = write_bold(
        tmp_path / "p2", "P2", {"fc_sgacc_dlpfc_z": 0.1}, seed=2, motion_mm=0.6
    )
    shutil.copytree(FIXTURE, tmp_path / "p3" / "stats")
    frame = pd.DataFrame(
        {
            "patient_id": ["P1", "P2", "P3"],
            "age": [40, 50, 60],
            "bold_path": [
                str(still.relative_to(tmp_path)),
                str(moving.relative_to(tmp_path)),
                None,
            ],
            "mri_stats_dir": [None, None, "p3/stats"],
        }
    )
    return read_cohort(frame).data, tmp_path


def test_motion_is_missing_with_its_reason_or_an_error(table, monkeypatch):
    data, base = table
    monkeypatch.setattr(step, "_CACHE", {})
    with pytest.raises(
        RawExtractionError, match=r"Patient P2: column 'bold_path'.*moves"
    ):
        extract_markers(data, base_dir=base)
    out, report = extract_markers(data, RawOptions(on_error="missing"), base_dir=base)
    assert report.failed["bold_path"][0][0] == "P2"
    assert "mean framewise displacement" in report.failed["bold_path"][0][1]
    assert "1 patient(s)' BOLD set to missing" in report.summary()
    assert out.loc["P1", "fc_sgacc_dlpfc_z"] == pytest.approx(-0.4, abs=0.05)
    assert np.isnan(out.loc["P2", "fc_sgacc_dlpfc_z"])
    assert out.loc["P3", "mri_hippocampus_vol_mm3"] == pytest.approx(8501.2)
    assert report.qc.loc["P1", "bold_path:frames_kept"] == 120
    assert report.qc.loc["P1", "bold_path:mean_fd_mm"] < 0.5
    assert report.qc.loc["P3", "mri_stats_dir:parcellation"] == "aparc"


def test_an_edited_confounds_table_or_stats_file_is_read_again(table):
    data, base = table
    bold = base / data.loc["P1", "bold_path"]
    before = file_digest(bold)
    confounds = confounds_path(bold)
    confounds.write_text(confounds.read_text().replace("0.", "0.0", 1))
    assert file_digest(bold) != before
    folder = base / "p3" / "stats"
    before = file_digest(folder)
    lh = folder / "lh.aparc.stats"
    lh.write_text(lh.read_text().replace("2.386", "2.390"))
    assert file_digest(folder) != before
    out, _ = extract_markers(data, RawOptions(on_error="missing"), base_dir=base)
    assert out.loc["P3", "mri_dlpfc_l_thickness_mm"] == pytest.approx(2.390)


def test_a_file_where_a_folder_belongs_is_named(table):
    data, base = table
    data = data.copy()
    data.loc["P3", "mri_stats_dir"] = "p3/stats/aseg.stats"
    with pytest.raises(RawExtractionError, match=r"P3.*is not a folder"):
        extract_markers(data.drop(index="P2"), base_dir=base)
