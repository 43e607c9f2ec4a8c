"""The ``standard`` TMS-EEG cleaning pipeline (TESA-style, with MNE's tools).

Steps, in order, on the single trials (each logged in the QC figures):

1. **Decay artifact**: per channel, ``A exp(-(t - t1) / tau) + c`` is fitted
   (least squares; ``tau`` on a grid over ``decay_tau_ms``) to the trial
   average from the end of the artifact window ``t1`` to ``decay_fit_ms[1]``,
   and the exponential is subtracted from every trial after ``t1``.
2. **Pulse removal and interpolation**: the artifact window is replaced by a
   cubic fitted to ``interp_flank_ms`` either side (every trial, channel).
3. **Downsampling** to ``downsample_hz`` (``mne.filter.resample``) when the
   file is sampled faster.
4. **Filtering**: zero-phase 4th-order Butterworth band-pass ``band_hz`` and
   IIR notches at ``line_hz`` below Nyquist (``mne.filter``).
5. **Bad channels**: robust z-score (median/MAD across channels) of each
   channel's log variance before the pulse above ``bad_channel_z`` marks it
   bad; bad channels with a position are interpolated (spherical splines,
   ``Epochs.interpolate_bads``), the others dropped.
6. **Trial rejection**: peak-to-peak over ``reject_uv`` outside the artifact
   window, as in ``minimal``.
7. **ICA** (``mne.preprocessing.ICA``, FastICA, ``ica_components``), with the
   rules of TESA's ``tesa_compselect`` (Rogasch et al. 2017) and its default
   thresholds: *TMS-evoked muscle* when the trial-averaged, z-scored component
   time course has a mean absolute value in ``muscle_window_ms`` over
   ``muscle_ratio`` times its mean over the epoch; *blink* when the mean
   absolute z-score (across channels) of the component's topography at
   ``blink_channels`` exceeds ``blink_z``; *eye movement* when the
   topography's z-scores at the two ``move_channels`` both exceed
   ``move_z`` in size with opposite signs; *electrode noise* when any
   channel's topography z-score exceeds ``noise_z`` in size. Flagged
   components are removed (``ICA.apply``).
8. **Average reference**, then the trial average, baseline-corrected.

mne-icalabel is not used: its ICLabel network is trained on resting and task
EEG, not on TMS-evoked artifacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from predict.raw._channels import file_positions, normalise
from predict.raw._common import RawFileError

if TYPE_CHECKING:
    from predict.raw._tms_eeg import TmsEegOptions
    from predict.raw._tms_eeg_read import TrialData

__all__ = ["Cleaned", "CleaningOptions", "clean_trials"]

Window = tuple[float, float]


class CleaningOptions(BaseModel):
    """Settings of the ``standard`` pipeline (see the module's steps).

    Parameters
    ----------
    decay_fit_ms : tuple of float, default=(12.0, 300.0)
        Window of the decay fit; its start is the artifact window's end when
        that is later.
    decay_tau_ms : tuple of float, default=(2.0, 40.0)
        Range of decay time constants tried (40 log-spaced values).
    downsample_hz : float, default=1000.0
        Sampling rate after downsampling (files at or below it are kept).
    band_hz : tuple of float, default=(1.0, 45.0)
        Band-pass edges (Hz).
    line_hz : tuple of float, default=(50.0,)
        Line-noise notches (Hz); ``()`` for none.
    bad_channel_z : float, default=3.5
        Robust z-score of a channel's pre-pulse log variance that marks it bad.
    ica_components : int, default=15
        ICA components (fewer when the data's rank is lower).
    muscle_window_ms, muscle_ratio : tuple of float, float
        TESA's ``tmsMuscleWin`` (11, 30) ms and ``tmsMuscleThresh`` 8.
    blink_channels, blink_z : tuple of str, float
        TESA's ``blinkElecs`` (Fp1, Fp2) and ``blinkThresh`` 2.5.
    move_channels, move_z : tuple of str, float
        TESA's ``moveElecs`` (F7, F8) and ``moveThresh`` 2.
    noise_z : float, default=4.0
        TESA's ``elecNoiseThresh``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    decay_fit_ms: Window = (12.0, 300.0)
    decay_tau_ms: Window = (2.0, 40.0)
    downsample_hz: float = Field(1000.0, gt=0)
    band_hz: Window = (1.0, 45.0)
    line_hz: tuple[float, ...] = (50.0,)
    bad_channel_z: float = Field(3.5, gt=0)
    ica_components: int = Field(15, ge=2)
    muscle_window_ms: Window = (11.0, 30.0)
    muscle_ratio: float = Field(8.0, gt=0)
    blink_channels: tuple[str, ...] = ("Fp1", "Fp2")
    blink_z: float = Field(2.5, gt=0)
    move_channels: tuple[str, str] = ("F7", "F8")
    move_z: float = Field(2.0, gt=0)
    noise_z: float = Field(4.0, gt=0)


@dataclass(frozen=True)
class Cleaned:
    """The cleaned average (µV) and what each step did."""

    data: np.ndarray
    times: np.ndarray
    ch_names: tuple[str, ...]
    n_kept: int
    qc: dict[str, float | int | str]


def _remove_decay(
    data: np.ndarray, times_ms: np.ndarray, options: TmsEegOptions
) -> tuple[np.ndarray, float]:
    """Subtract each channel's fitted exponential decay; return the median A."""
    clean = options.cleaning
    start = max(clean.decay_fit_ms[0], options.artifact_window_ms[1])
    fit = (times_ms > start) & (times_ms <= clean.decay_fit_ms[1])
    t = times_ms[fit] - start
    mean = data[:, :, fit].mean(axis=0)  # channels x samples
    best_sse = np.full(mean.shape[0], np.inf)
    best = np.zeros((mean.shape[0], 2))  # amplitude, tau
    for tau in np.geomspace(*clean.decay_tau_ms, 40):
        basis = np.column_stack([np.exp(-t / tau), np.ones_like(t)])
        coef, *_ = np.linalg.lstsq(basis, mean.T, rcond=None)
        sse = ((basis @ coef - mean.T) ** 2).sum(axis=0)
        better = sse < best_sse
        best_sse[better] = sse[better]
        best[better] = np.column_stack([coef[0], np.full(mean.shape[0], tau)])[better]
    after = times_ms > start
    decay = best[:, :1] * np.exp(-(times_ms[after] - start)[None] / best[:, 1:])
    out = data.copy()
    out[:, :, after] -= decay[None]
    return out, float(np.median(np.abs(best[:, 0])))


def _interpolate_pulse(
    data: np.ndarray, times_ms: np.ndarray, sfreq: float, options: TmsEegOptions
) -> np.ndarray:
    """Replace the artifact window by a cubic through its flanks, every trial."""
    a0, a1 = options.artifact_window_ms
    gap = (times_ms >= a0) & (times_ms <= a1)
    if not gap.any():
        return data
    n_flank = max(2, int(round(options.interp_flank_ms * sfreq / 1000)))
    fit = np.concatenate(
        [
            np.flatnonzero(times_ms < a0)[-n_flank:],
            np.flatnonzero(times_ms > a1)[:n_flank],
        ]
    )
    centre = (a0 + a1) / 2
    rows = data.reshape(-1, data.shape[-1])
    coef = np.polynomial.polynomial.polyfit(
        times_ms[fit] - centre, rows[:, fit].T, deg=min(3, len(fit) - 1)
    )
    out = rows.copy()
    out[:, gap] = np.polynomial.polynomial.polyval(times_ms[gap] - centre, coef)
    return out.reshape(data.shape)


def _filter(
    data: np.ndarray, sfreq: float, options: TmsEegOptions
) -> tuple[np.ndarray, float]:
    """Downsample, band-pass and notch; return the data and the new rate."""
    from mne.filter import filter_data, notch_filter, resample

    clean = options.cleaning
    if sfreq > clean.downsample_hz * 1.0001:
        data = resample(
            data, down=sfreq / clean.downsample_hz, axis=-1, verbose="error"
        )
        sfreq = clean.downsample_hz
    low, high = clean.band_hz
    if high >= sfreq / 2:
        raise RawFileError(
            f"The band-pass up to {high:g} Hz needs a sampling rate above "
            f"{2 * high:g} Hz; the data are at {sfreq:g} Hz."
        )
    iir = {"order": 4, "ftype": "butter", "output": "sos"}
    data = filter_data(
        data, sfreq, low, high, method="iir", iir_params=iir, verbose="error"
    )
    lines = [f for f in clean.line_hz if f < sfreq / 2]
    if lines:
        data = notch_filter(data, sfreq, lines, method="iir", verbose="error")
    return data, sfreq


def _robust_z(values: np.ndarray) -> np.ndarray:
    median = np.median(values)
    mad = 1.4826 * np.median(np.abs(values - median))
    return (values - median) / (mad if mad > 0 else np.std(values) or 1.0)


def _zscore(values: np.ndarray, axis: int) -> np.ndarray:
    sd = values.std(axis=axis, keepdims=True)
    return (values - values.mean(axis=axis, keepdims=True)) / np.where(sd > 0, sd, 1)


def _labels(
    ica: object, epochs: object, names: list[str], options: TmsEegOptions
) -> dict[int, str]:
    """TESA compselect rules: component index -> artifact label."""
    clean = options.cleaning
    sources = ica.get_sources(epochs).get_data(copy=False)  # type: ignore[attr-defined]
    course = _zscore(sources.mean(axis=0), axis=1)  # components x times
    times_ms = epochs.times * 1000  # type: ignore[attr-defined]
    lo, hi = clean.muscle_window_ms
    window = (times_ms >= lo) & (times_ms <= hi)
    ratio = np.abs(course[:, window]).mean(axis=1) / np.abs(course).mean(axis=1)
    topo = _zscore(ica.get_components(), axis=0)  # type: ignore[attr-defined]
    keys = [normalise(n) for n in names]

    def rows(channels: tuple[str, ...]) -> list[int]:
        return [keys.index(normalise(c)) for c in channels if normalise(c) in keys]

    blink, move = rows(clean.blink_channels), rows(clean.move_channels)
    labels = {}
    for k in range(topo.shape[1]):
        z = topo[:, k]
        if ratio[k] > clean.muscle_ratio:
            labels[k] = "tms_muscle"
        elif blink and np.abs(z[blink]).mean() > clean.blink_z:
            labels[k] = "blink"
        elif (
            len(move) == 2
            and np.all(np.abs(z[move]) > clean.move_z)
            and z[move[0]] * z[move[1]] < 0
        ):
            labels[k] = "eye_movement"
        elif np.abs(z).max() > clean.noise_z:
            labels[k] = "electrode_noise"
    return labels


def clean_trials(path: Path, trials: TrialData, options: TmsEegOptions) -> Cleaned:
    """Run the ``standard`` pipeline on a recording's trials.

    Returns
    -------
    cleaned : Cleaned
        The average of the kept, cleaned trials (µV, average reference,
        baseline-corrected) and QC figures: ``decay_amp_uv`` (median fitted
        decay amplitude), ``channels_interpolated``, ``channels_dropped``,
        ``trials_kept``, ``components_removed`` (``"tms_muscle:2, blink:1"``)
        and ``n_components``.

    Raises
    ------
    RawFileError
        If fewer than ``min_trials`` trials survive rejection, or the data
        cannot be filtered at their sampling rate.
    """
    import mne
    from mne.baseline import rescale

    from predict.raw._tms_eeg_read import TrialData
    from predict.raw._tms_eeg_reject import reject_trials

    times_ms = trials.times * 1000
    data = trials.data * 1e6
    data, decay_amp = _remove_decay(data, times_ms, options)
    data = _interpolate_pulse(data, times_ms, trials.sfreq, options)
    try:
        data, sfreq = _filter(data, trials.sfreq, options)
    except RawFileError as exc:
        raise RawFileError(f"File '{path}': {exc}") from None
    tmin = trials.tmin
    names = list(trials.ch_names)
    pre = data[..., (tmin * 1000 + np.arange(data.shape[-1]) * 1000 / sfreq) < -10]
    z = _robust_z(np.log(pre.var(axis=(0, 2)) + 1e-30))
    bad = [names[i] for i in np.flatnonzero(z > options.cleaning.bad_channel_z)]
    positions = file_positions(trials.info, names)
    info = mne.create_info(names, sfreq, "eeg")
    if positions:
        montage = mne.channels.make_dig_montage(
            ch_pos={n: p for n, p in positions.items()}, coord_frame="head"
        )
        info.set_montage(montage, on_missing="ignore", verbose="error")
    epochs = mne.EpochsArray(
        data * 1e-6, info, tmin=tmin, baseline=None, verbose="error"
    )
    interpolated = [b for b in bad if b in positions]
    dropped = [b for b in bad if b not in positions]
    if interpolated and len(positions) - len(interpolated) >= 4:
        epochs.info["bads"] = interpolated
        epochs.interpolate_bads(
            reset_bads=True, origin=(0.0, 0.0, 0.04), verbose="error"
        )
    else:
        dropped += interpolated
        interpolated = []
    if dropped:
        epochs.drop_channels(dropped)
    kept_names = list(epochs.ch_names)
    as_trials = TrialData(
        data=epochs.get_data(copy=False),
        sfreq=sfreq,
        ch_names=tuple(kept_names),
        tmin=tmin,
        n_pulses=trials.n_pulses,
    )
    keep = reject_trials(path, as_trials, options)
    epochs = epochs[np.flatnonzero(keep)]
    rank = len(kept_names) - len(interpolated) - 1
    n_components = max(2, min(options.cleaning.ica_components, rank))
    import inspect

    seed = (
        {"rng": 0}
        if "rng" in inspect.signature(mne.preprocessing.ICA).parameters
        else {"random_state": 0}
    )
    ica = mne.preprocessing.ICA(
        n_components=n_components, method="fastica", max_iter=500, **seed
    )
    with mne.use_log_level("error"):
        ica.fit(epochs)
        labels = _labels(ica, epochs, kept_names, options)
        if labels:
            ica.apply(epochs, exclude=sorted(labels))
    epochs.set_eeg_reference("average", projection=False, verbose="error")
    average = epochs.get_data(copy=False).mean(axis=0) * 1e6
    times = epochs.times
    baseline = (
        max(options.baseline_ms[0] / 1000, times[0]),
        options.baseline_ms[1] / 1000,
    )
    average = rescale(average, times, baseline, mode="mean", verbose="error")
    counts: dict[str, int] = {}
    for label in labels.values():
        counts[label] = counts.get(label, 0) + 1
    qc: dict[str, float | int | str] = {
        "decay_amp_uv": round(decay_amp, 3),
        "channels_interpolated": ",".join(interpolated),
        "channels_dropped": ",".join(dropped),
        "components_removed": ", ".join(f"{k}:{v}" for k, v in sorted(counts.items())),
        "n_components": n_components,
    }
    return Cleaned(
        data=average,
        times=times,
        ch_names=tuple(kept_names),
        n_kept=int(keep.sum()),
        qc=qc,
    )
