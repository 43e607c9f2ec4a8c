"""TMS-EEG recordings to the contract's ``tep_*`` marker columns."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from predict.raw._common import Extraction, RawFileError, check_file
from predict.raw._tms_eeg_clean import CleaningOptions
from predict.raw._tms_eeg_read import SUFFIXES, check_finite, read_trials
from predict.raw._tms_eeg_reject import check_units, reject_trials
from predict.raw._tms_eeg_roi import roi_channels
from predict.raw._units import Unit

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["TMS_EEG_MARKERS", "TmsEegOptions", "extract_tms_eeg"]

#: The contract columns ``extract_tms_eeg`` fills, in the contract's order.
TMS_EEG_MARKERS = (
    "tep_n45_amp_uv",
    "tep_p60_amp_uv",
    "tep_n100_amp_uv",
    "tep_p180_amp_uv",
    "tep_n100_lat_ms",
    "tep_gmfp_auc",
)

#: Components measured: name, polarity (-1 = minimum, +1 = maximum).
COMPONENTS = (("n45", -1), ("p60", 1), ("n100", -1), ("p180", 1))

Window = tuple[float, float]


class TmsEegOptions(BaseModel):
    """How TMS-EEG trials become TEP markers; every default is configurable.

    Parameters
    ----------
    artifact_window_ms : tuple of float, default=(-2.0, 12.0)
        Samples in this window around the pulse (ms) hold the pulse artifact:
        they are left out of trial rejection and replaced by a cubic polynomial
        fitted (least squares) to ``interp_flank_ms`` of data on either side.
    interp_flank_ms : float, default=5.0
        Data either side of the artifact window used for that fit (ms; at
        least two samples a side).
    baseline_ms : tuple of float, default=(-300.0, -10.0)
        Baseline window (ms); its mean is subtracted from every channel. The
        start is clipped to the epoch's first sample.
    lowpass_hz : float or None, default=45.0
        Zero-phase FIR low-pass (``mne.filter.filter_data``) applied to the
        average before peaks are found; ``None`` skips it.
    reject_uv : float, default=150.0
        A trial is rejected when the peak-to-peak voltage of any EEG channel,
        over the whole epoch except the artifact window, exceeds this (µV).
    min_trials : int, default=20
        Fewer kept trials make the recording too noisy to use (an error).
    roi : tuple of str, default=("F3", "F1", "FC3", "F5", "FC1")
        Channels over the stimulated left DLPFC, in order of preference
        (matched case-insensitively).
    n_roi_channels : int, default=3
        Channels averaged into the ROI signal: the first ``n_roi_channels``
        of ``roi`` present (names matched after
        :func:`~predict.raw._channels.normalise`, so ``EEG F3-REF`` is
        ``F3``); when fewer are present, each absent one of ``roi`` in turn
        is replaced by the nearest unused channel within
        ``max_substitute_distance_m`` (head-frame positions: digitised ones
        where the file has them, else standard 10-05 ones of the names).
    max_substitute_distance_m : float, default=0.05
        Furthest (m) a stand-in may lie from the standard position of the ROI
        channel it replaces (F3's neighbours AF3, FC3, F1, F5 lie 3-3.6 cm
        away, Fp1 6.2 cm).
    n45_ms, p60_ms, n100_ms, p180_ms : tuple of float
        Search windows (ms) of the components, defaults (35, 55), (50, 75),
        (85, 140) and (150, 250). N components are the minimum of the ROI
        signal in their window, P components its maximum.
    gmfp_window_ms : tuple of float, default=(15.0, 250.0)
        Window (ms) of the global mean field power area.
    epoch_ms : tuple of float, default=(-500.0, 500.0)
        Epochs cut around each pulse of a continuous recording (ms).
    annotation : str, default="TMS"
        Description of the pulse annotations in continuous recordings,
        matched case-insensitively (runs of spaces collapsed), whole or after
        a marker type: ``"TMS"`` matches ``Comment/TMS``, ``"S 1"`` matches
        BrainVision's ``Stimulus/S  1``. Annotations whose last part starts
        with ``BAD`` (``BAD_segment``, ``Comment/BAD_segment``) drop the
        epochs they overlap, in every format.
    unit : {"header", "V", "mV", "uV", "nV"}, default="header"
        Unit of the samples: the header's (EDF ``nV`` corrected, which MNE
        reads as volts; ``.npz`` and FIF hold volts), or the one given, for a
        file whose header is blank or wrong. A recording whose EEG RMS before
        the pulse is under 0.01 µV or over 10 mV is refused as a unit error.
    pipeline : {"minimal", "standard"}, default="minimal"
        ``"minimal"``: the steps of :func:`extract_tms_eeg` (rejection, the
        average's cubic, baseline, low-pass). ``"standard"``: decay-artifact
        fit, pulse interpolation, downsampling, band-pass and notch, bad
        channels interpolated, rejection, ICA with TESA's component rules and
        the average reference (:mod:`predict.raw._tms_eeg_clean`), then the
        same peak measures.
    cleaning : CleaningOptions
        Settings of the ``standard`` pipeline.

    Examples
    --------
    >>> TmsEegOptions(lowpass_hz=None).n100_ms
    (85.0, 140.0)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    artifact_window_ms: Window = (-2.0, 12.0)
    interp_flank_ms: float = Field(5.0, gt=0)
    baseline_ms: Window = (-300.0, -10.0)
    lowpass_hz: float | None = Field(45.0, gt=0)
    reject_uv: float = Field(150.0, gt=0)
    min_trials: int = Field(20, ge=1)
    roi: tuple[str, ...] = Field(("F3", "F1", "FC3", "F5", "FC1"), min_length=1)
    n_roi_channels: int = Field(3, ge=1)
    max_substitute_distance_m: float = Field(0.05, gt=0)
    n45_ms: Window = (35.0, 55.0)
    p60_ms: Window = (50.0, 75.0)
    n100_ms: Window = (85.0, 140.0)
    p180_ms: Window = (150.0, 250.0)
    gmfp_window_ms: Window = (15.0, 250.0)
    epoch_ms: Window = (-500.0, 500.0)
    annotation: str = Field("TMS", min_length=1)
    unit: Unit = "header"
    pipeline: Literal["minimal", "standard"] = "minimal"
    cleaning: CleaningOptions = Field(default_factory=CleaningOptions)

    @model_validator(mode="after")
    def _check_windows(self) -> TmsEegOptions:
        for name in type(self).model_fields:
            value = getattr(self, name)
            if name.endswith("_ms") and isinstance(value, tuple):
                if not value[0] < value[1]:
                    raise ValueError(
                        f"'{name}' must be a (start, end) window with start < end, "
                        f"got {value}."
                    )
        if not self.epoch_ms[0] < 0 < self.epoch_ms[1]:
            raise ValueError(
                f"'epoch_ms' must start before and end after the pulse, got "
                f"{self.epoch_ms}."
            )
        return self


def local_mean_field_power(
    average: Average, roi: Sequence[int], options: TmsEegOptions
) -> float:
    """Return the area (µV·s) of the ROI's local mean field power.

    LMFP: the standard deviation across the ROI channels of the average at
    each sample (Romero Lauro et al. 2014), integrated (trapezoid rule) over
    ``gmfp_window_ms``; 0 with a single ROI channel.
    """
    from scipy.integrate import trapezoid

    times_ms = average.times * 1000
    lo, hi = options.gmfp_window_ms
    window = (times_ms >= lo) & (times_ms <= hi)
    lmfp = average.data[list(roi)][:, window].std(axis=0)
    return float(trapezoid(lmfp, average.times[window]))


@dataclass(frozen=True)
class Average:
    """The processed average of one recording.

    Parameters
    ----------
    data : ndarray of shape (n_channels, n_times)
        Average of the kept trials in µV, artifact interpolated, baseline
        corrected and low-passed.
    times : ndarray of shape (n_times,)
        Seconds relative to the pulse.
    """

    data: np.ndarray
    times: np.ndarray


def extract_tms_eeg(
    path: str | Path, options: TmsEegOptions | None = None
) -> Extraction:
    """Read a TMS-EEG recording and measure its TEP markers.

    Steps, each with its default (see :class:`TmsEegOptions`):

    1. Read the trials: MNE ``-epo.fif`` epochs, or a BrainVision ``.vhdr`` or
       EDF recording epoched from -500 to 500 ms around each ``"TMS"``
       annotation, or an ``.npz`` with ``data`` (trials x channels x samples,
       volts), ``sfreq``, ``ch_names`` and ``tmin`` (seconds). Good EEG
       channels only.
    2. Reject trials whose peak-to-peak voltage exceeds 150 µV on any channel
       outside the artifact window (-2 to 12 ms); fewer than 20 kept trials is
       an error.
    3. Average the kept trials. Every later step is linear, so applying it to
       the average equals applying it to each trial and then averaging.
    4. Replace the artifact window by a cubic fitted to 5 ms either side.
    5. Subtract the mean of the baseline (-300 to -10 ms) per channel.
    6. Low-pass at 45 Hz (zero-phase FIR, ``mne.filter.filter_data``).
    7. ROI signal: mean of the first 3 of F3, F1, FC3, F5, FC1 present (the
       channels nearest F3 stand in for absent ones).
    8. N45, P60, N100, P180: minimum (N) or maximum (P) of the ROI signal in
       35-55, 50-75, 85-140 and 150-250 ms: amplitude in µV, latency in ms.
    9. GMFP: standard deviation across all EEG channels (``ddof=0``) of the
       average at each sample; its area (trapezoid rule) from 15 to 250 ms in
       µV·s.

    Parameters
    ----------
    path : str or path-like
        The recording (``-epo.fif``, ``.vhdr``, ``.edf`` or ``.npz``).
    options : TmsEegOptions, optional
        Processing choices; the defaults above when omitted.

    Returns
    -------
    extraction : Extraction
        ``markers`` holds the six ``tep_*`` columns of :data:`TMS_EEG_MARKERS`;
        ``qc`` holds ``trials_total``, ``trials_kept``, ``channels`` (the ROI
        channels used, comma-joined), ``n_channels`` (channels in the GMFP) and
        the other latencies ``n45_lat_ms``, ``p60_lat_ms``, ``p180_lat_ms``.

    Raises
    ------
    RawFileError
        If the file is missing, of an unknown format, unreadable, lacks what
        its format needs, does not cover the windows, has samples whose RMS
        is no EEG's (a unit error, naming the header's unit), has fewer than
        ``min_trials`` pulses, or keeps fewer than ``min_trials`` trials (naming
        the channel that rejected most).
    """
    options = options or TmsEegOptions()
    path = check_file(path, SUFFIXES)
    epoch = options.epoch_ms
    trials = read_trials(
        path,
        annotation=options.annotation,
        epoch_s=(epoch[0] / 1000, epoch[1] / 1000),
        unit=options.unit,
    )
    _check_covers(path, trials.times * 1000, options)
    check_units(path, trials, options)
    extra: dict[str, float | int | str] = {"pipeline": options.pipeline}
    if options.pipeline == "standard":
        from predict.raw._tms_eeg_clean import clean_trials

        check_finite(path, trials.data)
        cleaned = clean_trials(path, trials, options)
        names, n_kept = cleaned.ch_names, cleaned.n_kept
        average = Average(data=cleaned.data, times=cleaned.times)
        extra |= cleaned.qc
    else:
        keep = reject_trials(path, trials, options)
        names, n_kept = trials.ch_names, int(keep.sum())
        weights = keep / keep.sum()
        mean = np.tensordot(weights, trials.data, axes=(0, 0)) * 1e6
        check_finite(path, mean)
        average = process_average(path, mean, trials.times, trials.sfreq, options)
    roi, substitutes = roi_channels(names, options, path, trials.info)
    markers, latencies = measure(average, roi, options)
    qc: dict[str, float | int | str] = {
        "trials_total": trials.n_pulses,
        "trials_kept": n_kept,
        "channels": ",".join(names[i] for i in roi),
        "n_channels": len(names),
        "substitutes": ", ".join(map(str, substitutes)),
        "excluded_channels": ",".join(trials.excluded),
        "unit": trials.unit,
        "lmfp_auc": local_mean_field_power(average, roi, options),
        **extra,
    }
    qc.update({f"{n}_lat_ms": latencies[n] for n, _ in COMPONENTS if n != "n100"})
    signals = {
        "times_ms": (average.times * 1000).astype(np.float32),
        "average_uv": average.data.astype(np.float32),
        "ch_names": list(names),
        "roi": list(roi),
        "peaks": {
            n: (latencies[n], markers.get(f"tep_{n}_amp_uv", np.nan))
            for n, _ in COMPONENTS
        },
    }
    return Extraction(markers=markers, qc=qc, signals=signals)


def _check_covers(path: Path, times_ms: np.ndarray, options: TmsEegOptions) -> None:
    """Raise when the epochs do not span the baseline, artifact and windows."""
    start = max(options.baseline_ms[0], times_ms[0])
    need_end = max(
        options.artifact_window_ms[1] + options.interp_flank_ms,
        options.gmfp_window_ms[1],
        *(getattr(options, f"{n}_ms")[1] for n, _ in COMPONENTS),
    )
    need_start = options.artifact_window_ms[0] - options.interp_flank_ms
    if not (
        start < options.baseline_ms[1]
        and times_ms[0] <= need_start
        and times_ms[-1] >= need_end
    ):
        raise RawFileError(
            f"File '{path}' has epochs from {times_ms[0]:g} to {times_ms[-1]:g} ms: "
            f"expected them to span the baseline {options.baseline_ms} ms and "
            f"{need_start:g} to {need_end:g} ms around the pulse."
        )


def process_average(
    path: Path | None,
    mean: np.ndarray,
    times: np.ndarray,
    sfreq: float,
    options: TmsEegOptions,
) -> Average:
    """Interpolate the artifact, baseline-correct and low-pass an average (µV)."""
    from mne.baseline import rescale
    from mne.filter import filter_data

    data = np.array(mean, dtype=float, copy=True)
    times_ms = times * 1000
    a0, a1 = options.artifact_window_ms
    gap = (times_ms >= a0) & (times_ms <= a1)
    if gap.any():
        # Least-squares cubic through the flanks (at least 2 samples a side),
        # all channels at once.
        n_flank = max(2, int(round(options.interp_flank_ms * sfreq / 1000)))
        before = np.flatnonzero(times_ms < a0)[-n_flank:]
        after = np.flatnonzero(times_ms > a1)[:n_flank]
        fit = np.concatenate([before, after])
        centre = (a0 + a1) / 2
        coef = np.polynomial.polynomial.polyfit(
            times_ms[fit] - centre, data[:, fit].T, deg=min(3, len(fit) - 1)
        )
        data[:, gap] = np.polynomial.polynomial.polyval(times_ms[gap] - centre, coef)
    baseline = (
        max(options.baseline_ms[0] / 1000, times[0]),
        options.baseline_ms[1] / 1000,
    )
    data = rescale(data, times, baseline, mode="mean", verbose="error")
    if options.lowpass_hz is not None:
        if options.lowpass_hz >= sfreq / 2:
            raise RawFileError(
                f"File '{path}' is sampled at {sfreq:g} Hz: the {options.lowpass_hz:g}"
                " Hz low-pass needs a sampling rate above twice its cut-off."
            )
        data = filter_data(
            data, sfreq, l_freq=None, h_freq=options.lowpass_hz, verbose="error"
        )
    return Average(data=data, times=times)


def measure(
    average: Average, roi: Sequence[int], options: TmsEegOptions
) -> tuple[dict[str, float], dict[str, float]]:
    """Return the marker columns and every component's latency (ms)."""
    from scipy.integrate import trapezoid

    times_ms = average.times * 1000
    signal = average.data[list(roi)].mean(axis=0)
    amplitudes, latencies = {}, {}
    for name, sign in COMPONENTS:
        lo, hi = getattr(options, f"{name}_ms")
        idx = np.flatnonzero((times_ms >= lo) & (times_ms <= hi))
        peak = idx[np.argmax(sign * signal[idx])]
        amplitudes[name] = float(signal[peak])
        latencies[name] = round(float(times_ms[peak]), 6)
    lo, hi = options.gmfp_window_ms
    window = (times_ms >= lo) & (times_ms <= hi)
    gmfp = average.data[:, window].std(axis=0)
    markers = {f"tep_{n}_amp_uv": amplitudes[n] for n, _ in COMPONENTS}
    markers["tep_n100_lat_ms"] = latencies["n100"]
    markers["tep_gmfp_auc"] = float(trapezoid(gmfp, average.times[window]))
    return {k: markers[k] for k in TMS_EEG_MARKERS}, latencies
