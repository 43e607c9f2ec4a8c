"""TMS-EEG recordings to ``tep_*`` markers: recovery, hand checks and errors."""

from __future__ import annotations

import math

import mne
import numpy as np
import pydantic
import pytest

from predict.exceptions import UsageError
from predict.raw._common import RawFileError
from predict.raw._tms_eeg import TMS_EEG_MARKERS, TmsEegOptions, extract_tms_eeg
from predict.raw._tms_eeg_write import DEFAULT_MARKERS, write_tms_eeg

MARKERS = {
    "tep_n45_amp_uv": -3.0,
    "tep_p60_amp_uv": 4.5,
    "tep_n100_amp_uv": -6.0,
    "tep_p180_amp_uv": 5.0,
    "tep_n100_lat_ms": 118.0,
    "tep_gmfp_auc": 0.6,
}
FORMATS = [
    pytest.param("fif", "rec-epo.fif", id="fif"),
    pytest.param("vhdr", "rec.vhdr", id="vhdr"),
    pytest.param("edf", "rec.edf", id="edf"),
    pytest.param("npz", "rec.npz", id="npz"),
]
# Recovery tolerances at the writer's default background (5 µV RMS per trial):
# N100 amplitude within 10 % or 0.5 µV, N100 latency within 5 ms (the issue's
# acceptance), the other amplitudes within 1 µV, their latencies within 8 ms and
# the GMFP area within 2 % (the writer solves for it, noise included; EDF's
# 16-bit samples and float32 fif/BrainVision/npz samples are the only slack).
# 400 trials put the average's noise at ~0.25 µV: over 10 seeds x 4 formats the
# largest N100 error was 0.38 µV, N100 latency 2 ms, other amplitudes 0.70 µV.
# With 100 trials the noise is ~0.5 µV, about the tolerance itself: the N100
# criterion then held for 7 of 10 seeds (largest error 1.09 µV).
N_TRIALS = 400


def _npz(path, data_uv, ch_names, *, sfreq=1000.0, tmin=-0.5, drop=()):
    """Save ``data_uv`` (trials x channels x samples, µV) as an .npz recording."""
    keys = {
        "data": np.asarray(data_uv) * 1e-6,
        "sfreq": sfreq,
        "ch_names": np.array(ch_names),
        "tmin": tmin,
    }
    for key in drop:
        keys.pop(key)
    np.savez(path, **keys)
    return path


def _gauss(times_ms, amp, lat, width):
    return amp * np.exp(-((times_ms - lat) ** 2) / (2 * width**2))


TIMES_MS = -500 + np.arange(1001.0)
# Well-separated components: (amplitude µV, latency ms, width ms).
SHAPES = {"n45": (-2.0, 45, 3), "p60": (3.5, 64, 3), "n100": (-6.0, 100, 10)}
SHAPES["p180"] = (4.0, 190, 15)
SIGNAL = sum(_gauss(TIMES_MS, *s) for s in SHAPES.values())


@pytest.mark.parametrize(("fmt", "name"), FORMATS)
def test_recovers_injected_markers(tmp_path, fmt, name):
    path = write_tms_eeg(
        tmp_path / name,
        MARKERS,
        fmt=fmt,
        seed=3,
        n_trials=N_TRIALS,
        n_channels=24,
        sfreq=500.0,
    )
    got = extract_tms_eeg(path)
    assert list(got.markers) == list(TMS_EEG_MARKERS)
    n100 = MARKERS["tep_n100_amp_uv"]
    assert abs(got.markers["tep_n100_amp_uv"] - n100) <= max(0.1 * abs(n100), 0.5)
    assert abs(got.markers["tep_n100_lat_ms"] - MARKERS["tep_n100_lat_ms"]) <= 5
    for key in ("tep_n45_amp_uv", "tep_p60_amp_uv", "tep_p180_amp_uv"):
        assert got.markers[key] == pytest.approx(MARKERS[key], abs=1.0), key
    for name_, lat in (("n45", 45), ("p60", 60), ("p180", 180)):
        assert abs(got.qc[f"{name_}_lat_ms"] - lat) <= 8, name_
    assert got.markers["tep_gmfp_auc"] == pytest.approx(MARKERS["tep_gmfp_auc"], 0.02)
    assert got.qc["trials_total"] == N_TRIALS
    assert got.qc["trials_kept"] == N_TRIALS
    assert got.qc["channels"] == "F3,F1,F5"  # FC3 is not among 24 channels
    assert got.qc["n_channels"] == 24
    assert not any(k.startswith("tep_") for k in got.qc)


