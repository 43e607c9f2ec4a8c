"""Resting-state EEG recordings to the ``eeg_*`` marker columns."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from predict.raw._annotations import honour_bad
from predict.raw._channels import Substitute, eeg_channels, file_positions, resolve
from predict.raw._common import Extraction, RawFileError, check_file
from predict.raw._units import Unit, check_amplitude, unit_factors

if TYPE_CHECKING:
    import mne

__all__ = ["RestEegOptions", "extract_rest_eeg"]

#: File endings read by :func:`extract_rest_eeg`.
SUFFIXES = (".vhdr", ".edf", "-raw.fif", "_raw.fif", "_eeg.fif")

Band = tuple[float, float]


class RestEegOptions(BaseModel):
    """How resting-state EEG markers are measured from a recording.

    Power spectra are Welch estimates (Hann windows, 50 % overlap) of the good
    EEG channels, excluding segments annotated ``BAD``. Band power is the sum
    of the spectrum over the bins with ``low <= f <= high``.

    Parameters
    ----------
    welch_seconds : float, default=4.0
        Length of one Welch segment in seconds (0.25 Hz resolution at 4 s).
    fft_resolution_hz : float, default=0.05
        Frequency grid of the spectrum: segments are zero-padded up to
        ``sfreq / fft_resolution_hz`` samples. Padding interpolates the
        spectrum, it does not sharpen it.
    iaf_band : tuple of float, default=(7.0, 13.0)
        Band (Hz) searched for the individual alpha frequency.
    iaf_method : {"peak", "cog", "specparam"}, default="peak"
        ``"peak"``: frequency of the highest bin of the posterior spectrum
        (mean over ``iaf_channels``) inside ``iaf_band``, refined by a
        parabola through the log power of that bin and its two neighbours.
        ``"cog"``: centre of gravity of the posterior spectrum above its
        aperiodic background inside ``iaf_band`` (Klimesch 1999). The
        aperiodic (1/f) background is a line fitted in log-log coordinates to
        the spectrum over ``total_band`` outside ``iaf_band``. The IAF is
        ``nan`` when there is no alpha peak: no interior maximum (power
        rising to a band edge), a maximum below ``min_peak_ratio`` times the
        background, or (``"cog"``) no power above the background.
        ``"specparam"``: centre frequency of the strongest periodic peak in
        ``iaf_band`` of the spectrum parameterised as aperiodic 1/f plus
        Gaussian peaks over ``total_band`` (FOOOF / specparam, Donoghue et
        al. 2020; :mod:`predict.raw._iaf_specparam`), ``nan`` without one.
    iaf_channels : tuple of str, default=("O1", "O2", "Oz", "POz", "Pz", "P3", "P4")
        Posterior channels whose mean spectrum gives the IAF; those present
        are used.
    min_peak_ratio : float, default=1.5
        Times the aperiodic background that the ``"peak"`` maximum must reach
        to count as an alpha peak; lower it for eyes-open recordings with
        weak alpha.
    theta_band : tuple of float, default=(4.0, 8.0)
        Theta band (Hz).
    total_band : tuple of float, default=(1.0, 40.0)
        Band (Hz) whose power is the denominator of relative theta power.
    theta_channels : tuple of str, default=("Fz", "F3", "F4")
        Frontal channels whose relative theta power is averaged; those present
        are used.
    asymmetry_pair : tuple of str, default=("F4", "F3")
        ``(right, left)``: ``eeg_alpha_asym = ln P_alpha(right) - ln
        P_alpha(left)``.
    alpha_band : tuple of float, default=(8.0, 13.0)
        Alpha band (Hz) for the asymmetry.
    max_substitute_distance_m : float, default=0.06
        When none of a channel group (or one channel of the asymmetry pair) is
        in the file, the nearest channel of the file (a lateral channel of
        the same side for a lateral one) replaces each missing one, if it lies
        within this distance in metres of the missing one's standard 10-05
        position; otherwise the recording is rejected. Positions are in MNE's
        head frame: the file's digitised ones where it has them, else the
        standard ones of the channel names (:mod:`predict.raw._channels`).
        Channel names are matched after :func:`~predict.raw._channels.normalise`
        (``EEG F3-REF`` is ``F3``); ECG, EOG and EMG channels are never used.
    unit : {"header", "V", "mV", "uV", "nV"}, default="header"
        Unit of the samples: the header's (EDF ``nV`` corrected, which MNE
        reads as volts), or the one given, for a file whose header is blank
        or wrong. A recording whose EEG RMS is under 0.01 µV or over 10 mV is
        refused as a unit error naming the header's unit.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    welch_seconds: float = Field(4.0, gt=0)
    fft_resolution_hz: float = Field(0.05, gt=0)
    iaf_band: Band = (7.0, 13.0)
    iaf_method: Literal["peak", "cog", "specparam"] = "peak"
    iaf_channels: tuple[str, ...] = Field(
        ("O1", "O2", "Oz", "POz", "Pz", "P3", "P4"), min_length=1
    )
    min_peak_ratio: float = Field(1.5, ge=1)
    theta_band: Band = (4.0, 8.0)
    total_band: Band = (1.0, 40.0)
    theta_channels: tuple[str, ...] = Field(("Fz", "F3", "F4"), min_length=1)
    asymmetry_pair: tuple[str, str] = ("F4", "F3")
    alpha_band: Band = (8.0, 13.0)
    max_substitute_distance_m: float = Field(0.06, gt=0)
    unit: Unit = "header"

    @model_validator(mode="after")
    def _check_bands(self) -> RestEegOptions:
        for name in ("iaf_band", "theta_band", "total_band", "alpha_band"):
            low, high = getattr(self, name)
            if not 0 <= low < high:
                raise ValueError(
                    f"{name} must be (low, high) with 0 <= low < high Hz; got "
                    f"({low}, {high})."
                )
        if self.asymmetry_pair[0].lower() == self.asymmetry_pair[1].lower():
            raise ValueError("asymmetry_pair must name two different channels.")
        return self


