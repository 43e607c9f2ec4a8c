"""Units, annotations, caching and errors on files written by pyedflib/pybv/MNE."""

from __future__ import annotations

import shutil

import mne
import numpy as np
import pandas as pd
import pytest

from predict.raw import RawFileError, RestEegOptions, TmsEegOptions, extract_markers
from predict.raw._rest_eeg import extract_rest_eeg
from predict.raw._tms_eeg import extract_tms_eeg
from tests.raw._other_tools import (
    rest_eeg_raw,
    roi_n100,
    tms_eeg_continuous,
    write_pybv,
    write_pyedflib,
)


@pytest.fixture(scope="module")
def tep():
    return tms_eeg_continuous(30, seed=4)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, tep):
    data, names, onsets = tep
    path = tmp_path_factory.mktemp("ref") / "uv.edf"
    return extract_tms_eeg(write_pyedflib(path, data, names, onsets)).markers


# --- units ------------------------------------------------------------------


def test_volts_under_a_microvolt_header_is_a_unit_error(tmp_path, tep, reference):
    data, names, onsets = tep
    path = write_pyedflib(tmp_path / "v.edf", data, names, onsets, scale=1e-6)
    with pytest.raises(
        RawFileError,
        match=r"RMS of .* µV as read with the header's unit 'µV'.*"
        r"\(\d+(\.\d+)? µV if the samples were in V,",
    ):
        extract_tms_eeg(path)
    got = extract_tms_eeg(path, TmsEegOptions(unit="V"))
    assert got.markers["tep_n100_amp_uv"] == pytest.approx(
        reference["tep_n100_amp_uv"], abs=0.05
    )
    assert got.qc["unit"].startswith("V (forced")


def test_blank_unit_names_the_blank_header(tmp_path, tep, reference):
    data, names, onsets = tep
    path = write_pyedflib(tmp_path / "blank.edf", data, names, onsets, unit="")
    with pytest.raises(RawFileError, match=r"header's unit '' \(none\)"):
        extract_tms_eeg(path)  # MNE reads a blank unit as volts: 1e6 times too big
    got = extract_tms_eeg(path, TmsEegOptions(unit="uV"))
    assert got.markers == pytest.approx(reference, abs=1e-6)


def test_nanovolt_edf_is_read_in_nanovolts(tmp_path, tep, reference):
    data, names, onsets = tep
    path = write_pyedflib(
        tmp_path / "nv.edf", data, names, onsets, unit="nV", scale=1e3
    )
    got = extract_tms_eeg(path)  # MNE alone reads nV as volts
    assert got.markers == pytest.approx(reference, rel=1e-4, abs=1e-4)
    assert got.markers["tep_n100_amp_uv"] == pytest.approx(roi_n100(), abs=0.5)


def test_resting_eeg_in_volts_under_a_microvolt_header(tmp_path):
    raw = rest_eeg_raw(seed=1, seconds=20)
    path = write_pyedflib(
        tmp_path / "rest.edf",
        raw.get_data() * 1e6,
        raw.ch_names,
        scale=1e-6,
        sfreq=raw.info["sfreq"],
    )
    with pytest.raises(RawFileError, match=r"Resting EEG .* unit 'µV'.*rest_eeg"):
        extract_rest_eeg(path)
    fixed = extract_rest_eeg(path, RestEegOptions(unit="V"))
    assert fixed.markers["eeg_iaf_hz"] == pytest.approx(10.0, abs=0.3)


# --- pulses, noise, annotations ---------------------------------------------


def test_too_few_pulses_is_not_too_noisy(tmp_path):
    data, names, onsets = tms_eeg_continuous(12, seed=2)
    path = write_pybv(tmp_path, "twelve", data, names, onsets)
    with pytest.raises(RawFileError, match=r"too few pulses: 12 complete epochs"):
        extract_tms_eeg(path)


def test_too_noisy_names_the_channel_that_rejected_most(tmp_path, tep):
    data, names, onsets = tep
    noisy = data.copy()
    noisy[names.index("T7")] += np.random.default_rng(0).normal(0, 200, data.shape[1])
    path = write_pybv(tmp_path, "noisy", noisy, names, onsets)
    with pytest.raises(
        RawFileError, match=r"too noisy: 0 of 30.*Channel T7 exceeded it in 30 trials"
    ):
        extract_tms_eeg(path)


