"""FreeSurfer stats folders: a hand-written fixture, atlases, missing pieces."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from predict.raw import MriStatsOptions, RawFileError, extract_mri_stats
from predict.raw._freesurfer import read_stats
from predict.raw._freesurfer_write import write_freesurfer_stats

# Written by hand in the layout of FreeSurfer 7's mri_segstats and
# mris_anatomical_stats (header lines, # Measure, # ColHeaders, aligned table).
FIXTURE = Path(__file__).parent / "fixtures" / "freesurfer" / "sub-01" / "stats"


@pytest.fixture
def stats(tmp_path) -> Path:
    folder = tmp_path / "stats"
    shutil.copytree(FIXTURE, folder)
    return folder


def test_hand_written_fixture_gives_the_values_by_hand():
    extraction = extract_mri_stats(FIXTURE)
    markers = extraction.markers
    assert markers["mri_hippocampus_vol_mm3"] == pytest.approx(4198.7 + 4302.5)
    assert markers["mri_icv_mm3"] == pytest.approx(1566432.138041)
    assert markers["mri_racc_thickness_mm"] == pytest.approx((2.912 + 2.804) / 2)
    assert markers["mri_dlpfc_l_thickness_mm"] == pytest.approx(2.386)
    assert extraction.qc["lh_mean_thickness_mm"] == pytest.approx(2.52367)


def test_read_stats_parses_measures_and_table():
    measures, table = read_stats(FIXTURE / "aseg.stats")
    assert measures["eTIV"][0] == pytest.approx(1566432.138041)
    assert measures["BrainSegVol"] == (1187542.0, "mm^3")
    assert list(table.columns[:5]) == [
        "Index",
        "SegId",
        "NVoxels",
        "Volume_mm3",
        "StructName",
    ]
    assert len(table) == 12 and table["SegId"].iloc[7] == 17


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        pytest.param("aseg.stats", r"has no 'aseg\.stats'", id="aseg"),
        pytest.param("rh.aparc.stats", r"has no 'rh\.aparc\.stats'", id="rh"),
    ],
)
def test_a_missing_file_is_named(stats, missing, message):
    (stats / missing).unlink()
    with pytest.raises(RawFileError, match=message):
        extract_mri_stats(stats)


def test_a_subject_folder_points_at_its_stats(stats):
    with pytest.raises(RawFileError, match="has a 'stats' subfolder"):
        extract_mri_stats(stats.parent)


def test_a_missing_structure_is_named(stats):
    aseg = stats / "aseg.stats"
    aseg.write_text(aseg.read_text().replace("Right-Hippocampus", "Right-Hippo"))
    with pytest.raises(
        RawFileError, match=r"no structure 'Right-Hippocampus'.*aseg segmentation"
    ):
        extract_mri_stats(stats)


def test_no_etiv_is_an_error(stats):
    for name in ("aseg.stats", "lh.aparc.stats", "rh.aparc.stats"):
        path = stats / name
        lines = path.read_text().splitlines(keepends=True)
        path.write_text("".join(x for x in lines if "IntraCranialVol" not in x))
    with pytest.raises(RawFileError, match="EstimatedTotalIntraCranialVol"):
        extract_mri_stats(stats)


def test_a_destrieux_folder_says_which_atlas_it_has(stats):
    for hemi in ("lh", "rh"):
        (stats / f"{hemi}.aparc.stats").rename(stats / f"{hemi}.aparc.a2009s.stats")
    with pytest.raises(
        RawFileError, match=r"no 'lh\.aparc\.stats'.*aparc\.a2009s\.stats \(Destrieux\)"
    ):
        extract_mri_stats(stats)


def test_a_renamed_dkt_file_is_caught_by_its_annot_header(stats):
    lh = stats / "lh.aparc.stats"
    lh.write_text(lh.read_text().replace("lh.aparc.annot", "lh.aparc.DKTatlas.annot"))
    with pytest.raises(RawFileError, match=r"holds the DKT atlas.*not aparc"):
        extract_mri_stats(stats)


def test_fastsurfer_dkt_files_by_option(stats):
    for hemi in ("lh", "rh"):
        path = stats / f"{hemi}.aparc.stats"
        text = path.read_text().replace(
            f"{hemi}.aparc.annot", f"{hemi}.aparc.DKTatlas.mapped.annot"
        )
        (stats / f"{hemi}.aparc.DKTatlas.mapped.stats").write_text(text)
        path.unlink()
    with pytest.raises(RawFileError, match="aparc.DKTatlas.mapped"):
        extract_mri_stats(stats)
    options = MriStatsOptions(parcellation="aparc.DKTatlas.mapped")
    markers = extract_mri_stats(stats, options).markers
    assert markers["mri_dlpfc_l_thickness_mm"] == pytest.approx(2.386)


def test_a_broken_table_is_an_error(stats):
    lh = stats / "lh.aparc.stats"
    lh.write_text(lh.read_text().replace("# ColHeaders", "# Headers"))
    with pytest.raises(RawFileError, match="no '# ColHeaders' line"):
        extract_mri_stats(stats)


def test_the_simulator_writer_round_trips(tmp_path):
    markers = {
        "mri_hippocampus_vol_mm3": 7890.1,
        "mri_racc_thickness_mm": 2.777,
        "mri_dlpfc_l_thickness_mm": 2.345,
        "mri_icv_mm3": 1432109.8,
    }
    folder = write_freesurfer_stats(tmp_path / "stats", markers, seed=3)
    got = extract_mri_stats(folder).markers
    assert got == pytest.approx(markers, abs=1e-9)