def extract_rest_eeg(
    path: str | Path, options: RestEegOptions | None = None
) -> Extraction:
    """Measure IAF, frontal relative theta and frontal alpha asymmetry.

    Parameters
    ----------
    path : str or path-like
        BrainVision ``.vhdr``, EDF or MNE ``-raw.fif`` resting-state recording.
    options : RestEegOptions or None, default=None
        Measurement settings; ``None`` uses the defaults.

    Returns
    -------
    extraction : Extraction
        Markers ``eeg_iaf_hz`` (Hz), ``eeg_theta_frontal_rel`` (theta /
        total power, mean over the frontal channels) and ``eeg_alpha_asym``
        (``ln P_alpha(F4) - ln P_alpha(F3)``). QC: ``duration_s``,
        ``sfreq``, ``n_segments`` (Welch segments in the data not annotated
        ``BAD``), ``iaf_channels``, ``theta_channels``,
        ``asymmetry_channels``, ``substitutes`` (``"F4->F8 (5.8 cm)"``:
        absent channel, stand-in and their head-frame distance, comma
        separated, empty when none) and ``excluded_channels`` (EEG-typed
        channels left out by name, such as ``ECG``).

    Raises
    ------
    RawFileError
        If the file is missing, of another format, unreadable, shorter than
        one Welch segment, has no EEG channel, or lacks a channel group with
        no substitute nearby (the message lists the file's channels).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from predict.raw._rest_eeg_write import write_rest_eeg
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = write_rest_eeg(
    ...     pathlib.Path(folder.name) / "rest-raw.fif",
    ...     {"eeg_iaf_hz": 9.5, "eeg_theta_frontal_rel": 0.25, "eeg_alpha_asym": 0.1},
    ...     fmt="fif", seed=0, duration_s=30.0)
    >>> markers = extract_rest_eeg(path).markers
    >>> {name: round(value, 2) for name, value in markers.items()}
    {'eeg_iaf_hz': 9.5, 'eeg_theta_frontal_rel': 0.25, 'eeg_alpha_asym': 0.1}
    >>> folder.cleanup()
    """
    import mne

    options = RestEegOptions() if options is None else options
    path = check_file(path, SUFFIXES)
    with mne.use_log_level("error"):  # no "Omitting ... samples" on the console
        raw, declared, scale = _read(path, options)
        return measure(raw, options, source=f"'{path}'", declared=declared, scale=scale)


