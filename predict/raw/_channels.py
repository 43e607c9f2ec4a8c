"""Channel names and positions, the same for every EEG reader.

Labs name one electrode ``F3``, ``EEG F3``, ``EEG F3-REF``, ``F3-A1``,
``F3_REF`` or ``EEGF3``: :func:`normalise` maps them all to ``F3``. Channels
that are not scalp EEG (ECG, EOG, EMG, triggers) are left out of trial
rejection, spectra and ROIs, whatever type the file gives them
(:func:`eeg_channels`). When a wanted channel is absent, the nearest one
stands in (:func:`resolve`), with every position in MNE's head frame: the
file's digitised positions where it has them (``info["chs"][i]["loc"]``,
which MNE keeps in the head frame), otherwise the standard 10-05 positions
of the channel's name transformed to the head frame by MNE's montage
machinery (``Info.set_montage``). Comparing a file's head-frame positions
with the montage's own template coordinates would be about 5 cm off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import mne

__all__ = [
    "REFERENCE_SUFFIXES",
    "Substitute",
    "eeg_channels",
    "file_positions",
    "normalise",
    "resolve",
    "standard_head_positions",
]

#: Reference suffixes removed from channel names (matched in upper case).
REFERENCE_SUFFIXES = (
    "-REF",
    "-A1",
    "-A2",
    "-M1",
    "-M2",
    "-LE",
    "-AVG",
    "-AV",
    "-CZ",
    "_REF",
    " REF",
    ":REF",
)

#: Names (normalised) of channels that are not scalp EEG. ECG, EOG and EMG
#: names may go on with anything (``VEOGU``, ``HEOGR``, ``EOGL``, ``EMGL``;
#: Neuroscan's ``VEO``, ``HEOL``): no 10-05 electrode name starts so. The
#: others must end there or go on with a non-letter (``STI 014``, ``TRIG1``).
_NOT_EEG = re.compile(
    r"^(ECG|EKG|[HVLR]?EOG|[HV]EO|EMG).*$"
    r"|^(RESP|TRIG|TRIGGER|STI|STIM|STATUS|PHOTIC|SPO2|PULSE|GSR|EDA|ACC)"
    r"([^A-Z].*)?$"
)


def normalise(name: str) -> str:
    """Return the canonical key of a channel name (upper case, no decoration).

    Parameters
    ----------
    name : str
        A channel name as a file spells it.

    Returns
    -------
    key : str
        Upper case, without an ``EEG`` prefix (``EEG F3``, ``EEG-F3``,
        ``EEGF3``) or a reference suffix of :data:`REFERENCE_SUFFIXES`.

    Examples
    --------
    >>> [normalise(n) for n in ("EEG F3-REF", "f3-A1", "F3_REF", "EEGF3", "Fp1")]
    ['F3', 'F3', 'F3', 'F3', 'FP1']
    """
    key = " ".join(name.strip().upper().split())
    if key.startswith("EEG") and len(key) > 3:
        key = key[3:].lstrip(" _-:") or key
    for suffix in REFERENCE_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)].rstrip()
            break
    return key


def is_eeg_name(name: str) -> bool:
    """Whether a channel's name does not mark it as ECG, EOG, EMG or a trigger."""
    return _NOT_EEG.match(normalise(name)) is None


def eeg_channels(info: mne.Info) -> tuple[list[str], list[str]]:
    """Return the good scalp-EEG channels of a recording, and those left out.

    Parameters
    ----------
    info : mne.Info

    Returns
    -------
    eeg : list of str
        Channels typed EEG, not marked bad, whose name is not that of a
        non-EEG channel.
    excluded : list of str
        Channels typed EEG that were left out by their name (``ECG``,
        ``EOG2``, ``EMG left``, ...), for quality control.
    """
    import mne

    bads = set(info["bads"])
    eeg: list[str] = []
    excluded: list[str] = []
    for index in mne.pick_types(info, eeg=True, exclude=[]):
        name = info["ch_names"][index]
        if name in bads:
            continue
        (eeg if is_eeg_name(name) else excluded).append(name)
    return eeg, excluded


@cache
def standard_head_positions() -> dict[str, np.ndarray]:
    """Return standard 10-05 positions (m, head frame) by normalised name.

    MNE's ``colin27_1005`` montage (``standard_1005`` in older MNE), set on an
    ``Info`` so MNE transforms it to the head frame its fiducials define.
    """
    import mne

    name = (
        "colin27_1005"
        if "colin27_1005" in mne.channels.get_builtin_montages()
        else "standard_1005"
    )
    montage = mne.channels.make_standard_montage(name)
    info = mne.create_info(montage.ch_names, 1000.0, "eeg")
    info.set_montage(montage)
    out: dict[str, np.ndarray] = {}
    for ch in info["chs"]:
        out.setdefault(normalise(ch["ch_name"]), np.array(ch["loc"][:3], dtype=float))
    return out


