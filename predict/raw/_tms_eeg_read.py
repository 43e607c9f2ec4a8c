"""Readers of TMS-EEG recordings: every format becomes trials x channels x samples.

MNE reads and epochs the files (``mne.read_epochs``, ``read_raw_brainvision``,
``read_raw_edf``, ``events_from_annotations``, ``mne.Epochs``); this module only
checks what each format must hold and names the file in every error.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from predict.raw._annotations import honour_bad, pulse_descriptions
from predict.raw._channels import eeg_channels
from predict.raw._common import RawFileError
from predict.raw._units import Unit, unit_factors

if TYPE_CHECKING:
    import mne

__all__ = ["SUFFIXES", "TrialData", "check_finite", "read_trials"]

#: File endings ``extract_tms_eeg`` accepts, lower case.
SUFFIXES = ("-epo.fif", "-epo.fif.gz", ".vhdr", ".edf", ".npz")

#: Keys an ``.npz`` recording must hold.
NPZ_KEYS = ("data", "sfreq", "ch_names", "tmin")


@dataclass(frozen=True)
class TrialData:
    """Single-pulse trials of one recording, as read from its file.

    Parameters
    ----------
    data : ndarray of shape (n_trials, n_channels, n_times)
        EEG in volts, one epoch per pulse.
    sfreq : float
        Sampling rate in Hz.
    ch_names : tuple of str
        EEG channel names, in the order of ``data``'s second axis.
    tmin : float
        Time of the first sample relative to the pulse, in seconds.
    n_pulses : int
        Pulses in the file; larger than ``n_trials`` when MNE could not cut some
        epochs (too close to the recording's edges or overlapping a ``BAD_``
        annotation).
    info : mne.Info or None, default=None
        The EEG channels' measurement info (digitised positions), ``None``
        for ``.npz`` files.
    excluded : tuple of str, default=()
        Channels typed EEG left out by name (ECG, EOG, EMG, triggers).
    unit : str, default="V"
        The unit the file declares for its EEG samples (as read, before
        MNE's scaling to volts), for messages.
    scale : float, default=1.0
        Volts per number the file stores (first EEG channel), as read.
    """

    data: np.ndarray
    sfreq: float
    ch_names: tuple[str, ...]
    tmin: float
    n_pulses: int
    info: mne.Info | None = None
    excluded: tuple[str, ...] = ()
    unit: str = "V"
    scale: float = 1.0

    @property
    def times(self) -> np.ndarray:
        """Sample times relative to the pulse, in seconds."""
        return self.tmin + np.arange(self.data.shape[-1]) / self.sfreq


def read_trials(
    path: Path,
    *,
    annotation: str,
    epoch_s: tuple[float, float],
    unit: Unit = "header",
) -> TrialData:
    """Read one TMS-EEG recording into trials.

    Parameters
    ----------
    path : pathlib.Path
        A checked file with one of :data:`SUFFIXES`.
    annotation : str
        Description of the pulse annotations in continuous recordings; a
        BrainVision marker ``"<type>/<annotation>"`` (``"Comment/TMS"``) matches.
    epoch_s : tuple of float
        Start and end of the epochs cut around each pulse, in seconds.
    unit : {"header", "V", "mV", "uV", "nV"}, default="header"
        The samples' unit: the header's (EDF ``nV`` corrected; ``.npz`` and
        FIF samples are volts), or the one given.

    Returns
    -------
    trials : TrialData

    Raises
    ------
    RawFileError
        If the file cannot be read or does not hold what its format needs.
    """
    import mne

    name = path.name.lower()
    with mne.use_log_level("error"):
        if name.endswith(".npz"):
            trials = _read_npz(path)
        elif name.endswith((".vhdr", ".edf")):
            trials = _read_continuous(path, annotation, epoch_s, unit)
        else:
            trials = _read_fif(path)
    if unit != "header" and not name.endswith((".vhdr", ".edf")):
        factors, _, volts = unit_factors(path, {}, trials.ch_names, unit)
        scale = np.array([factors[c] for c in trials.ch_names])
        trials = dataclasses.replace(
            trials,
            data=trials.data * scale[:, None],
            unit=f"{unit} (forced)",
            scale=volts,
        )
    return trials


def check_finite(path: Path, values: np.ndarray) -> None:
    """Raise when ``values`` (the trials, or their weighted sum) are not finite.

    A NaN or inf in any trial makes every weighted sum of the trials non-finite
    (``0 * nan`` is nan), so the ``minimal`` pipeline checks its average
    instead of making a pass over every trial.
    """
    if not np.all(np.isfinite(values)):
        raise RawFileError(
            f"File '{path}' holds non-finite EEG samples (NaN or inf): expected "
            "finite voltages in every trial and channel."
        )


def _from_epochs(
    path: Path, epochs: mne.BaseEpochs, n_pulses: int, unit: str = "V"
) -> TrialData:
    """Pick the good EEG channels of ``epochs`` and return their trials."""
    picks, excluded = eeg_channels(epochs.info)
    if len(picks) == 0:
        raise RawFileError(
            f"File '{path}' has no good EEG channel (channel types "
            f"{sorted(set(epochs.get_channel_types()))}, bad channels "
            f"{epochs.info['bads']}): expected EEG channels."
        )
    eeg = epochs if picks == epochs.ch_names else epochs.pick(picks)
    if len(eeg) == 0:
        raise RawFileError(
            f"File '{path}' has no complete epoch around its {n_pulses} pulses: "
            "every one is too close to the recording's edges or marked bad."
        )
    return TrialData(
        data=eeg.get_data(copy=False, verbose="error"),
        sfreq=float(eeg.info["sfreq"]),
        ch_names=tuple(eeg.ch_names),
        tmin=float(eeg.times[0]),
        n_pulses=n_pulses,
        info=eeg.info,
        excluded=tuple(excluded),
        unit=unit,
    )


def _read_fif(path: Path) -> TrialData:
    import mne

    try:
        # Not preloaded: the good EEG channels' trials are read once, by
        # get_data, which is several times faster than preload=True's copy.
        epochs = mne.read_epochs(path, preload=False, verbose="error")
        return _from_epochs(path, epochs, len(epochs))
    except RawFileError:
        raise
    except Exception as exc:  # MNE raises many types for a broken file
        raise RawFileError(
            f"File '{path}' could not be read as MNE epochs "
            f"({type(exc).__name__}): expected a file written by mne.Epochs.save."
        ) from exc


def _read_continuous(
    path: Path, annotation: str, epoch_s: tuple[float, float], unit: Unit
) -> TrialData:
    import mne

    reader = (
        mne.io.read_raw_edf
        if path.name.lower().endswith(".edf")
        else mne.io.read_raw_brainvision
    )
    try:
        raw = reader(path, preload=False, verbose="error")
    except Exception as exc:  # MNE raises many types for a broken file
        raise RawFileError(
            f"File '{path}' could not be read as a continuous recording "
            f"({type(exc).__name__}): expected a BrainVision header (.vhdr, with "
            "its .vmrk and .eeg beside it) or an EDF file."
        ) from exc
    honour_bad(raw)  # Comment/BAD_segment: epochs overlapping it are dropped
    descriptions = sorted(set(raw.annotations.description))
    pulses = pulse_descriptions(descriptions, annotation)
    if not pulses:
        found = ", ".join(repr(d) for d in descriptions) or "none"
        raise RawFileError(
            f"File '{path}' has no '{annotation}' annotation marking the TMS pulses "
            f"(annotations found: {found}; matched case-insensitively, whole or "
            "after a marker type such as 'Comment/'): set the pulse annotation's "
            "description in the options (`raw: {tms_eeg: {annotation: ...}}`) if "
            "the file uses another name."
        )
    events, _ = mne.events_from_annotations(
        raw, event_id=dict.fromkeys(pulses, 1), verbose="error"
    )
    try:
        epochs = mne.Epochs(
            raw,
            events,
            tmin=epoch_s[0],
            tmax=epoch_s[1],
            baseline=None,
            preload=True,
            verbose="error",
        )
    except Exception as exc:  # a truncated data file fails only here
        raise RawFileError(
            f"File '{path}' could not be epoched around its pulses "
            f"({type(exc).__name__}): expected a complete data file with the "
            "samples its header declares."
        ) from exc
    trials = _from_epochs(path, epochs, len(events))
    factors, declared, volts = unit_factors(
        path, getattr(raw, "_orig_units", {}) or {}, trials.ch_names, unit
    )
    scale = np.array([factors[c] for c in trials.ch_names])
    data = trials.data if np.all(scale == 1) else trials.data * scale[:, None]
    shown = declared if unit == "header" else f"{unit} (forced; header {declared})"
    return dataclasses.replace(trials, data=data, unit=shown, scale=volts)


def _read_npz(path: Path) -> TrialData:
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in NPZ_KEYS if k not in npz.files]
            if missing:
                raise RawFileError(
                    f"File '{path}' lacks the key(s) {', '.join(map(repr, missing))}:"
                    f" expected {', '.join(map(repr, NPZ_KEYS))} (has "
                    f"{', '.join(map(repr, npz.files)) or 'none'})."
                )
            data = np.asarray(npz["data"], dtype=float)
            sfreq = np.asarray(npz["sfreq"], dtype=float)
            ch_names = np.asarray(npz["ch_names"])
            tmin = np.asarray(npz["tmin"], dtype=float)
    except RawFileError:
        raise
    except Exception as exc:  # zip, pickle and dtype errors
        raise RawFileError(
            f"File '{path}' could not be read as a .npz TMS-EEG recording "
            f"({type(exc).__name__}): expected numpy.savez arrays "
            f"{', '.join(map(repr, NPZ_KEYS))}, without pickles."
        ) from exc
    if data.ndim != 3 or 0 in data.shape:
        raise RawFileError(
            f"File '{path}': 'data' has shape {data.shape}, expected a non-empty "
            "(trials, channels, samples) array."
        )
    if sfreq.size != 1 or not np.isfinite(sfreq).all() or sfreq.item() <= 0:
        raise RawFileError(
            f"File '{path}': 'sfreq' must be one positive sampling rate in Hz, got "
            f"{sfreq.tolist()}."
        )
    if tmin.size != 1 or not np.isfinite(tmin).all():
        raise RawFileError(
            f"File '{path}': 'tmin' must be one time in seconds, got {tmin.tolist()}."
        )
    if ch_names.ndim != 1 or ch_names.size != data.shape[1]:
        raise RawFileError(
            f"File '{path}': 'ch_names' has {ch_names.size} names for "
            f"{data.shape[1]} channels in 'data': expected one name per channel."
        )
    return TrialData(
        data=data,
        sfreq=sfreq.item(),
        ch_names=tuple(str(c) for c in ch_names),
        tmin=tmin.item(),
        n_pulses=data.shape[0],
    )
