"""Synthetic resting-state EEG recordings with chosen ``eeg_*`` markers."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from predict.exceptions import UsageError
from predict.raw._rest_eeg import (
    RestEegOptions,
    _band_power,
    _iaf,
    _welch,
)

if TYPE_CHECKING:
    import mne

__all__ = ["CHANNELS", "REST_EEG_MARKERS", "simulate_rest_eeg", "write_rest_eeg"]

#: The 19 channels of the international 10-20 system written to every file.
CHANNELS = (
    "Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T7", "C3", "Cz",
    "C4", "T8", "P7", "P3", "Pz", "P4", "P8", "O1", "O2",
)  # fmt: skip

_ENDINGS = {"vhdr": ".vhdr", "edf": ".edf", "fif": "-raw.fif"}
#: The contract columns a resting-EEG recording gives.
REST_EEG_MARKERS = ("eeg_iaf_hz", "eeg_theta_frontal_rel", "eeg_alpha_asym")
_RANGES = {
    "eeg_iaf_hz": (7.1, 12.9),
    "eeg_theta_frontal_rel": (0.02, 0.9),
    "eeg_alpha_asym": (-2.0, 2.0),
}
#: Root-mean-square amplitudes (µV) of the background and of posterior alpha.
_BACKGROUND_UV = 8.0
_ALPHA_UV = 20.0
_TOLERANCE = 1e-4


def write_rest_eeg(
    path: str | Path,
    markers: Mapping[str, float],
    *,
    fmt: Literal["vhdr", "edf", "fif"],
    seed: int | np.random.Generator,
    duration_s: float = 120.0,
    sfreq: float = 250.0,
) -> Path:
    """Write a synthetic resting-state EEG whose markers are ``markers``.

    Nineteen 10-20 channels carry a 1/f background, an alpha rhythm peaking
    at ``eeg_iaf_hz`` (strongest posteriorly), and on the frontal channels a
    theta rhythm (or beta activity, to lower relative theta) scaled so that
    ``extract_rest_eeg`` with default options returns the markers (see
    :func:`simulate_rest_eeg` for the model and the accuracy reached).

    Parameters
    ----------
    path : str or path-like
        File to write; its name must end in ``.vhdr``, ``.edf`` or
        ``-raw.fif`` as ``fmt`` says. BrainVision also writes ``.vmrk`` and
        ``.eeg`` files beside it.
    markers : mapping of str to float
        ``eeg_iaf_hz`` (7.1-12.9 Hz, inside the default IAF search band),
        ``eeg_theta_frontal_rel`` (0.02-0.9) and ``eeg_alpha_asym`` (-2 to
        2), all finite.
    fmt : {"vhdr", "edf", "fif"}
        File format.
    seed : int or numpy.random.Generator
        Random state of the noise.
    duration_s : float, default=120.0
        Recording length in seconds (at least 30).
    sfreq : float, default=250.0
        Sampling frequency in Hz (at least 100).

    Returns
    -------
    path : pathlib.Path
        The file written (the ``.vhdr`` header for BrainVision).

    Raises
    ------
    predict.exceptions.UsageError
        If a marker is missing or out of range, or the path does not match
        ``fmt``.
    """
    import mne

    if fmt not in _ENDINGS:
        raise UsageError(
            f"Unknown resting EEG format {fmt!r}: expected one of "
            f"{', '.join(map(repr, _ENDINGS))}."
        )
    path = Path(path)
    if not path.name.lower().endswith(_ENDINGS[fmt]):
        raise UsageError(
            f"Resting EEG file '{path}' does not match format {fmt!r}: expected a "
            f"name ending in {_ENDINGS[fmt]!r}."
        )
    raw = simulate_rest_eeg(markers, seed=seed, duration_s=duration_s, sfreq=sfreq)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "fif":
        raw.save(path, overwrite=True, verbose="error")
    else:
        fmt_name = "brainvision" if fmt == "vhdr" else "edf"
        mne.export.export_raw(path, raw, fmt=fmt_name, overwrite=True, verbose="error")
    return path


def simulate_rest_eeg(
    markers: Mapping[str, float],
    *,
    seed: int | np.random.Generator,
    duration_s: float = 120.0,
    sfreq: float = 250.0,
) -> mne.io.RawArray:
    """Simulate a resting-state EEG with the given markers.

    Every channel is a sum of independent random-phase processes (fixed
    amplitude spectrum, uniform random phases, so Welch estimates fluctuate
    little): a 1/f^chi background (chi drawn in 1.2-1.8, 8 µV rms) and an
    alpha rhythm with a Gaussian spectral peak (SD drawn in 0.4-0.7 Hz; 20 µV
    rms at the back of the head, falling to about a third frontally). The
    frontal channels (Fz, F3, F4) add a theta rhythm (peak at 6 Hz) when their
    relative theta power must rise, or beta activity (peak at 20 Hz) when it
    must fall, and the F4/F3 alpha amplitudes set the asymmetry. The alpha
    peak centre (with up to five fresh alpha realisations when the spectrum's
    maximum jumps between two noise bumps), the theta/beta scales and the
    F4/F3 alpha gains are solved iteratively on the Welch spectra that
    ``extract_rest_eeg`` computes with default options, until each marker
    is within 1e-4 of its target. File formats add their own rounding (EDF
    stores 16-bit integers), which moved no marker by more than 1e-4 in
    tests.

    Parameters
    ----------
    markers : mapping of str to float
        ``eeg_iaf_hz`` (7.1-12.9 Hz, inside the default IAF search band),
        ``eeg_theta_frontal_rel`` (0.02-0.9) and ``eeg_alpha_asym`` (-2 to
        2).
    seed : int or numpy.random.Generator
        Random state.
    duration_s : float, default=120.0
        Length in seconds (at least 30).
    sfreq : float, default=250.0
        Sampling frequency in Hz (at least 100).

    Returns
    -------
    raw : mne.io.RawArray
        The recording in volts, with standard 10-05 positions.
    """
    import mne

    targets = _check(markers, duration_s, sfreq)
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * sfreq))
    freqs = np.fft.rfftfreq(n, 1 / sfreq)
    options = RestEegOptions()

    def shaped(amplitude: np.ndarray, phases: np.ndarray) -> np.ndarray:
        out = np.fft.irfft(np.exp(2j * np.pi * phases) * amplitude, n=n, axis=1)
        return out / out.std(axis=1, keepdims=True)

    def noise(rows: int) -> np.ndarray:
        return rng.random((rows, freqs.size))

    n_ch = len(CHANNELS)
    chi = rng.uniform(1.2, 1.8)
    background = np.where(freqs > 0, np.maximum(freqs, 1.0) ** (-chi / 2), 0.0)
    width = rng.uniform(0.4, 0.7)
    data = _BACKGROUND_UV * shaped(background, noise(n_ch))
    alpha_phases = noise(n_ch)
    positions = _template_positions()
    y = np.array([positions[ch.lower()][1] for ch in CHANNELS])
    gain = _ALPHA_UV * (0.35 + 0.65 / (1 + np.exp(y / 0.02)))

    # IAF: shift the alpha peak until the posterior spectrum peaks at the target.
    posterior = [CHANNELS.index(ch) for ch in ("O1", "O2", "Pz", "P3", "P4")]
    target = targets["eeg_iaf_hz"]
    middle = sum(options.iaf_band) / 2
    best = (math.inf, target, alpha_phases)
    for _attempt in range(5):  # a fresh alpha realisation if one cannot converge
        centre, step, last = target, 0.7, 0.0
        for _ in range(12):
            alpha = shaped(_peak(freqs, centre, width), alpha_phases)
            rows = data[posterior] + gain[posterior, None] * alpha[posterior]
            psd, f = _spectra(rows, sfreq, options)
            error = _iaf(psd.mean(axis=0), f, options) - target
            if math.isnan(error):  # the peak fell on a band edge: move it inwards
                centre += math.copysign(0.05, middle - centre)
                continue
            if abs(error) < best[0]:
                best = (abs(error), centre, alpha_phases)
            if abs(error) < _TOLERANCE:
                break
            step = step / 2 if error * last < 0 else step
            centre, last = centre - step * error, error
        if best[0] < _TOLERANCE:
            break
        alpha_phases = noise(n_ch)
    alpha = shaped(_peak(freqs, best[1], width), best[2])

    frontal = [CHANNELS.index(ch) for ch in ("Fz", "F3", "F4")]
    pair = [frontal.index(CHANNELS.index(ch)) for ch in ("F4", "F3")]
    theta = shaped(_peak(freqs, 6.0, 0.7), noise(len(frontal)))
    beta = shaped(_peak(freqs, 20.0, 4.0), noise(len(frontal)))
    alpha_front = gain[frontal, None] * alpha[frontal]
    scales = _match_frontal(
        data[frontal], alpha_front, theta, beta, pair, targets, sfreq, options
    )
    data = data + gain[:, None] * alpha
    data[frontal] += (
        (scales[0][:, None] - 1) * alpha_front
        + scales[1][:, None] * theta
        + scales[2][:, None] * beta
    )
    info = mne.create_info(list(CHANNELS), sfreq, "eeg")
    raw = mne.io.RawArray(data * 1e-6, info, verbose="error")
    montage = {ch: positions[ch.lower()] for ch in CHANNELS}
    raw.set_montage(
        mne.channels.make_dig_montage(montage, coord_frame="head"), verbose="error"
    )
    return raw


def _match_frontal(
    background: np.ndarray,
    alpha: np.ndarray,
    theta: np.ndarray,
    beta: np.ndarray,
    pair: list[int],
    targets: dict[str, float],
    sfreq: float,
    options: RestEegOptions,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scale frontal alpha, theta and beta to hit relative theta and asymmetry.

    Rows are the frontal channels; ``pair`` indexes the (F4, F3) rows. Each
    step measures the markers, moves the F4/F3 alpha gains symmetrically by
    the asymmetry error, then solves per channel the theta (or beta) power
    that brings theta/total to an aim, using the component band powers
    (cross terms ignored); the aim absorbs the cross terms by moving by the
    remaining error. Returns the alpha, theta and beta scales per row.
    """
    rel, asym = targets["eeg_theta_frontal_rel"], targets["eeg_alpha_asym"]
    theta_th, theta_tot = _theta_total(theta, sfreq, options)
    beta_th, beta_tot = _theta_total(beta, sfreq, options)
    n_rows = len(background)
    a_scale, t_scale, b_scale = np.ones(n_rows), np.zeros(n_rows), np.zeros(n_rows)
    aim = np.full(n_rows, rel)
    for step in range(40):
        base = background + a_scale[:, None] * alpha
        rows = base + t_scale[:, None] * theta + b_scale[:, None] * beta
        got_th, got_tot = _theta_total(rows, sfreq, options)
        psd, f = _spectra(rows[pair], sfreq, options)
        right, left = (_band_power(p, f, options.alpha_band) for p in psd)
        got_rel, got_asym = got_th / got_tot, math.log(right) - math.log(left)
        if max(np.max(np.abs(got_rel - rel)), abs(got_asym - asym)) < _TOLERANCE:
            break
        if step:
            aim += rel - got_rel
        a_scale[pair[0]] *= math.exp((asym - got_asym) / 4)
        a_scale[pair[1]] *= math.exp((got_asym - asym) / 4)
        th0, tot0 = _theta_total(background + a_scale[:, None] * alpha, sfreq, options)
        more = th0 / tot0 < aim
        t_power = (aim * tot0 - th0) / (theta_th - aim * theta_tot)
        b_power = (th0 - aim * tot0) / (aim * beta_tot - beta_th)
        t_scale = np.sqrt(np.clip(t_power, 0, None) * more)
        b_scale = np.sqrt(np.clip(b_power, 0, None) * ~more)
    return a_scale, t_scale, b_scale