def file_positions(
    info: mne.Info | None, names: Sequence[str]
) -> dict[str, np.ndarray]:
    """Return head-frame positions (m) of ``names``, digitised or standard.

    A channel's digitised position is used when the file has one in the head
    frame; otherwise the standard position of its (normalised) name; a
    channel with neither is left out.
    """
    from mne.io.constants import FIFF

    standard = standard_head_positions()
    chs = {} if info is None else {ch["ch_name"]: ch for ch in info["chs"]}
    out = {}
    for name in names:
        ch = chs.get(name)
        loc = None if ch is None else np.asarray(ch["loc"][:3], dtype=float)
        if (
            loc is not None
            and ch is not None
            and ch["coord_frame"] == FIFF.FIFFV_COORD_HEAD
            and np.all(np.isfinite(loc))
            and np.any(loc != 0)
        ):
            out[name] = loc
        elif (pos := standard.get(normalise(name))) is not None:
            out[name] = pos
    return out


@dataclass(frozen=True)
class Substitute:
    """A channel standing in for an absent one."""

    wanted: str
    channel: str
    distance_m: float

    def __str__(self) -> str:
        return f"{self.wanted}->{self.channel} ({100 * self.distance_m:.1f} cm)"


def resolve(
    names: Sequence[str],
    positions: Mapping[str, np.ndarray],
    wanted: Sequence[str],
    *,
    max_distance_m: float,
    n: int | None = None,
    same_side: bool = False,
) -> tuple[list[str], list[Substitute]]:
    """Return the file's channels for ``wanted``, substituting absent ones.

    Parameters
    ----------
    names : sequence of str
        The file's (EEG) channel names.
    positions : mapping of str to ndarray
        Head-frame positions of those channels (see :func:`file_positions`).
    wanted : sequence of str
        Channel names in order of preference.
    max_distance_m : float
        Furthest a substitute may lie from the standard (head-frame) position
        of the channel it replaces.
    n : int or None, default=None
        ``None``: the wanted channels present by name, or, when none is, a
        stand-in for each wanted one. An int: up to ``n`` channels, the ones
        present by name first, then stand-ins for the absent ones in order
        of preference. A stand-in for an absent channel is the nearest file
        channel among those that lie nearer to it than to any other absent
        wanted channel (so a cap without Oz gives no stand-in for Oz when its
        channels near Oz are O1 and O2 themselves), within
        ``max_distance_m``.
    same_side : bool, default=False
        A substitute for a lateral channel must lie on the same side.

    Returns
    -------
    channels : list of str
        File channel names, without repeats (possibly empty).
    substitutes : list of Substitute
    """
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(normalise(name), name)
    present = list(
        dict.fromkeys(by_key[k] for w in wanted if (k := normalise(w)) in by_key)
    )
    if n is None and present:
        return present, []
    chosen = present[:n] if n is not None else []
    standard = standard_head_positions()
    absent = {
        w: standard[k]
        for w in wanted
        if (k := normalise(w)) not in by_key and k in standard
    }
    # a channel stands in only for the absent channel it lies nearest to
    nearest = {
        ch: min(absent, key=lambda w: float(np.linalg.norm(pos - absent[w])))
        for ch, pos in positions.items()
        if absent
    }
    substitutes: list[Substitute] = []
    for w, target in absent.items():
        if n is not None and len(chosen) >= n:
            break
        candidates = {
            ch: float(np.linalg.norm(pos - target))
            for ch, pos in positions.items()
            if ch not in chosen
            and nearest[ch] == w
            and (not same_side or _same_side(pos, target))
        }
        if not candidates:
            continue
        best = min(candidates, key=candidates.__getitem__)
        if candidates[best] <= max_distance_m:
            chosen.append(best)
            substitutes.append(Substitute(w, best, candidates[best]))
    return chosen, substitutes


def _same_side(pos: np.ndarray, target: np.ndarray) -> bool:
    """Whether ``pos`` is a lateral channel of ``target``'s side (if lateral)."""
    if abs(target[0]) <= 0.01:
        return True
    return bool(pos[0] * target[0] > 0 and abs(pos[0]) > 0.01)
