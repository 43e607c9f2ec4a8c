"""A synthetic multisite cohort with strong site effects, for the harmonisation tests.

Built from :func:`predict.simulate_cohort` (which has mild site effects): every
numeric marker is moved per site by a shift of its standard deviation and a
scale about its mean (amplifier, scanner or assay differences), and patients
are subsampled so that the sites' response rates differ (site correlated with
response). Values stay inside the contract's ranges.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from predict import simulate_cohort
from predict.cohort._contract import MODALITY_PREFIXES, spec_for

#: Marker shift (in SDs) and scale of each site, and the response rate kept.
SHIFTS = (0.4, -1.0, 1.0, -0.3)
SCALES = (1.3, 0.7, 1.2, 0.85)
RATES = (0.25, 0.4, 0.55, 0.7)


def _markers(table: pd.DataFrame) -> list[str]:
    return [
        c
        for c in table.columns
        if c.startswith(tuple(MODALITY_PREFIXES.values()))
        and pd.api.types.is_numeric_dtype(table[c])
    ]


def _clip(column: str, out: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Keep moved values inside the contract's range (and positive ones positive)."""
    spec = spec_for(column)
    low = spec.low if spec is not None and spec.low is not None else -np.inf
    high = spec.high if spec is not None and spec.high is not None else np.inf
    if values.min() > 0:  # positive quantities (ratios, power, BDNF) stay so
        low = max(low, 0.5 * values.min())
    return np.clip(out, low, high)


def multisite_table(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """Return a cohort table whose sites shift markers and response rates."""
    rng = np.random.default_rng(seed)
    table = simulate_cohort(n, seed=seed, n_sites=4, missing=False)
    sites = sorted(table["site"].unique())
    for column in _markers(table):
        values = table[column].to_numpy(dtype=float)
        mean, sd = values.mean(), values.std()
        out = values.copy()
        for k, site in enumerate(sites):
            rows = (table["site"] == site).to_numpy()
            out[rows] = mean + (values[rows] - mean) * SCALES[k] + SHIFTS[k] * sd
        table[column] = _clip(column, out, values)
    response = (table["endpoint_hamd17"] <= 0.5 * table["baseline_hamd17"]).to_numpy()
    keep = np.zeros(len(table), dtype=bool)
    for k, site in enumerate(sites):
        rows = np.flatnonzero((table["site"] == site).to_numpy())
        pos, neg = rows[response[rows]], rows[~response[rows]]
        n_site = min(len(pos) / RATES[k], len(neg) / (1 - RATES[k]))
        n_pos = int(round(RATES[k] * n_site))
        keep[rng.choice(pos, n_pos, replace=False)] = True
        keep[rng.choice(neg, int(round(n_site)) - n_pos, replace=False)] = True
    return table.loc[keep].reset_index(drop=True)


def response_effect_table(
    n: int = 600, seed: int = 0, effect: float = 0.5
) -> pd.DataFrame:
    """Return a multisite table whose markers follow ComBat's own model.

    Each numeric marker is ``mean + sd * (shift_site + effect * response +
    scale_site * z)`` with ``z`` the simulator's standardised marker: response
    moves every marker by ``effect`` SDs, sites shift the mean and scale the
    residual, and sites differ in response rate (as in :func:`multisite_table`).
    """
    table = multisite_table(n, seed=seed)
    sites = sorted(table["site"].unique())
    response = (table["endpoint_hamd17"] <= 0.5 * table["baseline_hamd17"]).to_numpy()
    for column in _markers(table):
        values = table[column].to_numpy(dtype=float)
        mean, sd = values.mean(), values.std()
        z = (values - mean) / sd
        out = np.empty_like(values)
        for k, site in enumerate(sites):
            rows = (table["site"] == site).to_numpy()
            site_z = (z[rows] - z[rows].mean()) / z[rows].std()
            out[rows] = mean + sd * (
                SHIFTS[k] + effect * response[rows] + SCALES[k] * site_z
            )
        table[column] = _clip(column, out, values)
    return table
