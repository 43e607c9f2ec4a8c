"""Sample units: what a file declares, what MNE made of it, and a sanity check.

MNE scales every EEG sample to volts from the unit a file's header declares.
Its EDF reader knows only ``uV``/``µV`` and ``mV``: ``nV`` and a blank unit
are read as volts. :func:`unit_factors` corrects ``nV`` and applies a unit
the options force; :func:`check_amplitude` then refuses a recording whose
RMS is no EEG's (under 0.01 µV or over 10 mV), naming the declared unit and
what the values would be in the usual ones, instead of letting it pass as
flat or reject every trial as noise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from predict.raw._common import RawFileError

__all__ = ["RMS_RANGE_UV", "Unit", "check_amplitude", "unit_factors"]

#: A unit the options may force on a file's samples.
Unit = Literal["header", "V", "mV", "uV", "nV"]

#: Plausible RMS of EEG samples (µV): below is a unit error or a flat
#: recording, above is a unit error (or no EEG at all).
RMS_RANGE_UV = (0.01, 10_000.0)

_VOLTS = {"v": 1.0, "mv": 1e-3, "uv": 1e-6, "µv": 1e-6, "μv": 1e-6, "nv": 1e-9}


def _edf_scale(unit: str) -> float:
    """Return the volts per sample unit MNE's EDF reader assumes for ``unit``."""
    if unit in ("\u03bcV", "\u00b5V", "\x83\xcaV", "uV"):
        return 1e-6
    return 1e-3 if unit == "mV" else 1.0


def unit_factors(
    path: Path,
    orig_units: Mapping[str, str],
    channels: Sequence[str],
    forced: Unit = "header",
) -> tuple[dict[str, float], str, float]:
    """Return per-channel factors that fix MNE's scaling, and the declared unit.

    Parameters
    ----------
    path : pathlib.Path
        The file (its suffix says how MNE read the units).
    orig_units : mapping of str to str
        Channel -> unit as the header declares it (``raw._orig_units``).
    channels : sequence of str
        The EEG channels used.
    forced : {"header", "V", "mV", "uV", "nV"}, default="header"
        ``"header"`` trusts the header (EDF ``nV`` corrected); another unit
        says the samples are in that unit whatever the header says.

    Returns
    -------
    factors : dict of str to float
        Multiply a channel's samples (as MNE gave them) by its factor; 1.0
        when nothing changes.
    declared : str
        The header's units of those channels (``"'' (none)"`` for a blank
        one), for messages.
    scale : float
        Volts per stored number of the first channel, as finally read.
    """
    edf = path.name.lower().endswith(".edf")
    factors, declared, scales = {}, [], []
    for ch in channels:
        unit = str(orig_units.get(ch, "V")).strip()
        blank = unit.lower() in ("", "n/a")
        declared.append("'' (none)" if blank else repr(unit))
        mne_scale = _edf_scale(unit) if edf else _VOLTS.get(unit.lower(), 1.0)
        if forced != "header":
            factors[ch] = _VOLTS[forced.lower()] / mne_scale
        elif edf and unit.lower() == "nv":
            factors[ch] = 1e-9 / mne_scale
        else:
            factors[ch] = 1.0
        scales.append(mne_scale * factors[ch])
    shown = ", ".join(dict.fromkeys(declared)) or "'V'"
    return factors, shown, scales[0] if scales else 1.0


def check_amplitude(
    source: str, rms_uv: float, declared: str, option: str, scale: float = 1.0
) -> None:
    """Raise when a recording's RMS (µV, as read) is outside EEG's range.

    Parameters
    ----------
    source : str
        How messages name the file.
    rms_uv : float
        Median over channels of each channel's RMS, in µV as read.
    declared : str
        The unit(s) the header declares.
    option : str
        The options block whose ``unit`` overrides the header
        (``"tms_eeg"``, ``"rest_eeg"``), for the message.
    scale : float, default=1.0
        Volts per number stored in the file, as read (to say what the
        numbers would mean in other units).

    Raises
    ------
    RawFileError
        If ``rms_uv`` is below 0.01 µV or above 10 mV.
    """
    low, high = RMS_RANGE_UV
    if low <= rms_uv <= high or not math.isfinite(rms_uv):
        return
    if rms_uv == 0:
        raise RawFileError(
            f"{source} is flat (RMS 0 µV on its EEG channels): expected EEG."
        )
    numbers = rms_uv * 1e-6 / scale  # RMS of the numbers the file stores
    readings = ", ".join(
        f"{numbers * volts * 1e6:.3g} µV if the samples were in {name}"
        for name, volts in (("V", 1.0), ("mV", 1e-3), ("µV", 1e-6), ("nV", 1e-9))
    )
    raise RawFileError(
        f"{source} has an EEG RMS of {rms_uv:.3g} µV as read with the header's "
        f"unit {declared}: outside EEG's {low:g} µV to {high / 1000:g} mV, so the "
        f"samples are not in that unit ({readings}). Fix the unit in the file's "
        f"header, or set `raw: {{{option}: {{unit: uV}}}}` (or V, mV, nV) to say "
        "which unit the samples are in."
    )