def test_noiseless_npz_gives_exact_peaks_and_gmfp_area(tmp_path):
    weights = np.array([1.0, 1.0, 1.0, -1.0])  # ROI channels and an opposite one
    data = np.broadcast_to(weights[:, None] * SIGNAL, (25, 4, SIGNAL.size))
    path = _npz(tmp_path / "clean.npz", data, ["F3", "F1", "FC3", "Oz"])
    got = extract_tms_eeg(path, TmsEegOptions(lowpass_hz=None))
    for name_, (_, lat, _) in SHAPES.items():
        # the deflections' sum at each component's latency (tails overlap a bit)
        amp = SIGNAL[TIMES_MS == lat].item()
        assert got.markers[f"tep_{name_}_amp_uv"] == pytest.approx(amp, abs=1e-9)
        assert got.qc.get(f"{name_}_lat_ms", got.markers["tep_n100_lat_ms"]) == lat
    # GMFP = |signal| * std([1, 1, 1, -1]), integrated from 15 to 250 ms
    window = (TIMES_MS >= 15) & (TIMES_MS <= 250)
    area = np.trapezoid(np.abs(SIGNAL[window]), TIMES_MS[window] / 1000)
    expected = np.sqrt(3) / 2 * area
    assert got.markers["tep_gmfp_auc"] == pytest.approx(expected, rel=1e-9)
    # and about the Gaussians' areas |A| w sqrt(2 pi) (they overlap a little)
    analytic = sum(abs(a) * w * math.sqrt(2 * math.pi) for a, _, w in SHAPES.values())
    assert got.markers["tep_gmfp_auc"] == pytest.approx(
        np.sqrt(3) / 2 * analytic / 1000, rel=0.005
    )
    assert got.qc["trials_kept"] == 25


def test_default_lowpass_barely_moves_a_broad_component(tmp_path):
    n100 = _gauss(TIMES_MS, *SHAPES["n100"])
    data = np.broadcast_to(n100, (25, 3, n100.size))
    path = _npz(tmp_path / "clean.npz", data, ["F3", "F1", "FC3"])
    got = extract_tms_eeg(path)
    assert got.markers["tep_n100_amp_uv"] == pytest.approx(-6.0, rel=0.005)
    assert got.markers["tep_n100_lat_ms"] == 100
    assert got.markers["tep_gmfp_auc"] == pytest.approx(0.0, abs=1e-9)


def test_rejects_noisy_trial_but_not_the_pulse_artifact(tmp_path):
    data = np.array(np.broadcast_to(SIGNAL, (30, 3, SIGNAL.size)))
    data[4, 1, TIMES_MS == 300] += 400.0  # 400 µV spike on one channel: rejected
    data[7, :, (TIMES_MS >= 0) & (TIMES_MS <= 5)] += 5000.0  # the pulse: kept
    path = _npz(tmp_path / "spiky.npz", data, ["F3", "F1", "FC3"])
    got = extract_tms_eeg(path, TmsEegOptions(lowpass_hz=None))
    assert (got.qc["trials_total"], got.qc["trials_kept"]) == (30, 29)
    n100 = SIGNAL[TIMES_MS == 100].item()
    assert got.markers["tep_n100_amp_uv"] == pytest.approx(n100, abs=1e-9)


def test_too_few_trials_kept_is_an_error(tmp_path):
    data = np.array(np.broadcast_to(SIGNAL, (25, 3, SIGNAL.size)))
    data[:10, 0, 600] += 200.0
    path = _npz(tmp_path / "noisy.npz", data, ["F3", "F1", "FC3"])
    with pytest.raises(RawFileError, match=r"noisy\.npz' is too noisy: 15 of 25"):
        extract_tms_eeg(path)


@pytest.mark.parametrize(
    ("channels", "expected", "substitutes"),
    [
        pytest.param(
            ["AF3", "FC5", "C3", "Fz", "Oz", "P4"],
            "AF3,Fz,C3",
            "F3->AF3 (3.6 cm), F1->Fz (2.9 cm), FC3->C3 (3.6 cm)",
            id="no-roi",
        ),
        pytest.param(
            ["Oz", "FC1", "C3", "Fz", "AF3", "P4"],
            "FC1,AF3,Fz",
            "F3->AF3 (3.6 cm), F1->Fz (2.9 cm)",
            id="one-roi",
        ),
    ],
)
def test_absent_roi_channels_get_the_nearest_stand_in(
    tmp_path, channels, expected, substitutes
):
    # head-frame distances of MNE's colin27 10-05 montage, by hand: F3-AF3
    # 3.57 cm, F1-Fz 2.94 cm, FC3-C3 3.6 cm (FC5 lies nearer F5); never Oz, P4
    data = np.broadcast_to(SIGNAL, (25, len(channels), SIGNAL.size))
    path = _npz(tmp_path / "cap.npz", data, channels)
    got = extract_tms_eeg(path)
    assert got.qc["channels"] == expected
    assert got.qc["substitutes"] == substitutes


def test_a_far_channel_never_stands_in_for_the_roi(tmp_path):
    data = np.broadcast_to(SIGNAL, (25, 2, SIGNAL.size))
    path = _npz(tmp_path / "fp1.npz", data, ["Fp1", "Oz"])  # Fp1 is 6.2 cm from F3
    with pytest.raises(RawFileError, match=r"no channel lies within 5 cm"):
        extract_tms_eeg(path)
    wide = TmsEegOptions(max_substitute_distance_m=0.07)
    assert extract_tms_eeg(path, wide).qc["channels"] == "Fp1"