def _read(path: Path, options: RestEegOptions) -> tuple[mne.io.BaseRaw, str, float]:
    """Read a recording, BAD markers honoured and units corrected."""
    import mne

    name = path.name.lower()
    try:
        if name.endswith(".vhdr"):
            raw = mne.io.read_raw_brainvision(path, preload=True, verbose="error")
        elif name.endswith(".edf"):
            raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
        else:
            raw = mne.io.read_raw_fif(path, preload=True, verbose="error")
    except (OSError, ValueError, RuntimeError, KeyError, IndexError) as exc:
        raise RawFileError(
            f"Cannot read resting EEG file '{path}' ({type(exc).__name__}). "
            "Expected a readable BrainVision, EDF or MNE raw FIF recording."
        ) from exc
    honour_bad(raw)  # Comment/BAD_segment is left out of the spectra
    eeg, _ = eeg_channels(raw.info)
    factors, declared, scale = unit_factors(
        path, getattr(raw, "_orig_units", {}) or {}, eeg, options.unit
    )
    for ch, factor in factors.items():
        if factor != 1.0:
            raw.apply_function(lambda x, f=factor: x * f, picks=[ch], verbose="error")
    if options.unit != "header":
        declared = f"{options.unit} (forced; header {declared})"
    return raw, declared, scale


def measure(
    raw: mne.io.BaseRaw,
    options: RestEegOptions,
    *,
    source: str = "recording",
    declared: str = "'V'",
    scale: float = 1.0,
) -> Extraction:
    """Measure the resting-EEG markers of an in-memory recording.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        The recording (EEG channels not marked bad are used).
    options : RestEegOptions
        Measurement settings.
    source : str, default="recording"
        How messages name the recording (the quoted file name).
    declared : str, default="'V'"
        The unit the file's header declares, for the unit check's message.
    scale : float, default=1.0
        Volts per number the file stores, as read (for that message).

    Returns
    -------
    extraction : Extraction
        As :func:`extract_rest_eeg` returns it.
    """
    good, excluded = eeg_channels(raw.info)
    if not good:
        raise RawFileError(
            f"Resting EEG {source} has no good EEG channel (channels: "
            f"{', '.join(raw.ch_names) or 'none'})."
        )
    eeg = raw.copy().pick(good)
    samples = eeg.get_data(reject_by_annotation="omit", verbose="error")
    centred = samples - samples.mean(axis=1, keepdims=True)
    rms_uv = float(np.median(np.sqrt((centred**2).mean(axis=1)))) * 1e6
    check_amplitude(f"Resting EEG {source}", rms_uv, declared, "rest_eeg", scale)
    positions = file_positions(eeg.info, eeg.ch_names)
    substitutes: list[Substitute] = []
    groups = [
        options.iaf_channels,
        options.theta_channels,
        options.asymmetry_pair[:1],
        options.asymmetry_pair[1:],
    ]
    posterior, frontal, right, left = (
        _resolve(eeg, positions, group, options, source, substitutes)
        for group in groups
    )
    if right == left:
        raise RawFileError(
            f"Resting EEG {source}: the asymmetry pair {options.asymmetry_pair} "
            f"resolves to one channel ({right[0]}); channels in the file: "
            f"{', '.join(eeg.ch_names)}."
        )
    picks = list(dict.fromkeys(posterior + frontal + right + left))
    psd, freqs, n_segments = _welch(eeg, picks, options, source)
    rows = {name: psd[i] for i, name in enumerate(picks)}
    posterior_psd = np.mean([rows[c] for c in posterior], axis=0)
    theta = [
        _band_power(rows[c], freqs, options.theta_band)
        / _band_power(rows[c], freqs, options.total_band)
        for c in frontal
    ]
    asym = math.log(_band_power(rows[right[0]], freqs, options.alpha_band)) - math.log(
        _band_power(rows[left[0]], freqs, options.alpha_band)
    )
    markers = {
        "eeg_iaf_hz": _iaf(posterior_psd, freqs, options),
        "eeg_theta_frontal_rel": float(np.mean(theta)),
        "eeg_alpha_asym": float(asym),
    }
    qc: dict[str, float | int | str] = {
        "duration_s": float(eeg.n_times / eeg.info["sfreq"]),
        "sfreq": float(eeg.info["sfreq"]),
        "n_segments": n_segments,
        "iaf_channels": ",".join(posterior),
        "theta_channels": ",".join(frontal),
        "asymmetry_channels": f"{right[0]},{left[0]}",
        "substitutes": ", ".join(dict.fromkeys(map(str, substitutes))),
        "excluded_channels": ",".join(excluded),
    }
    signals = {
        "freqs": freqs.astype(np.float32),
        "psd": posterior_psd.astype(np.float32),
        "iaf_hz": markers["eeg_iaf_hz"],
        "iaf_band": options.iaf_band,
    }
    return Extraction(markers=markers, qc=qc, signals=signals)


