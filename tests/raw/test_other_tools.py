"""The readers on files other tools wrote: channel names, positions, non-EEG."""

from __future__ import annotations

import mne
import numpy as np
import pytest

from predict.raw._channels import normalise, standard_head_positions
from predict.raw._rest_eeg import extract_rest_eeg
from predict.raw._tms_eeg import extract_tms_eeg
from tests.raw._other_tools import (
    CHANNELS,
    SFREQ,
    rest_eeg_raw,
    roi_n100,
    tms_eeg_continuous,
    write_pybv,
    write_pyedflib,
)

STYLES = [
    "EEG {}-REF",
    "{}-REF",
    "EEG {}",
    "{}-Ref",
    "{}-A1",
    "{}-A2",
    "{}-M1",
    "{}-M2",
    "{}-LE",
    "{}-AVG",
    "{}-Cz",
    "{}_REF",
    "{} REF",
    "{}:REF",
    "EEG{}",
]


@pytest.mark.parametrize(
    ("label", "key"),
    [(s.format("Fp1"), "FP1") for s in STYLES] + [("EEG 001", "001"), ("ECG", "ECG")],
)
def test_normalise_every_spelling(label, key):
    assert normalise(label) == key


@pytest.fixture(scope="module")
def tep_data():
    return tms_eeg_continuous(30, seed=1, ecg=True)


@pytest.fixture(scope="module")
def plain_tep(tmp_path_factory, tep_data):
    data, names, onsets = tep_data
    path = tmp_path_factory.mktemp("plain") / "plain.edf"
    return extract_tms_eeg(write_pyedflib(path, data, names, onsets))


def test_plain_names_recover_the_tep_without_the_ecg(plain_tep):
    # the ECG is typed EEG in an EDF: by name it stays out of rejection and ROI
    assert plain_tep.qc["excluded_channels"] == "ECG"
    assert plain_tep.qc["trials_kept"] == 30
    assert plain_tep.qc["channels"] == "F3,F1,FC3"
    assert plain_tep.markers["tep_n100_amp_uv"] == pytest.approx(roi_n100(), abs=0.5)


@pytest.mark.parametrize("style", STYLES)
def test_tms_eeg_reads_every_label_style_of_pyedflib(
    tmp_path, tep_data, plain_tep, style
):
    data, names, onsets = tep_data
    labels = [n if n == "ECG" else style.format(n) for n in names]
    got = extract_tms_eeg(write_pyedflib(tmp_path / "rec.edf", data, labels, onsets))
    assert got.markers == plain_tep.markers
    assert got.qc["channels"] == ",".join(style.format(c) for c in ("F3", "F1", "FC3"))
    assert got.qc["excluded_channels"] == "ECG" and got.qc["substitutes"] == ""


@pytest.mark.parametrize("style", ["EEG {}-REF", "{}-M1", "{}_REF", "EEG{}"])
@pytest.mark.parametrize("fmt", ["brainvision", "edf"])
def test_rest_eeg_reads_mne_exports_with_lab_names(tmp_path, style, fmt):
    raw = rest_eeg_raw(seed=3)
    ecg = mne.io.RawArray(
        np.sin(np.arange(raw.n_times) / 5.0)[None] * 1e-3,
        mne.create_info(["ECG"], raw.info["sfreq"], "eeg"),
        verbose="error",
    )
    raw.add_channels([ecg])
    suffix = ".vhdr" if fmt == "brainvision" else ".edf"
    plain = tmp_path / f"plain{suffix}"
    mne.export.export_raw(plain, raw, fmt=fmt, verbose="error")
    renamed = raw.copy().rename_channels(
        {c: style.format(c) for c in CHANNELS}, verbose="error"
    )
    lab = tmp_path / f"lab{suffix}"
    mne.export.export_raw(lab, renamed, fmt=fmt, verbose="error")
    want, got = extract_rest_eeg(plain), extract_rest_eeg(lab)
    assert got.markers == pytest.approx(want.markers, abs=1e-12)
    assert got.qc["theta_channels"] == ",".join(
        style.format(c) for c in ("Fz", "F3", "F4")
    )
    assert got.qc["excluded_channels"] == "ECG" == want.qc["excluded_channels"]
    assert got.qc["substitutes"] == ""


def _digitised(raw: mne.io.BaseRaw, seed: int) -> mne.io.BaseRaw:
    """``raw`` with channels ``EEG 001``... at digitised (head-frame) positions.

    Positions: the 10-05 template scaled 4 % up with 2 mm of jitter, and its
    fiducials, in the digitiser's frame; ``set_montage`` moves them to the
    head frame, as MNE does for a lab's Polhemus file.
    """
    template = mne.channels.make_standard_montage("colin27_1005").get_positions()
    rng = np.random.default_rng(seed)
    names = {c: f"EEG {i + 1:03d}" for i, c in enumerate(raw.ch_names)}
    ch_pos = {
        names[c]: 1.04 * template["ch_pos"][c] + rng.normal(0, 0.002, 3)
        for c in raw.ch_names
    }
    montage = mne.channels.make_dig_montage(
        ch_pos=ch_pos,
        nasion=1.04 * template["nasion"],
        lpa=1.04 * template["lpa"],
        rpa=1.04 * template["rpa"],
        coord_frame="unknown",
    )
    out = raw.copy().rename_channels(names, verbose="error")
    out.set_montage(montage, verbose="error")
    return out


