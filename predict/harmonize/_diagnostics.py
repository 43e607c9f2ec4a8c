"""Site-effect diagnostics: how well the markers give away the site."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from predict.cohort._contract import MODALITY_PREFIXES
from predict.harmonize._combat import ComBat

if TYPE_CHECKING:
    from predict.cohort import Cohort

__all__ = ["site_predictability"]


def _markers(data: pd.DataFrame, modality: str) -> list[str]:
    prefix = MODALITY_PREFIXES[modality]
    return [
        str(c)
        for c in data.columns
        if str(c).startswith(prefix) and pd.api.types.is_numeric_dtype(data[c])
    ]


def _classifier(markers: list[str]) -> list[object]:
    """Select a modality's markers, standardise, logistic regression."""
    select = ColumnTransformer([("markers", "passthrough", markers)])
    return [select, StandardScaler(), LogisticRegression(max_iter=1000)]


def site_predictability(
    cohort: Cohort,
    *,
    covariates: Sequence[str] = ("age", "sex", "baseline"),
    n_splits: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """Cross-validated balanced accuracy of predicting the site from markers.

    For each modality, a logistic regression on its standardised markers
    predicts the site of the patients who have every marker of it, before and
    after ComBat (fit inside each fold on the training rows, so the held-out
    rows are adjusted with their site's training estimates). Sites with fewer
    patients than ``n_splits`` are left out. Balanced accuracy near
    ``chance`` (1 / number of sites) means the markers no longer tell sites
    apart.

    Parameters
    ----------
    cohort : Cohort
        A validated cohort with a ``site`` column.
    covariates : sequence of str, default=("age", "sex", "baseline")
        Covariates ComBat protects (see :class:`ComBat`).
    n_splits : int, default=5
        Stratified folds over sites.
    seed : int, default=0
        Seeds the fold shuffle.

    Returns
    -------
    diagnostics : pandas.DataFrame
        Indexed by modality: ``n_patients``, ``n_sites``, ``chance``,
        ``before`` and ``after`` (mean balanced accuracy over the folds).
        Empty when the cohort has fewer than two sites.

    Examples
    --------
    >>> from predict import read_cohort, simulate_cohort
    >>> table = site_predictability(read_cohort(simulate_cohort(300, seed=0)))
    >>> list(table.columns)
    ['n_patients', 'n_sites', 'chance', 'before', 'after']
    """
    columns = ["n_patients", "n_sites", "chance", "before", "after"]
    rows: dict[str, list[float]] = {}
    if cohort.site_column is None:
        return pd.DataFrame(columns=columns, dtype=float)
    data = cohort.data
    for modality in MODALITY_PREFIXES:
        markers = _markers(data, modality)
        if not markers:
            continue
        complete = data[markers].notna().all(axis=1) & data["site"].notna()
        part = data.loc[complete]
        counts = part["site"].astype(str).value_counts()
        part = part[part["site"].astype(str).isin(counts.index[counts >= n_splits])]
        site = part["site"].astype(str).to_numpy()
        n_sites = len(np.unique(site))
        if n_sites < 2:
            continue
        cv = StratifiedKFold(n_splits, shuffle=True, random_state=seed)

        combat = ComBat(covariates=tuple(covariates), modalities=[modality])
        scores = []
        for steps in (_classifier(markers), [combat, *_classifier(markers)]):
            result = cross_val_score(
                make_pipeline(*steps), part, site, cv=cv, scoring="balanced_accuracy"
            )
            scores.append(float(np.mean(result)))
        rows[modality] = [float(len(part)), float(n_sites), 1.0 / n_sites, *scores]
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns)
