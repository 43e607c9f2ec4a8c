"""Annotations of continuous recordings: pulse markers and bad segments.

BrainVision markers reach MNE as ``"<type>/<description>"`` (``Comment/TMS``,
``Stimulus/S  1``, ``Comment/BAD_segment``), EDF+ annotations as written.
Pulses match a configured description case-insensitively, with runs of
spaces collapsed, whole or after a marker type; a description whose last
part starts with ``BAD`` marks a bad segment in every format (MNE itself
only skips descriptions that start with it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import mne

__all__ = ["honour_bad", "pulse_descriptions"]


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def pulse_descriptions(descriptions: Iterable[str], annotation: str) -> list[str]:
    """Return the descriptions that mark pulses for a configured ``annotation``.

    Examples
    --------
    >>> pulse_descriptions(["Comment/TMS", "New Segment/", "tms"], "TMS")
    ['Comment/TMS', 'tms']
    >>> pulse_descriptions(["Stimulus/S  1", "Stimulus/S 11"], "S 1")
    ['Stimulus/S  1']
    """
    want = _key(annotation)
    return [
        d
        for d in dict.fromkeys(descriptions)
        if _key(d) == want or _key(d).endswith(f"/{want}")
    ]


def honour_bad(raw: mne.io.BaseRaw) -> list[str]:
    """Rename ``<type>/BAD...`` annotations to ``BAD...`` so MNE skips them.

    Returns
    -------
    renamed : list of str
        The descriptions renamed.
    """
    mapping = {
        d: d.rsplit("/", 1)[1]
        for d in set(raw.annotations.description)
        if "/" in d and d.rsplit("/", 1)[1].upper().startswith("BAD")
    }
    if mapping:
        raw.annotations.rename(mapping, verbose="error")
    return sorted(mapping)