def test_annotation_matching_and_the_list_of_those_found(tmp_path, tep, reference):
    data, names, onsets = tep
    path = write_pybv(tmp_path, "s1", data, names, onsets, description="S  1")
    # pybv's default marker type is Comment: MNE names them 'Comment/S  1'
    with pytest.raises(RawFileError, match=r"no 'TMS' annotation.*'Comment/S  1'"):
        extract_tms_eeg(path)
    for configured in ("S 1", "s  1", "Comment/S 1"):
        got = extract_tms_eeg(path, TmsEegOptions(annotation=configured))
        assert got.markers == pytest.approx(reference, abs=0.05), configured
    tms = write_pybv(tmp_path, "tms", data, names, onsets)
    assert extract_tms_eeg(tms, TmsEegOptions(annotation="tms")).qc["trials_kept"] == 30


def _stimulus_brainvision(folder, writer, data, names, onsets):
    """BrainVision with ``Stimulus/S  1`` at the pulses, ``S 11`` between them."""
    marks = [(t, 1) for t in onsets] + [(t + 0.6, 11) for t in onsets]
    if writer == "pybv":
        from pybv import write_brainvision

        events = [
            {"onset": int(round(t * 1000)), "description": code, "type": "Stimulus"}
            for t, code in marks
        ]
        write_brainvision(
            data=data * 1e-6,
            sfreq=1000.0,
            ch_names=names,
            fname_base="stim",
            folder_out=folder,
            events=events,
            unit="µV",
        )
    else:
        raw = mne.io.RawArray(
            data * 1e-6, mne.create_info(names, 1000.0, "eeg"), verbose="error"
        )
        raw.set_annotations(
            mne.Annotations(
                [t for t, _ in marks], 0.0, [f"Stimulus/S{c:>3}" for _, c in marks]
            )
        )
        mne.export.export_raw(folder / "stim.vhdr", raw, verbose="error")
    return folder / "stim.vhdr"


@pytest.mark.parametrize("writer", ["pybv", "mne.export"])
def test_brainvision_stimulus_marker_as_the_pulse_annotation(
    tmp_path, tep, reference, writer
):
    data, names, onsets = tep
    path = _stimulus_brainvision(tmp_path, writer, data, names, onsets)
    found = mne.io.read_raw_brainvision(path, verbose="error").annotations.description
    assert {"Stimulus/S  1", "Stimulus/S 11"} <= set(found)  # as MNE names them
    with pytest.raises(RawFileError, match=r"no 'TMS' annotation.*'Stimulus/S  1'"):
        extract_tms_eeg(path)
    for configured in ("S 1", "S  1", "Stimulus/S 1", "stimulus/s  1"):
        got = extract_tms_eeg(path, TmsEegOptions(annotation=configured))
        assert got.qc["trials_total"] == 30, configured  # S 11 is not a pulse
        assert got.markers == pytest.approx(reference, abs=0.05), configured


def test_brainvision_bad_segment_drops_the_pulses_it_covers(tmp_path, tep):
    data, names, onsets = tep
    bad = (onsets[3] - 0.1, onsets[7] + 0.1)  # five pulses
    path = write_pybv(tmp_path, "bad", data, names, onsets, bad=bad)
    got = extract_tms_eeg(path)
    assert (got.qc["trials_total"], got.qc["trials_kept"]) == (30, 25)


def test_edf_bad_annotation_drops_the_pulses_it_covers(tmp_path, tep):
    data, names, onsets = tep
    raw = mne.io.RawArray(data * 1e-6, mne.create_info(names, 1000.0, "eeg"))
    raw.set_annotations(
        mne.Annotations(
            [*onsets, onsets[0] - 0.1], [0] * 30 + [0.2], ["TMS"] * 30 + ["BAD_move"]
        )
    )
    mne.export.export_raw(tmp_path / "bad.edf", raw, verbose="error")
    got = extract_tms_eeg(tmp_path / "bad.edf")
    assert (got.qc["trials_total"], got.qc["trials_kept"]) == (30, 29)


