from __future__ import annotations

import math

import mne
import numpy as np
import pytest
from pydantic import ValidationError

from predict.exceptions import UsageError
from predict.raw._common import RawFileError
from predict.raw._rest_eeg import RestEegOptions, extract_rest_eeg, measure
from predict.raw._rest_eeg_write import CHANNELS, simulate_rest_eeg, write_rest_eeg

SFREQ = 250.0


def _sines(components, *, seconds=40.0, noise_uv=None, sfreq=SFREQ, seed=0):
    """Channels that are sums of sinusoids (frequency Hz, amplitude µV)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sfreq)) / sfreq
    rows = []
    for parts in components.values():
        row = sum(a * np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) for f, a in parts)
        rows.append(np.asarray(row, dtype=float) + 0 * t)
    data = np.array(rows)
    if noise_uv is not None:
        data += noise_uv[:, None] * rng.standard_normal(data.shape)
    info = mne.create_info(list(components), sfreq, "eeg")
    return mne.io.RawArray(data * 1e-6, info, verbose="error")


def _save(raw, tmp_path, name="rec-raw.fif"):
    path = tmp_path / name
    raw.save(path, overwrite=True, verbose="error")
    return path


# Frontal channels: theta 6 Hz, beta 20 Hz and alpha 10 Hz with F4/F3 amplitude 3/2.
FRONTAL = {
    "Fz": [(6.0, 4.0), (20.0, 6.0)],
    "F3": [(6.0, 3.0), (20.0, 5.0), (10.0, 2.0)],
    "F4": [(6.0, 5.0), (20.0, 2.0), (10.0, 3.0)],
}
POSTERIOR = {name: [(9.6, 10.0)] for name in ("O1", "O2", "Pz")}


def _expected_theta():
    rel = [
        sum(a**2 for f, a in parts if f == 6.0) / sum(a**2 for _, a in parts)
        for parts in FRONTAL.values()
    ]
    return float(np.mean(rel))


def test_known_sinusoids_give_known_markers(tmp_path):
    components = {**POSTERIOR, **FRONTAL}
    noise = np.array([1.0] * 3 + [0.0] * 3)  # white noise on posterior channels only
    path = _save(_sines(components, noise_uv=noise), tmp_path)
    extraction = extract_rest_eeg(path)
    markers = extraction.markers
    assert abs(markers["eeg_iaf_hz"] - 9.6) < 0.02
    np.testing.assert_allclose(
        markers["eeg_theta_frontal_rel"], _expected_theta(), atol=1e-4
    )
    np.testing.assert_allclose(markers["eeg_alpha_asym"], math.log(9 / 4), atol=1e-4)
    assert extraction.qc["iaf_channels"] == "O1,O2,Pz"
    assert extraction.qc["theta_channels"] == "Fz,F3,F4"
    assert extraction.qc["asymmetry_channels"] == "F4,F3"
    assert extraction.qc["duration_s"] == 40.0
    assert extraction.qc["substitutes"] == ""
    cog = extract_rest_eeg(path, RestEegOptions(iaf_method="cog")).markers
    assert abs(cog["eeg_iaf_hz"] - 9.6) < 0.05


def test_edf_style_channel_names_are_matched(tmp_path):
    raw = _sines({**POSTERIOR, **FRONTAL})
    raw.rename_channels({ch: f"EEG {ch}-REF" for ch in raw.ch_names})
    markers = extract_rest_eeg(_save(raw, tmp_path)).markers
    np.testing.assert_allclose(markers["eeg_alpha_asym"], math.log(9 / 4), atol=1e-4)


def test_no_alpha_peak_gives_nan_iaf(tmp_path):
    rng = np.random.default_rng(1)
    raw = _sines({**POSTERIOR, **FRONTAL})
    brown = np.cumsum(rng.standard_normal((3, raw.n_times)), axis=1) * 1e-6
    raw._data[:3] = brown - brown.mean(axis=1, keepdims=True)  # 1/f^2, no peak
    markers = extract_rest_eeg(_save(raw, tmp_path)).markers
    assert math.isnan(markers["eeg_iaf_hz"])
    assert math.isfinite(markers["eeg_alpha_asym"])


@pytest.mark.parametrize(
    ("fmt", "name", "targets"),
    [
        pytest.param("vhdr", "rec.vhdr", (10.3, 0.20, 0.10), id="vhdr"),
        pytest.param("edf", "rec.edf", (8.2, 0.08, -0.60), id="edf"),
        pytest.param("fif", "rec-raw.fif", (11.6, 0.45, 0.80), id="fif"),
    ],
)
def test_writer_round_trip(tmp_path, fmt, name, targets):
    markers = dict(
        zip(
            ("eeg_iaf_hz", "eeg_theta_frontal_rel", "eeg_alpha_asym"),
            targets,
            strict=True,
        )
    )
    path = write_rest_eeg(tmp_path / name, markers, fmt=fmt, seed=5, duration_s=60.0)
    extraction = extract_rest_eeg(path)
    got = extraction.markers
    assert abs(got["eeg_iaf_hz"] - markers["eeg_iaf_hz"]) < 0.05  # brief: 0.25 Hz
    assert abs(got["eeg_theta_frontal_rel"] - markers["eeg_theta_frontal_rel"]) < 1e-3
    assert abs(got["eeg_alpha_asym"] - markers["eeg_alpha_asym"]) < 1e-3
    assert extraction.qc["duration_s"] == 60.0
    assert extraction.qc["iaf_channels"] == "O1,O2,Pz,P3,P4"


def test_simulated_recording_is_plausible_eeg():
    raw = simulate_rest_eeg(
        {"eeg_iaf_hz": 10.0, "eeg_theta_frontal_rel": 0.2, "eeg_alpha_asym": 0.0},
        seed=2,
        duration_s=30.0,
    )
    assert raw.ch_names == list(CHANNELS)
    rms_uv = raw.get_data().std(axis=1) * 1e6
    assert np.all((rms_uv > 5) & (rms_uv < 60))
    o1, fz = rms_uv[CHANNELS.index("O1")], rms_uv[CHANNELS.index("Fz")]
    assert o1 > fz  # alpha is strongest at the back of the head


def test_missing_channel_is_replaced_by_nearest_same_side(tmp_path):
    raw = _sines({**POSTERIOR, **FRONTAL, "F8": [(10.0, 3.0)], "Cz": [(10.0, 1.0)]})
    raw.drop_channels(["F4"])
    extraction = extract_rest_eeg(_save(raw, tmp_path))
    assert extraction.qc["substitutes"] == "F4->F8 (5.8 cm)"
    assert extraction.qc["asymmetry_channels"] == "F8,F3"
    assert extraction.qc["theta_channels"] == "Fz,F3"
    np.testing.assert_allclose(
        extraction.markers["eeg_alpha_asym"], math.log(9 / 4), atol=1e-4
    )


def test_no_channel_nearby_lists_the_file_channels(tmp_path):
    raw = _sines({"T7": [(10.0, 5.0)], "T8": [(10.0, 5.0)]})
    with pytest.raises(
        RawFileError, match=r"none of the channels O1, .*channels in the file: T7, T8"
    ):
        extract_rest_eeg(_save(raw, tmp_path))


def test_no_eeg_channel(tmp_path):
    info = mne.create_info(["EMG1", "EMG2"], SFREQ, "emg")
    raw = mne.io.RawArray(np.zeros((2, 2500)), info, verbose="error")
    with pytest.raises(
        RawFileError, match=r"no good EEG channel \(channels: EMG1, EMG2"
    ):
        extract_rest_eeg(_save(raw, tmp_path))


def test_too_short_recording(tmp_path):
    raw = _sines({**POSTERIOR, **FRONTAL}, seconds=2.0)
    with pytest.raises(RawFileError, match="lasts 2.0 s: expected at least one Welch"):
        extract_rest_eeg(_save(raw, tmp_path))


def test_too_low_sampling_rate(tmp_path):
    raw = _sines({**POSTERIOR, **FRONTAL}, sfreq=64.0)
    with pytest.raises(RawFileError, match="sampled at 64 Hz.*above 80 Hz"):
        extract_rest_eeg(_save(raw, tmp_path))


def test_unreadable_file(tmp_path):
    path = tmp_path / "rec.edf"
    path.write_bytes(b"not an edf header" * 10)
    with pytest.raises(RawFileError, match="Cannot read resting EEG file"):
        extract_rest_eeg(path)


def test_options_are_validated():
    with pytest.raises(ValidationError, match="theta_band must be"):
        RestEegOptions(theta_band=(8.0, 4.0))
    with pytest.raises(ValidationError, match="two different channels"):
        RestEegOptions(asymmetry_pair=("F4", "f4"))
    with pytest.raises(ValidationError, match="Extra inputs"):
        RestEegOptions(welch=2.0)


GOOD = {"eeg_iaf_hz": 10.0, "eeg_theta_frontal_rel": 0.2, "eeg_alpha_asym": 0.0}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"fmt": "set", "path": "a.set"}, "Unknown resting EEG", id="fmt"),
        pytest.param(
            {"fmt": "fif", "path": "a.fif"}, "ending in '-raw.fif'", id="name"
        ),
        pytest.param(
            {"markers": {**GOOD, "eeg_iaf_hz": 6.0}},
            r"eeg_iaf_hz=6.0.*7.1-12.9",
            id="iaf",
        ),
        pytest.param(
            {"markers": {**GOOD, "eeg_alpha_asym": math.nan}},
            "eeg_alpha_asym=nan",
            id="nan",
        ),
        pytest.param(
            {"markers": {"eeg_iaf_hz": 10.0}},
            "missing: eeg_theta_frontal_rel",
            id="missing",
        ),
        pytest.param({"duration_s": 10.0}, "at least 30 s", id="short"),
    ],
)
def test_writer_rejects_bad_arguments(tmp_path, kwargs, match):
    arguments = {"path": "a.edf", "markers": GOOD, "fmt": "edf", "seed": 0, **kwargs}
    arguments["path"] = tmp_path / arguments["path"]
    with pytest.raises(UsageError, match=match):
        write_rest_eeg(**arguments)


def test_bad_segments_are_left_out(tmp_path):
    raw = _sines({**POSTERIOR, **FRONTAL})
    clean = extract_rest_eeg(_save(raw, tmp_path, "clean-raw.fif"))
    t = np.arange(raw.n_times) / SFREQ
    raw._data[3:, t < 10] += 1e-3 * np.sin(2 * np.pi * 7 * t[t < 10])  # artefact
    raw.set_annotations(mne.Annotations([0.0], [10.0], ["BAD_movement"]))
    extraction = extract_rest_eeg(_save(raw, tmp_path, "bad-raw.fif"))
    assert extraction.qc["n_segments"] < clean.qc["n_segments"]
    for name, value in clean.markers.items():
        np.testing.assert_allclose(extraction.markers[name], value, atol=2e-3)


@pytest.mark.parametrize(
    "iaf", [pytest.param(7.15, id="low"), pytest.param(12.85, id="high")]
)
def test_writer_reaches_iaf_near_the_search_band_edges(iaf):
    markers = {"eeg_iaf_hz": iaf, "eeg_theta_frontal_rel": 0.3, "eeg_alpha_asym": -0.2}
    raw = simulate_rest_eeg(markers, seed=8, duration_s=60.0)
    got = measure(raw, RestEegOptions()).markers
    for name, value in markers.items():
        assert abs(got[name] - value) < 1e-3
