"""TMS-EEG trial checks: units, pulse count and trial rejection."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from predict.raw._common import RawFileError
from predict.raw._units import check_amplitude

if TYPE_CHECKING:
    from predict.raw._tms_eeg import TmsEegOptions
    from predict.raw._tms_eeg_read import TrialData

__all__ = ["check_units", "reject_trials"]


def reject_trials(path: Path, trials: TrialData, options: TmsEegOptions) -> np.ndarray:
    """Return the mask of trials kept by the peak-to-peak criterion.

    A trial is kept when every channel's peak-to-peak voltage, outside the
    artifact window, is at most ``options.reject_uv``.

    Raises
    ------
    RawFileError
        If fewer than ``options.min_trials`` trials are kept.
    """
    n_trials = trials.data.shape[0]
    if n_trials < options.min_trials:
        lost = trials.n_pulses - n_trials
        why = (
            f" ({lost} of its {trials.n_pulses} pulses lie too close to the "
            "recording's edges or overlap a BAD annotation)"
            if lost
            else ""
        )
        raise RawFileError(
            f"File '{path}' has too few pulses: {n_trials} complete epochs{why}, "
            f"at least {options.min_trials} needed (`min_trials`)."
        )
    times_ms = trials.times * 1000
    a0, a1 = options.artifact_window_ms
    # Slices (views, no copy) before and after the artifact window.
    start, stop = np.searchsorted(times_ms, a0), np.searchsorted(times_ms, a1, "right")
    parts = [p for p in (trials.data[..., :start], trials.data[..., stop:]) if p.size]
    top = np.max([p.max(axis=-1) for p in parts], axis=0)
    bottom = np.min([p.min(axis=-1) for p in parts], axis=0)
    over = (top - bottom) * 1e6 > options.reject_uv  # trials x channels
    keep = ~over.any(axis=1)
    if keep.sum() < options.min_trials:
        worst = int(np.argmax(over.sum(axis=0)))
        raise RawFileError(
            f"File '{path}' is too noisy: {int(keep.sum())} of {len(keep)} trials "
            f"kept (peak-to-peak <= {options.reject_uv:g} µV outside the artifact "
            f"window on every channel), at least {options.min_trials} needed. "
            f"Channel {trials.ch_names[worst]} exceeded it in "
            f"{int(over[:, worst].sum())} trials (the most): mark it bad in the "
            "file if it is broken, or raise `reject_uv`."
        )
    return keep


def check_units(path: Path, trials: TrialData, options: TmsEegOptions) -> None:
    """Refuse samples whose RMS outside the artifact is no EEG's (a unit error).

    The RMS of each channel over up to 20 trials, before and after the
    artifact window (views, no copy of the recording); the median channel's.
    """
    times_ms = trials.times * 1000
    a0, a1 = options.artifact_window_ms
    start, stop = np.searchsorted(times_ms, a0), np.searchsorted(times_ms, a1, "right")
    sample = trials.data[:20]
    parts = [p for p in (sample[..., :start], sample[..., stop:]) if p.size]
    sizes = np.array([p.shape[-1] for p in parts], dtype=float)
    means = np.array([p.mean(axis=(0, 2)) for p in parts])  # parts x channels
    squares = np.array([np.einsum("ijk,ijk->j", p, p) for p in parts])
    n = sizes.sum() * sample.shape[0]
    mean = (means * sizes[:, None]).sum(axis=0) / sizes.sum()
    variance = np.clip(squares.sum(axis=0) / n - mean**2, 0, None)
    rms_uv = float(np.median(np.sqrt(variance))) * 1e6
    check_amplitude(f"File '{path}'", rms_uv, trials.unit, "tms_eeg", trials.scale)
