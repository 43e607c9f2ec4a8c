"""What ``rtms-predict validate`` reports about a cohort."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from predict.cohort._cohort import Cohort

__all__ = ["CohortSummary", "summarize_cohort"]


@dataclass(frozen=True)
class CohortSummary:
    """Counts, rates and per-column statistics of a cohort.

    Attributes
    ----------
    n_patients : int
        Rows in the table.
    site_counts : dict of str to int
        Patients per site (empty without a site column).
    primary_scale : str or None
        Scale the outcomes were derived from.
    response_rate, remission_rate : float or None
        Share of patients with a known outcome who responded / remitted.
    n_with_outcome : int
        Patients whose response is known.
    modality_coverage : dict of str to float
        Share of patients that have each modality.
    columns : pandas.DataFrame
        One row per column: ``modality``, ``pct_missing``, ``min``, ``max``
        (numbers) or ``levels`` (text).
    ignored_columns : tuple of str
        Columns outside the contract.
    """

    n_patients: int
    site_counts: dict[str, int]
    primary_scale: str | None
    response_rate: float | None
    remission_rate: float | None
    n_with_outcome: int
    modality_coverage: dict[str, float]
    columns: pd.DataFrame
    ignored_columns: tuple[str, ...]


def _rate(data: pd.DataFrame, column: str) -> float | None:
    if column not in data or data[column].notna().sum() == 0:
        return None
    return float(data[column].mean())


def _column_rows(cohort: Cohort) -> pd.DataFrame:
    modality_of = {c: m for m, cols in cohort.marker_columns.items() for c in cols}
    rows = []
    for name in cohort.data.columns:
        values = cohort.data[name]
        row: dict[str, object] = {
            "column": name,
            "modality": modality_of.get(name, ""),
            "pct_missing": 100.0 * float(values.isna().mean()),
            "min": None,
            "max": None,
            "levels": "",
        }
        if pd.api.types.is_numeric_dtype(values) and values.notna().any():
            row["min"], row["max"] = float(values.min()), float(values.max())
        elif values.notna().any():
            counts = values.value_counts()
            shown = ", ".join(f"{k} ({v})" for k, v in counts.head(5).items())
            more = f", ... {len(counts) - 5} more" if len(counts) > 5 else ""
            row["levels"] = shown + more
        rows.append(row)
    columns = ["column", "modality", "pct_missing", "min", "max", "levels"]
    return pd.DataFrame(rows, columns=columns).set_index("column")


def summarize_cohort(cohort: Cohort) -> CohortSummary:
    """Summarise a validated cohort.

    Parameters
    ----------
    cohort : Cohort
        From :func:`~predict.read_cohort`.

    Returns
    -------
    summary : CohortSummary

    Examples
    --------
    >>> from predict import read_cohort, simulate_cohort
    >>> summary = summarize_cohort(read_cohort(simulate_cohort(40, seed=1)))
    >>> summary.n_patients
    40
    """
    data = cohort.data
    sites: dict[str, int] = {}
    if cohort.site_column is not None:
        counts = data[cohort.site_column].value_counts().sort_index()
        sites = {str(k): int(v) for k, v in counts.items()}
    return CohortSummary(
        n_patients=len(data),
        site_counts=sites,
        primary_scale=cohort.primary_scale,
        response_rate=_rate(data, "response"),
        remission_rate=_rate(data, "remission"),
        n_with_outcome=int(data["response"].notna().sum()) if "response" in data else 0,
        modality_coverage={k: float(v) for k, v in cohort.modality_coverage().items()},
        columns=_column_rows(cohort),
        ignored_columns=cohort.ignored_columns,
    )