def test_resting_bad_segment_is_left_out_and_mne_stays_quiet(tmp_path, capfd):
    raw = rest_eeg_raw(seed=2, seconds=40)
    data = raw.get_data() * 1e6
    sfreq = raw.info["sfreq"]
    from pybv import write_brainvision

    events = [
        {"onset": int(10 * sfreq), "duration": int(10 * sfreq)}
        | {"description": "BAD_segment", "type": "Comment"}
    ]
    write_brainvision(
        data=data * 1e-6,
        sfreq=sfreq,
        ch_names=raw.ch_names,
        fname_base="rest",
        folder_out=tmp_path,
        events=events,
        overwrite=True,
    )
    capfd.readouterr()
    got = extract_rest_eeg(tmp_path / "rest.vhdr")
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # no "Omitting ... samples" from MNE
    # 40 s, 10 s bad: 30 s of 4 s segments with 50 % overlap
    assert got.qc["n_segments"] == 1 + (30 * 250 - 1000) // 500


# --- the cache follows the files the reader opens ---------------------------


def test_cache_follows_the_data_file_a_header_names(tmp_path, tep):
    data, names, onsets = tep
    header = write_pybv(tmp_path, "rec", data, names, onsets)
    # the lab renamed the binary: the header names it, the stem does not
    shutil.move(tmp_path / "rec.eeg", tmp_path / "session-2.eeg")
    text = header.read_text().replace("DataFile=rec.eeg", "DataFile=session-2.eeg")
    header.write_text(text)
    table = pd.DataFrame(
        {"tms_eeg_path": ["rec.vhdr"]}, index=pd.Index(["P1"], name="patient_id")
    )
    first, _ = extract_markers(table, base_dir=tmp_path)
    # the data file changes (a reprocessed export with half the amplitude)
    (tmp_path / "new").mkdir()
    write_pybv(tmp_path / "new", "rec", data / 2, names, onsets)
    shutil.copy(tmp_path / "new" / "rec.eeg", tmp_path / "session-2.eeg")
    second, _ = extract_markers(table, base_dir=tmp_path)
    n100 = "tep_n100_amp_uv"
    assert second[n100].iloc[0] == pytest.approx(first[n100].iloc[0] / 2, rel=0.05)


def _split_epochs(folder, data, names, onsets, fname, **save):
    """MNE epochs saved by ``Epochs.save`` in parts of at most 2 MB."""
    info = mne.create_info(names, 1000.0, "eeg")
    raw = mne.io.RawArray(data * 1e-6, info, verbose="error")
    events = np.column_stack(
        [np.round(onsets * 1000).astype(int), np.zeros((len(onsets), 2), int) + 1]
    )
    epochs = mne.Epochs(
        raw, events, tmin=-0.5, tmax=0.5, baseline=None, preload=True, verbose="error"
    )
    folder.mkdir(exist_ok=True)
    epochs.save(
        folder / fname, split_size="2MB", overwrite=True, verbose="error", **save
    )
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize(
    ("fname", "save", "first", "last"),
    [
        pytest.param("rec-epo.fif", {}, "rec-epo.fif", "rec-epo-1.fif", id="neuromag"),
        pytest.param(
            "rec-epo.fif.gz", {}, "rec-epo.fif.gz", "rec-epo.fif-1.gz", id="gzip"
        ),
        pytest.param(
            "sub-1_tms-epo.fif",
            {"split_naming": "bids"},
            "sub-1_split-01_tms-epo.fif",
            "sub-1_split-02_tms-epo.fif",
            id="bids",
        ),
    ],
)
def test_cache_follows_the_split_parts_of_a_fif(
    tmp_path, tep, fname, save, first, last
):
    data, names, onsets = tep
    parts = _split_epochs(tmp_path / "a", data, names, onsets, fname, **save)
    assert first in parts and last in parts  # MNE split the file (naming rule)
    table = pd.DataFrame(
        {"tms_eeg_path": [f"a/{first}"]}, index=pd.Index(["P1"], name="patient_id")
    )
    before, _ = extract_markers(table, base_dir=tmp_path)
    # the split parts change (a reprocessed export with half the amplitude)
    again = _split_epochs(tmp_path / "b", data / 2, names, onsets, fname, **save)
    assert again == parts
    for name in parts:
        if name != first:
            shutil.copy(tmp_path / "b" / name, tmp_path / "a" / name)
    after, _ = extract_markers(table, base_dir=tmp_path)
    fresh = extract_tms_eeg(tmp_path / "a" / first).markers  # no cache
    n100 = "tep_n100_amp_uv"
    assert after[n100].iloc[0] == pytest.approx(fresh[n100], abs=1e-9)
    assert abs(after[n100].iloc[0] - before[n100].iloc[0]) > 0.5
