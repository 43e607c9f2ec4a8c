"""ComBat estimates: neuroCombat's fit on training sites, and a new site's batch."""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MIN_FIT_ROWS", "estimate_new_site", "fit_sites", "numeric", "sex_code"]

#: Fewest complete rows a training site needs to get its own ComBat estimates.
MIN_FIT_ROWS = 3


def numeric(values: Any) -> np.ndarray:
    """Return a column as floats (NaN where not a number)."""
    return np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)


def sex_code(values: Any) -> np.ndarray:
    """Return sex as 1 (male), 0 (female) or NaN."""
    text = pd.Series(values, dtype=object).astype("string").str.upper().str[:1]
    male = (text == "M").fillna(False).to_numpy(dtype=bool)
    female = (text == "F").fillna(False).to_numpy(dtype=bool)
    return np.where(male, 1.0, np.where(female, 0.0, np.nan))


def fit_sites(
    values: np.ndarray, site: np.ndarray, design: np.ndarray, *, eb: bool
) -> dict[str, Any] | str:
    """Fit ComBat with neuroCombat on the complete rows of one modality.

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_markers)
        The modality's markers (NaN where missing).
    site : ndarray of shape (n_rows,)
        Each row's site (missing allowed).
    design : ndarray of shape (n_rows, n_covariates)
        Protected covariates, no missing values.
    eb : bool
        Empirical-Bayes shrinkage.

    Returns
    -------
    fit : dict or str
        ``sites``, ``grand_mean``, ``var_pooled``, ``beta`` (covariate
        coefficients, zero for a constant covariate), ``gamma``, ``delta`` and
        ``eb``; or why no fit was possible (fewer than two sites with
        :data:`MIN_FIT_ROWS` complete rows).
    """
    from neuroCombat import neuroCombat

    complete = ~np.isnan(values).any(axis=1) & ~pd.isna(site)
    sites, counts = np.unique(site[complete].astype(str), return_counts=True)
    kept = sites[counts >= MIN_FIT_ROWS]
    if len(kept) < 2:
        return f"fewer than 2 sites with {MIN_FIT_ROWS} or more complete rows"
    rows = complete & np.isin(site.astype(str), kept)
    cov = design[rows]
    varies = np.nanstd(cov, axis=0) > 0 if cov.size else np.zeros(0, bool)
    names = [f"c{j}" for j in np.flatnonzero(varies)]
    covars = pd.DataFrame(cov[:, varies], columns=names)
    covars.insert(0, "batch", site[rows].astype(str))
    # neuroCombat prints its progress, and computes (unused) priors that are
    # undefined for a single marker: keep both quiet.
    with (
        contextlib.redirect_stdout(io.StringIO()),
        warnings.catch_warnings(),
        np.errstate(all="ignore"),
    ):
        warnings.simplefilter("ignore", RuntimeWarning)
        result = neuroCombat(
            values[rows].T, covars, "batch", continuous_cols=names, eb=eb
        )
    est = result["estimates"]
    # neuroCombat keeps the covariate effect per training row (mod.mean), not
    # its coefficients: recover them by least squares on the same design.
    beta = np.zeros((design.shape[1], values.shape[1]))
    if names:
        solved = np.linalg.lstsq(cov[:, varies], est["mod.mean"].T, rcond=None)
        beta[varies] = solved[0]
    return {
        "sites": [str(s) for s in est["batches"]],
        "grand_mean": np.asarray(est["stand.mean"][:, 0], dtype=float),
        "var_pooled": np.asarray(est["var.pooled"][:, 0], dtype=float),
        "beta": beta,
        "gamma": np.asarray(est["gamma.star"], dtype=float),
        "delta": np.asarray(est["delta.star"], dtype=float),
        "eb": eb,
    }


def estimate_new_site(s_data: np.ndarray, *, eb: bool) -> tuple[np.ndarray, np.ndarray]:
    """Location and scale of a site not seen in training, from a batch of it.

    Parameters
    ----------
    s_data : ndarray of shape (n_rows, n_markers)
        The site's rows standardised with the frozen training fit (grand mean,
        covariate effects, pooled variance removed).
    eb : bool
        Shrink with neuroCombat's parametric empirical Bayes across markers
        (priors from this site's own marker estimates).

    Returns
    -------
    gamma, delta : ndarray of shape (n_markers,)
    """
    from neuroCombat.neuroCombat import aprior, bprior, it_sol

    gamma_hat = s_data.mean(axis=0)
    delta_hat = s_data.var(axis=0, ddof=1)
    delta_hat[delta_hat == 0] = 1.0
    if not eb:
        return gamma_hat, delta_hat
    gamma, delta = it_sol(
        s_data.T,
        gamma_hat,
        delta_hat,
        gamma_hat.mean(),
        gamma_hat.var(ddof=1),
        aprior(delta_hat),
        bprior(delta_hat),
    )
    return np.asarray(gamma, dtype=float), np.asarray(delta, dtype=float)
