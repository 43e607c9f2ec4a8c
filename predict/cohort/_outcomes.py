"""Derive response, remission and percent change from the depression scales.

As the contract says: the primary scale is HAMD-17 when both scales are
present, unless the caller names one; response is an endpoint at or below
50 % of baseline, remission an endpoint at or below 7 (HAMD-17) or 10 (MADRS),
and percent change ``100 * (endpoint - baseline) / baseline``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from predict.cohort._contract import REMISSION_CUTOFF, SCALES
from predict.cohort._messages import did_you_mean, plural, quote_ids

__all__ = ["check_endpoints", "derive_outcomes", "find_primary_scale"]


def _has_values(table: pd.DataFrame, column: str) -> bool:
    return column in table.columns and bool(table[column].notna().any())


def find_primary_scale(
    table: pd.DataFrame, requested: str | None, problems: list[str]
) -> str | None:
    """Return the primary scale's name (``"hamd17"`` or ``"madrs"``) or ``None``.

    Parameters
    ----------
    table : pandas.DataFrame
        The parsed table.
    requested : str or None
        The scale the configuration names, ``None`` to follow the contract.
    problems : list of str
        Problems found are appended here.

    Returns
    -------
    scale : str or None
        ``None`` when the table has no baseline scores (enough for scoring).
    """
    if requested is not None:
        if requested not in SCALES:
            valid = ", ".join(repr(s) for s in SCALES)
            hint = did_you_mean(requested, list(SCALES))
            problems.append(
                f"Primary scale '{requested}' is not known: expected one of "
                f"{valid}.{hint}"
            )
            return None
        if not _has_values(table, SCALES[requested][0]):
            problems.append(
                f"Column '{SCALES[requested][0]}' is missing or empty: the primary "
                f"scale '{requested}' was requested."
            )
            return None
        return requested
    with_baseline = [s for s, (base, _) in SCALES.items() if _has_values(table, base)]
    # HAMD-17 first, unless only the other scale has endpoints to derive from
    with_endpoint = [s for s in with_baseline if _has_values(table, SCALES[s][1])]
    if with_endpoint:
        return with_endpoint[0]
    return with_baseline[0] if with_baseline else None


def check_endpoints(table: pd.DataFrame, problems: list[str]) -> None:
    """Report endpoint scores whose baseline is missing (column or cell)."""
    for baseline, endpoint in SCALES.values():
        if not _has_values(table, endpoint):
            continue
        if baseline not in table.columns:
            problems.append(
                f"Column '{endpoint}' is present but '{baseline}' is missing: an "
                "endpoint score needs its baseline on the same scale."
            )
            continue
        orphan = table[endpoint].notna() & table[baseline].isna()
        if orphan.any():
            problems.append(
                f"Column '{endpoint}' has {plural(int(orphan.sum()), 'score')} "
                f"without a baseline in '{baseline}' "
                f"({quote_ids(table.index[orphan])}): "
                "an endpoint score needs its baseline on the same scale."
            )


def _reconcile(
    table: pd.DataFrame, name: str, derived: pd.Series, rule: str, problems: list[str]
) -> pd.Series:
    if name not in table.columns:
        return derived
    given = table[name]
    both = given.notna() & derived.notna()
    clash = both & (given != derived)
    if clash.any():
        problems.append(
            f"Column '{name}' contradicts the scores for "
            f"{plural(int(clash.sum()), 'patient')} ({quote_ids(table.index[clash])}): "
            f"{rule}. Fix the column or the scores, or drop '{name}' to derive it."
        )
    return given.where(given.notna(), derived)


def derive_outcomes(
    table: pd.DataFrame, scale: str | None, problems: list[str]
) -> pd.DataFrame:
    """Add ``response``, ``remission`` and ``pct_change`` where the scores allow.

    Explicit ``response``/``remission`` values are kept; where they disagree
    with the scores a problem is reported.

    Parameters
    ----------
    table : pandas.DataFrame
        The parsed table.
    scale : str or None
        The primary scale, from :func:`find_primary_scale`.
    problems : list of str
        Problems found are appended here.

    Returns
    -------
    table : pandas.DataFrame
        A copy with the outcome columns set (float, NaN where unknown).
    """
    table = table.copy()
    if scale is None or not _has_values(table, SCALES[scale][1]):
        return table
    baseline_col, endpoint_col = SCALES[scale]
    baseline, endpoint = table[baseline_col], table[endpoint_col]
    known = baseline.notna() & endpoint.notna()
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100.0 * (endpoint - baseline) / baseline
    table["pct_change"] = pct.where(known & (baseline > 0))
    response = (endpoint <= 0.5 * baseline).astype(float).where(known)
    cutoff = REMISSION_CUTOFF[scale]
    remission = (endpoint <= cutoff).astype(float).where(endpoint.notna())
    label = "HAMD-17" if scale == "hamd17" else "MADRS"
    table["response"] = _reconcile(
        table,
        "response",
        response,
        f"response is an endpoint at or below 50 % of baseline on {label}",
        problems,
    )
    table["remission"] = _reconcile(
        table,
        "remission",
        remission,
        f"remission is an endpoint {label} at or below {cutoff:g}",
        problems,
    )
    return table
