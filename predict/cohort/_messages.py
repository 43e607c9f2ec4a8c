"""Small helpers that word validation problems the same way everywhere."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

__all__ = ["did_you_mean", "plural", "quote_ids"]

_MAX_IDS = 5


def quote_ids(ids: Iterable[object], what: str = "patients") -> str:
    """Name the first few offending patients, for example ``patients P1, P2``.

    Parameters
    ----------
    ids : iterable
        Offending patient ids (or row labels), in table order.
    what : str, default="patients"
        The noun placed before the ids.

    Returns
    -------
    text : str
        ``"patients P1, P2, P3, P4, P5 and 7 more"``.

    Examples
    --------
    >>> quote_ids(["P1", "P2"])
    'patients P1, P2'
    """
    names = [str(i) for i in ids]
    shown = ", ".join(names[:_MAX_IDS])
    more = f" and {len(names) - _MAX_IDS} more" if len(names) > _MAX_IDS else ""
    return f"{what} {shown}{more}"


def plural(count: int, noun: str) -> str:
    """Return ``'1 value'`` or ``'3 values'``.

    Examples
    --------
    >>> plural(3, "value")
    '3 values'
    """
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def did_you_mean(value: str, valid: Sequence[str]) -> str:
    """Suggest the closest valid spelling, case-insensitively.

    Parameters
    ----------
    value : str
        The spelling found.
    valid : sequence of str
        The allowed spellings.

    Returns
    -------
    hint : str
        ``" Did you mean 'iTBS'?"`` or an empty string when nothing is close.

    Examples
    --------
    >>> did_you_mean("itbs", ["10Hz", "iTBS"])
    " Did you mean 'iTBS'?"
    """
    lowered = {v.lower(): v for v in valid}
    match = difflib.get_close_matches(
        str(value).lower(), list(lowered), n=1, cutoff=0.6
    )
    return f" Did you mean '{lowered[match[0]]}'?" if match else ""