def _welch(
    raw: mne.io.BaseRaw, picks: list[str], options: RestEegOptions, source: str
) -> tuple[np.ndarray, np.ndarray, int]:
    """Return Welch spectra ``(psd, freqs, n_segments)`` of ``picks``.

    ``psd`` has one row per pick over the span of the options' bands;
    ``n_segments`` counts the Welch segments that fit in the good data.
    """
    sfreq = float(raw.info["sfreq"])
    n_per_seg = int(round(options.welch_seconds * sfreq))
    if raw.n_times < n_per_seg:
        raise RawFileError(
            f"Resting EEG {source} lasts {raw.n_times / sfreq:.1f} s: expected at "
            f"least one Welch segment of {options.welch_seconds} s."
        )
    bands = (options.iaf_band, options.theta_band, options.total_band)
    fmin = min(b[0] for b in (*bands, options.alpha_band))
    fmax = max(b[1] for b in (*bands, options.alpha_band))
    if fmax >= sfreq / 2:
        raise RawFileError(
            f"Resting EEG {source} is sampled at {sfreq:g} Hz: bands up to {fmax:g} "
            f"Hz need a sampling frequency above {2 * fmax:g} Hz."
        )
    n_fft = max(n_per_seg, math.ceil(sfreq / options.fft_resolution_hz))
    spectrum = raw.compute_psd(
        method="welch",
        fmin=fmin,
        fmax=fmax,
        picks=picks,
        n_fft=n_fft,
        n_per_seg=n_per_seg,
        n_overlap=n_per_seg // 2,
        window="hann",
        reject_by_annotation=True,
        verbose="error",
    )
    psd, freqs = spectrum.get_data(return_freqs=True)
    good = raw.get_data(
        picks=picks[:1], reject_by_annotation="omit", verbose="error"
    ).shape[1]
    n_segments = max(0, 1 + (good - n_per_seg) // (n_per_seg - n_per_seg // 2))
    return np.asarray(psd), np.asarray(freqs), int(n_segments)


def _band_power(psd: np.ndarray, freqs: np.ndarray, band: Band) -> float:
    """Return the sum of ``psd`` over the bins with ``low <= f <= high``."""
    mask = (freqs >= band[0]) & (freqs <= band[1])
    return float(psd[mask].sum())


def _iaf(psd: np.ndarray, freqs: np.ndarray, options: RestEegOptions) -> float:
    """Return the IAF (Hz) of one spectrum as the options define it, or nan."""
    if options.iaf_method == "specparam":
        from predict.raw._iaf_specparam import specparam_iaf

        return specparam_iaf(psd, freqs, options)
    low, high = options.iaf_band
    in_band = (freqs >= low) & (freqs <= high)
    inside = np.flatnonzero(in_band)
    total = (freqs >= options.total_band[0]) & (freqs <= options.total_band[1])
    fit = total & ~in_band & (psd > 0) & (freqs > 0)
    background = None
    if fit.sum() >= 2:
        slope, intercept = np.polyfit(np.log(freqs[fit]), np.log(psd[fit]), 1)
        background = np.exp(intercept + slope * np.log(freqs[inside]))
    if options.iaf_method == "peak":
        top = int(np.argmax(psd[inside]))
        k = inside[top]
        if k in (inside[0], inside[-1]) or np.any(psd[k - 1 : k + 2] <= 0):
            return math.nan
        if background is not None and psd[k] < options.min_peak_ratio * background[top]:
            return math.nan
        a, b, c = np.log(psd[k - 1 : k + 2])
        shift = 0.5 * (a - c) / (a - 2 * b + c)
        return float(freqs[k] + shift * (freqs[k + 1] - freqs[k]))
    if background is None:
        return math.nan
    excess = np.clip(psd[inside] - background, 0, None)
    if excess.sum() <= 0:
        return math.nan
    return float(np.sum(freqs[inside] * excess) / excess.sum())


def _resolve(
    eeg: mne.io.BaseRaw,
    positions: dict[str, np.ndarray],
    wanted: tuple[str, ...],
    options: RestEegOptions,
    source: str,
    substitutes: list[Substitute],
) -> list[str]:
    """File channels for ``wanted``: those present, else the nearest ones."""
    found, subs = resolve(
        eeg.ch_names,
        positions,
        wanted,
        max_distance_m=options.max_substitute_distance_m,
        same_side=True,
    )
    if not found:
        raise RawFileError(
            f"Resting EEG {source} has none of the channels {', '.join(wanted)} and "
            f"no channel within {options.max_substitute_distance_m * 100:g} cm of "
            f"them (head-frame positions); channels in the file: "
            f"{', '.join(eeg.ch_names)}."
        )
    substitutes += subs
    return found