def _spectra(
    rows: np.ndarray, sfreq: float, options: RestEegOptions
) -> tuple[np.ndarray, np.ndarray]:
    """Return the Welch spectra ``extract_rest_eeg`` would compute for ``rows``."""
    import mne

    info = mne.create_info(len(rows), sfreq, "eeg")
    raw = mne.io.RawArray(rows, info, verbose="error")
    psd, freqs, _ = _welch(raw, list(info.ch_names), options, "simulation")
    return psd, freqs


def _theta_total(
    rows: np.ndarray, sfreq: float, options: RestEegOptions
) -> tuple[np.ndarray, np.ndarray]:
    """Return theta-band and total-band power per row."""
    psd, f = _spectra(rows, sfreq, options)
    theta = np.array([_band_power(p, f, options.theta_band) for p in psd])
    total = np.array([_band_power(p, f, options.total_band) for p in psd])
    return theta, total


def _peak(freqs: np.ndarray, centre: float, width: float) -> np.ndarray:
    """Amplitude spectrum of a Gaussian power peak (``width`` = SD in Hz)."""
    return np.exp(-((freqs - centre) ** 2) / (4 * width**2))


def _check(markers: Mapping[str, float], duration_s: float, sfreq: float) -> dict:
    """Return the validated targets, or raise a UsageError naming the problem."""
    missing = [m for m in REST_EEG_MARKERS if m not in markers]
    if missing:
        raise UsageError(
            f"write_rest_eeg needs the markers {', '.join(REST_EEG_MARKERS)}; missing: "
            f"{', '.join(missing)}."
        )
    targets = {}
    for name, (low, high) in _RANGES.items():
        value = float(markers[name])
        if not low <= value <= high:
            raise UsageError(
                f"write_rest_eeg cannot simulate {name}={value}: expected a finite "
                f"value in {low}-{high}."
            )
        targets[name] = value
    if duration_s < 30:
        raise UsageError(f"duration_s must be at least 30 s; got {duration_s}.")
    if sfreq < 100:
        raise UsageError(f"sfreq must be at least 100 Hz; got {sfreq}.")
    return targets


@functools.cache
def _template_positions() -> dict[str, np.ndarray]:
    """Return standard 10-05 template positions (m) by lower-case name."""
    import mne

    name = (
        "colin27_1005"
        if "colin27_1005" in mne.channels.get_builtin_montages()
        else "standard_1005"
    )
    montage = mne.channels.make_standard_montage(name)
    return {
        k.lower(): np.asarray(v) for k, v in montage.get_positions()["ch_pos"].items()
    }