def _substitute_distances(qc: dict, raw: mne.io.BaseRaw) -> dict[str, float]:
    """Wanted channel -> distance (m) of its stand-in's file position to it."""
    standard = standard_head_positions()
    at = {ch["ch_name"]: ch["loc"][:3] for ch in raw.info["chs"]}
    out = {}
    for item in str(qc["substitutes"]).split(", "):
        wanted, rest = item.split("->")
        channel = rest.rsplit(" (", 1)[0]
        out[wanted] = float(np.linalg.norm(at[channel] - standard[normalise(wanted)]))
    return out


def test_rest_eeg_digitised_positions_pick_the_named_electrodes(tmp_path):
    raw = rest_eeg_raw(seed=5)
    named = raw.copy().set_montage("colin27_1005", verbose="error")
    named.save(tmp_path / "named_raw.fif", verbose="error")
    digitised = _digitised(raw, seed=5)
    digitised.save(tmp_path / "dig_raw.fif", verbose="error")
    want = extract_rest_eeg(tmp_path / "named_raw.fif")
    got = extract_rest_eeg(tmp_path / "dig_raw.fif")
    distances = _substitute_distances(got.qc, digitised)
    assert set(distances) >= {"Fz", "F3", "F4", "O1", "O2"}
    assert max(distances.values()) < 0.015
    index = {c: f"EEG {i + 1:03d}" for i, c in enumerate(CHANNELS)}
    assert got.qc["asymmetry_channels"] == f"{index['F4']},{index['F3']}"
    assert got.markers == pytest.approx(want.markers, abs=1e-12)


def test_tms_eeg_digitised_positions_pick_the_named_electrodes(tmp_path, tep_data):
    data, names, onsets = tep_data
    info = mne.create_info(names[:-1], SFREQ, "eeg")
    raw = mne.io.RawArray(data[:-1] * 1e-6, info, verbose="error")
    events = np.column_stack(
        [
            np.round(onsets * SFREQ).astype(int),
            np.zeros(len(onsets), int),
            np.ones(len(onsets), int),
        ]
    )

    def save(r, name):
        epochs = mne.Epochs(
            r, events, tmin=-0.5, tmax=0.5, baseline=None, preload=True, verbose="error"
        )
        epochs.save(tmp_path / name, verbose="error")
        return tmp_path / name

    want = extract_tms_eeg(
        save(raw.copy().set_montage("colin27_1005"), "named-epo.fif")
    )
    digitised = _digitised(raw, seed=2)
    got = extract_tms_eeg(save(digitised, "dig-epo.fif"))
    distances = _substitute_distances(got.qc, digitised)
    assert set(distances) == {"F3", "F1", "FC3"} and max(distances.values()) < 0.015
    index = {c: f"EEG {i + 1:03d}" for i, c in enumerate(CHANNELS)}
    assert got.qc["channels"] == ",".join(index[c] for c in ("F3", "F1", "FC3"))
    assert got.markers == pytest.approx(want.markers, abs=1e-9)


#: Lab spellings of EOG and EMG channels (Brain Products, BioSemi, Neuroscan
#: caps; an EMG channel over the target muscle).
#: (MNE's BrainVision reader types HEOGL, HEOGR and VEOGb EOG itself.)
LAB_NON_EEG = ["EOG", "VEOG", "HEOG", "VEOGU", "HEOG_R", "EOGL", "VEO", "HEOL"]
LAB_NON_EEG += ["EMG1", "EMG_APB", "EMG APB", "EMGL", "EMG-FDI"]


@pytest.fixture(scope="module")
def pybv_plain(tmp_path_factory):
    data, names, onsets = tms_eeg_continuous(30, seed=1)
    folder = tmp_path_factory.mktemp("bv")
    return extract_tms_eeg(write_pybv(folder, "plain", data, names, onsets))


@pytest.mark.parametrize("label", LAB_NON_EEG)
def test_eog_and_emg_lab_names_stay_out_of_rejection_and_rois(
    tmp_path, pybv_plain, label
):
    data, names, onsets = tms_eeg_continuous(30, seed=1)
    # 100 µV of noise: every trial over 150 µV peak-to-peak if it were EEG
    extra = np.random.default_rng(7).normal(0, 100.0, (1, data.shape[1]))
    path = write_pybv(
        tmp_path, "lab", np.vstack([data, extra]), [*names, label], onsets
    )
    got = extract_tms_eeg(path)  # BrainVision: every channel reaches MNE as EEG
    assert got.qc["excluded_channels"] == label
    assert got.qc["trials_kept"] == 30
    assert got.qc["channels"] == "F3,F1,FC3"
    assert got.markers == pytest.approx(pybv_plain.markers, abs=1e-9)


@pytest.mark.parametrize("label", ["VEOGU", "EMG_APB"])
def test_rest_eeg_leaves_eog_and_emg_lab_names_out(tmp_path, label):
    raw = rest_eeg_raw(seed=3)
    plain = tmp_path / "plain.vhdr"
    mne.export.export_raw(plain, raw, fmt="brainvision", verbose="error")
    noise = np.random.default_rng(7).normal(0, 100e-6, (1, raw.n_times))
    other = mne.io.RawArray(
        noise, mne.create_info([label], raw.info["sfreq"], "eeg"), verbose="error"
    )
    lab = tmp_path / "lab.vhdr"
    mne.export.export_raw(lab, raw.copy().add_channels([other]), verbose="error")
    want, got = extract_rest_eeg(plain), extract_rest_eeg(lab)
    assert got.qc["excluded_channels"] == label
    assert got.markers == pytest.approx(want.markers, abs=1e-12)
