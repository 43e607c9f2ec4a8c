"""Synthetic TMS-EEG recordings that carry given TEP marker values."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from predict.exceptions import UsageError
from predict.raw._tms_eeg import TMS_EEG_MARKERS, TmsEegOptions
from predict.raw._tms_eeg_roi import select_roi, standard_positions
from predict.raw._tms_eeg_waveform import solve_scale, solve_template

if TYPE_CHECKING:
    from collections.abc import Mapping

    import mne

__all__ = ["DEFAULT_MARKERS", "write_tms_eeg"]

#: Marker values used for a missing (absent or NaN) entry of ``markers``: the
#: centres of ``simulate_cohort``'s TEP distributions.
DEFAULT_MARKERS = {
    "tep_n45_amp_uv": -2.5,
    "tep_p60_amp_uv": 3.0,
    "tep_n100_amp_uv": -5.5,
    "tep_p180_amp_uv": 4.0,
    "tep_n100_lat_ms": 110.0,
    "tep_gmfp_auc": 0.5,
}

_TEN_TWENTY = "Fp1 Fp2 F7 F3 Fz F4 F8 T7 C3 Cz C4 T8 P7 P3 Pz P4 P8 O1 O2".split()
_SUFFIX = {"fif": "-epo.fif", "vhdr": ".vhdr", "edf": ".edf", "npz": ".npz"}
_SPREAD_M = 0.05  # spatial falloff (standard deviation, m) of the TEP around F3
_NOISE_SPREAD_M = 0.035  # spatial smoothing of the background sources
_SENSOR = 0.1  # independent amplifier noise, as a fraction of ``noise_uv``


def channel_names(n_channels: int) -> list[str]:
    """Return the first ``n_channels`` of a 64-channel 10-05 cap (10-20 first)."""
    import mne

    cap = mne.channels.make_standard_montage("biosemi64").ch_names
    order = _TEN_TWENTY + [c for c in cap if c not in _TEN_TWENTY]
    return order[:n_channels]


def write_tms_eeg(
    path: str | Path,
    markers: Mapping[str, float],
    *,
    fmt: Literal["fif", "vhdr", "edf", "npz"],
    seed: int | np.random.Generator,
    n_trials: int = 100,
    n_channels: int = 64,
    sfreq: float = 5000.0,
    noise_uv: float = 5.0,
    tmin: float = -0.5,
    tmax: float = 0.5,
) -> Path:
    """Write a synthetic TMS-EEG recording whose TEPs carry ``markers``.

    Each trial is background EEG plus the pulse response:

    - Channels: the first ``n_channels`` of a 64-channel 10-05 cap (the 19
      10-20 channels first), positions from MNE's ``colin27_1005`` montage.
    - Background: spatially smoothed sources (one per channel, Gaussian
      falloff of 3.5 cm) of 1/f noise rolling off above 40 Hz plus a 10 Hz
      alpha rhythm stronger at the back, scaled to ``noise_uv`` RMS per
      channel, plus independent amplifier noise of a tenth of that.
    - Pulse artifact at 0 ms: a 0.6 ms biphasic spike of a few mV and a
      1.5 ms exponential decay of a few hundred µV, larger near F3, varying
      10 % from trial to trial.
    - TEP: Gaussian deflections N45 (45 ms, width 6 ms), P60 (60 ms, 7 ms),
      N100 (``tep_n100_lat_ms``, 12 ms) and P180 (180 ms, 25 ms). Their
      amplitudes (a linear solve) and centres (damped steps) are adjusted
      until the noiseless ROI signal, processed as by ``extract_tms_eeg``
      with default options, has the given peak amplitudes (to 0.001 µV) at
      the given latencies (within a sample or 0.5 ms). The topography is
      ``alpha * g + beta`` with ``g`` a Gaussian falloff (5 cm) from F3;
      ``beta`` makes its mean over the default ROI channels 1, and ``alpha``
      is solved (``scipy.optimize.brentq``) so that the GMFP area of the
      processed average of this very recording, noise included, equals
      ``tep_gmfp_auc``. A target below the noise's own GMFP area gives a flat
      topography (``alpha = 0``) and a larger area than asked for.

    Epoched formats hold one epoch from ``tmin`` to ``tmax`` per pulse;
    continuous ones (``vhdr``, ``edf``) leave 0.4 to 0.8 s (jittered) between
    consecutive epochs, with a ``"TMS"`` annotation at each pulse. The GMFP
    match is exact for extraction with default options, whose epochs are -0.5
    to 0.5 s.

    Parameters
    ----------
    path : str or path-like
        Output file; its name must end in ``-epo.fif``, ``.vhdr``, ``.edf`` or
        ``.npz`` to match ``fmt``. Overwritten if present.
    markers : mapping of str to float
        Values of the ``tep_*`` contract columns; other keys are ignored and a
        missing or NaN value takes its :data:`DEFAULT_MARKERS` value.
    fmt : {"fif", "vhdr", "edf", "npz"}
        MNE epochs (``mne.EpochsArray.save``), BrainVision or EDF continuous
        (``mne.export.export_raw``), or ``np.savez`` with ``data`` (volts),
        ``sfreq``, ``ch_names`` and ``tmin``.
    seed : int or numpy.random.Generator
        Seed of the noise; the same seed writes the same file.
    n_trials : int, default=100
        Pulses (trials).
    n_channels : int, default=64
        EEG channels, 2 to 64.
    sfreq : float, default=5000.0
        Sampling rate in Hz (above 90 Hz, for the 45 Hz low-pass).
    noise_uv : float, default=5.0
        RMS of the background EEG per channel and trial (µV); 0 writes a
        noiseless recording. With 100 trials the default leaves a baseline
        standard deviation of about 0.4 µV in the average, as in clean
        single-subject TEPs.
    tmin, tmax : float, default=-0.5, 0.5
        Epoch span around each pulse in seconds; must cover -0.3 to 0.25 s.

    Returns
    -------
    path : pathlib.Path
        The file written (the ``.vhdr`` header for BrainVision).

    Raises
    ------
    UsageError
        If an argument is out of range or the name does not match ``fmt``.
    """
    path = Path(path)
    _check_args(path, fmt, n_trials, n_channels, sfreq, noise_uv, tmin, tmax)
    rng = np.random.default_rng(seed)
    values = dict(DEFAULT_MARKERS)
    for key in TMS_EEG_MARKERS:
        try:
            number = float(markers.get(key))  # type: ignore[arg-type]
        except TypeError:  # absent, None or pandas.NA
            continue
        except ValueError as exc:
            raise UsageError(
                f"write_tms_eeg: marker {key!r} must be a number, got "
                f"{markers.get(key)!r}."
            ) from exc
        if np.isfinite(number):
            values[key] = number
    options = TmsEegOptions()
    names = channel_names(n_channels)
    pos = standard_positions()
    xyz = np.array([pos[c.upper()] for c in names])
    n_times = int(round((tmax - tmin) * sfreq)) + 1
    times = tmin + np.arange(n_times) / sfreq
    continuous = fmt in ("vhdr", "edf")
    # Continuous: each epoch sits 0.1-0.3 s into a segment 0.6 s longer than it.
    jitter = rng.uniform(0.1, 0.3, n_trials) if continuous else np.zeros(n_trials)
    before = np.round(jitter * sfreq).astype(int)
    seg = n_times + (int(round(0.6 * sfreq)) if continuous else 0)
    noise = _background(rng, n_trials, seg, sfreq, xyz, noise_uv)
    g = np.exp(-np.sum((xyz - pos["F3"]) ** 2, axis=1) / (2 * _SPREAD_M**2))
    fixed = _artifact(rng, n_trials, times, g)
    for k in range(n_trials):
        noise[k, :, before[k] : before[k] + n_times] += fixed[k]
    template = solve_template(values, times, sfreq, options)
    # no distance limit: a 2-channel montage has no channel near F3 at all
    roi = select_roi(names, options.model_copy(update={"max_substitute_distance_m": 1}))
    mean_uv = np.zeros((n_channels, n_times))
    for k in range(n_trials):
        mean_uv += noise[k, :, before[k] : before[k] + n_times] * (1e6 / n_trials)
    alpha = solve_scale(mean_uv, g, template, times, sfreq, values, options)
    beta = 1.0 - alpha * g[roi].mean()
    response = np.outer(alpha * g + beta, template)
    for k in range(n_trials):
        noise[k, :, before[k] : before[k] + n_times] += response * 1e-6
    if continuous:
        onsets = np.arange(n_trials) * seg + before - int(round(tmin * sfreq))
        _write_raw(path, fmt, noise, names, sfreq, onsets)
    else:
        _write_epochs(path, fmt, noise, names, sfreq, tmin)
    return path


def _check_args(
    path: Path,
    fmt: str,
    n_trials: int,
    n_channels: int,
    sfreq: float,
    noise_uv: float,
    tmin: float,
    tmax: float,
) -> None:
    if fmt not in _SUFFIX:
        raise UsageError(f"fmt must be one of {sorted(_SUFFIX)}, got {fmt!r}.")
    if not path.name.lower().endswith(_SUFFIX[fmt]):
        raise UsageError(
            f"File name '{path.name}' does not match fmt={fmt!r}: expected a name "
            f"ending in '{_SUFFIX[fmt]}'."
        )
    checks = [
        (n_trials >= 1, f"n_trials must be at least 1, got {n_trials}"),
        (2 <= n_channels <= 64, f"n_channels must be 2 to 64, got {n_channels}"),
        (sfreq > 90, f"sfreq must be above 90 Hz, got {sfreq}"),
        (noise_uv >= 0, f"noise_uv must be non-negative, got {noise_uv}"),
        (
            tmin <= -0.3 and tmax >= 0.25,
            f"tmin, tmax must cover -0.3 to 0.25 s, got {tmin}, {tmax}",
        ),
    ]
    for ok, message in checks:
        if not ok:
            raise UsageError(f"write_tms_eeg: {message}.")


def _background(
    rng: np.random.Generator,
    n_trials: int,
    n_samples: int,
    sfreq: float,
    xyz: np.ndarray,
    noise_uv: float,
) -> np.ndarray:
    """Return EEG-like noise (n_trials, n_channels, n_samples) in volts."""
    freqs = np.fft.rfftfreq(n_samples, 1 / sfreq)
    pink = 1 / np.sqrt(np.maximum(freqs, 1.0)) / np.sqrt(1 + (freqs / 40) ** 4)
    pink[0] = 0.0
    alpha = np.exp(-((freqs - 10.0) ** 2) / (2 * 1.5**2))
    pink /= np.linalg.norm(pink)
    alpha /= np.linalg.norm(alpha)
    back = 1 / (1 + np.exp(xyz[:, 1] / 0.03))  # 1 at the back of the head
    dist2 = np.sum((xyz[:, None] - xyz[None]) ** 2, axis=-1)
    mixing = np.exp(-dist2 / (2 * _NOISE_SPREAD_M**2))
    # Independent pink and alpha parts of a source add up to one complex
    # Gaussian spectrum whose amplitude is the root of their summed powers.
    amplitude = np.sqrt(pink**2 + (back[:, None] * alpha) ** 2)
    n_ch = len(xyz)
    out = np.empty((n_trials, n_ch, n_samples))
    for start in range(0, n_trials, 10):
        stop = min(start + 10, n_trials)
        white = rng.standard_normal((2, stop - start, n_ch, len(freqs)))
        spectrum = (white[0] + 1j * white[1]) * amplitude
        out[start:stop] = mixing @ np.fft.irfft(spectrum, n=n_samples, axis=-1)
    rms = np.sqrt(np.einsum("tcn,tcn->c", out, out) / (n_trials * n_samples))
    out *= (noise_uv / np.where(rms > 0, rms, 1.0))[None, :, None]
    out += rng.standard_normal(out.shape) * (_SENSOR * noise_uv)
    out *= 1e-6
    return out


def _artifact(
    rng: np.random.Generator, n_trials: int, times: np.ndarray, g: np.ndarray
) -> np.ndarray:
    """Return the pulse artifact (n_trials, n_channels, n_times) in volts."""
    after = times >= 0
    t_ms = np.where(after, times * 1000, 0.0)
    spike = np.where(t_ms < 0.6, np.sin(2 * np.pi * t_ms / 0.6), 0.0) * after
    decay = np.exp(-t_ms / 1.5) * after
    sign = rng.choice([-1.0, 1.0], size=len(g))
    spike_uv = 3000.0 * (0.3 + g) * sign
    decay_uv = 400.0 * (0.2 + g) * sign
    shape = np.outer(spike_uv, spike) + np.outer(decay_uv, decay)
    scale = 1 + 0.1 * rng.standard_normal(n_trials)
    return scale[:, None, None] * shape[None] * 1e-6


def _info(names: list[str], sfreq: float) -> mne.Info:
    import mne

    info = mne.create_info(names, sfreq, "eeg")
    montage = mne.channels.make_standard_montage("colin27_1005")
    info.set_montage(montage, on_missing="ignore", verbose="error")
    return info


def _write_epochs(
    path: Path, fmt: str, data: np.ndarray, names: list[str], sfreq: float, tmin: float
) -> None:
    if fmt == "npz":
        np.savez(
            path,
            data=data.astype(np.float32),
            sfreq=np.float64(sfreq),
            ch_names=np.array(names),
            tmin=np.float64(tmin),
        )
        return
    import mne

    n = len(data)
    events = np.column_stack(
        [np.arange(n) * data.shape[-1], np.zeros(n, int), np.ones(n, int)]
    )
    epochs = mne.EpochsArray(
        data,
        _info(names, sfreq),
        events=events,
        tmin=tmin,
        event_id={"TMS": 1},
        baseline=None,
        verbose="error",
    )
    epochs.save(path, overwrite=True, verbose="error")


def _write_raw(
    path: Path,
    fmt: str,
    data: np.ndarray,
    names: list[str],
    sfreq: float,
    onsets: np.ndarray,
) -> None:
    import mne

    continuous = data.transpose(1, 0, 2).reshape(len(names), -1)
    raw = mne.io.RawArray(continuous, _info(names, sfreq), verbose="error")
    raw.set_annotations(mne.Annotations(onsets / sfreq, 0.0, "TMS"))
    mne.export.export_raw(
        path,
        raw,
        fmt="brainvision" if fmt == "vhdr" else "edf",
        overwrite=True,
        verbose="error",
    )