def test_no_roi_and_no_standard_channel_is_an_error(tmp_path):
    data = np.broadcast_to(SIGNAL, (25, 2, SIGNAL.size))
    path = _npz(tmp_path / "odd.npz", data, ["EXG1", "EXG2"])
    with pytest.raises(RawFileError, match=r"odd\.npz': none of the ROI.*EXG1, EXG2"):
        extract_tms_eeg(path)


def test_writer_is_deterministic_and_fills_missing_markers(tmp_path):
    kwargs = {"fmt": "npz", "seed": 11, "n_trials": 20, "n_channels": 8}
    kwargs |= {"sfreq": 500.0, "noise_uv": 0.0}
    markers = dict(MARKERS, tep_n100_lat_ms=float("nan"))
    a = write_tms_eeg(tmp_path / "a.npz", markers, **kwargs)
    b = write_tms_eeg(tmp_path / "b.npz", markers, **kwargs)
    np.testing.assert_array_equal(np.load(a)["data"], np.load(b)["data"])
    got = extract_tms_eeg(a)
    assert got.markers["tep_n100_lat_ms"] == DEFAULT_MARKERS["tep_n100_lat_ms"]
    for key in ("tep_n45_amp_uv", "tep_p60_amp_uv", "tep_n100_amp_uv"):
        assert got.markers[key] == pytest.approx(MARKERS[key], abs=0.01), key
    assert got.markers["tep_gmfp_auc"] == pytest.approx(MARKERS["tep_gmfp_auc"], 0.01)


def test_missing_annotation_lists_the_annotations_found(tmp_path):
    info = mne.create_info(["F3", "F1", "FC3"], 500.0, "eeg")
    data = np.random.default_rng(0).normal(0, 1e-5, (3, 5000))
    raw = mne.io.RawArray(data, info, verbose="error")
    raw.set_annotations(mne.Annotations([1.0, 3.0], 0.0, ["Stim", "BAD_move"]))
    path = tmp_path / "rec.edf"
    mne.export.export_raw(path, raw, verbose="error")
    with pytest.raises(RawFileError, match=r"no 'TMS' annotation.*'BAD_move', 'Stim'"):
        extract_tms_eeg(path)


def test_other_pulse_annotation_name_is_configurable(tmp_path):
    path = write_tms_eeg(
        tmp_path / "rec.vhdr",
        {},
        fmt="vhdr",
        seed=0,
        n_trials=20,
        n_channels=4,
        sfreq=250.0,
        noise_uv=0.0,
    )
    with pytest.raises(RawFileError, match=r"no 'PULSE' annotation.*'Comment/TMS'"):
        extract_tms_eeg(path, TmsEegOptions(annotation="PULSE"))


@pytest.mark.parametrize(
    ("drop", "match"),
    [
        pytest.param("tmin", r"lacks the key\(s\) 'tmin'", id="tmin"),
        pytest.param("ch_names", r"lacks the key\(s\) 'ch_names'", id="ch_names"),
    ],
)
def test_npz_missing_key_is_named(tmp_path, drop, match):
    data = np.zeros((25, 3, 1001))
    path = _npz(tmp_path / "rec.npz", data, ["F3", "F1", "FC3"], drop=(drop,))
    with pytest.raises(RawFileError, match=match):
        extract_tms_eeg(path)


@pytest.mark.parametrize(
    ("data", "names", "tmin", "match"),
    [
        pytest.param(np.zeros((3, 1001)), ["F3"] * 3, -0.5, "shape", id="2d"),
        pytest.param(np.zeros((25, 3, 1001)), ["F3"], -0.5, "1 names", id="names"),
        pytest.param(np.zeros((25, 3, 400)), ["F3"] * 3, -0.005, "span", id="short"),
        pytest.param(
            np.full((25, 3, 1001), np.nan), ["F3"] * 3, -0.5, "non-finite", id="nan"
        ),
    ],
)
def test_npz_wrong_contents(tmp_path, data, names, tmin, match):
    path = _npz(tmp_path / "rec.npz", data, names, tmin=tmin)
    with pytest.raises(RawFileError, match=match):
        extract_tms_eeg(path)


def test_unreadable_file(tmp_path):
    (tmp_path / "broken-epo.fif").write_bytes(b"not a fif file")
    with pytest.raises(RawFileError, match="broken-epo.fif' could not be read"):
        extract_tms_eeg(tmp_path / "broken-epo.fif")


def test_options_are_validated():
    with pytest.raises(pydantic.ValidationError, match="start < end"):
        TmsEegOptions(n100_ms=(140.0, 85.0))
    with pytest.raises(pydantic.ValidationError, match="Extra inputs"):
        TmsEegOptions(n100_window=(85.0, 140.0))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"fmt": "fif"}, "ending in '-epo.fif'", id="suffix"),
        pytest.param({"fmt": "fif", "n_channels": 65}, "2 to 64", id="channels"),
    ],
)
def test_writer_rejects_bad_arguments(tmp_path, kwargs, match):
    name = "rec-epo.fif" if "n_channels" in kwargs else "rec.fif"
    with pytest.raises(UsageError, match=match):
        write_tms_eeg(tmp_path / name, MARKERS, seed=0, **kwargs)
