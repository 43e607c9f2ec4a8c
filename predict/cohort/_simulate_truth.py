"""Bayes oracle of the simulated cohort: response probability given the table.

The simulator draws response from latent values (plasticity, marker traits)
that the table shows only through noisy, site-distorted markers. The best any
model of the table can do is the probability of response given the row, under
the known generative model; :func:`oracle_probability` computes it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from predict.cohort._simulate_model import (
    LOGIT_TRAITS,
    MARKERS,
    age_quantile,
    marker_modality,
    met_carrier_quantile,
    prior_treatments_quantile,
    response_logit,
)
from predict.cohort._simulate_structural import (
    structural_logit,
    structural_posterior,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["N_DRAWS", "latent_covariances", "oracle_probability"]

#: Monte Carlo draws per patient. With Latin hypercube sampling, the standard
#: error of a probability is ~0.0004 (at most ~0.0011); 2000 patients take
#: ~0.2 s.
N_DRAWS = 1000
# Patients per block: the patients of a block share one Latin hypercube design
# (common random numbers), and a block's draws take block * N_DRAWS * latents
# floats of memory.
_BLOCK = 256
# Log markers are rounded to 3 decimals, so a value can round to 0 in
# principle; treat it as half the rounding unit.
_SMALLEST_LOG_VALUE = 5e-4


def latent_covariances() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the prior covariances of the latents and the standardised markers.

    The latents are ``x = (plasticity, z_trait of each marker in LOGIT_TRAITS)``
    and the standardised markers ``w_k = sqrt(r_k) * z_trait_k + sqrt(1 - r_k)
    * e_k`` with ``z_trait_k = a_k * plasticity + sqrt(1 - a_k**2) * u_k``
    (loading ``a_k``, reliability ``r_k``), as the simulator draws them.

    Returns
    -------
    cov_x : ndarray of shape (1 + len(LOGIT_TRAITS),) * 2
        Covariance of the latents.
    cov_xw : ndarray of shape (1 + len(LOGIT_TRAITS), len(MARKERS))
        Covariance of the latents with the standardised markers.
    cov_w : ndarray of shape (len(MARKERS), len(MARKERS))
        Covariance of the standardised markers (unit diagonal).
    """
    loading = np.array([m.loading for m in MARKERS])
    root_rel = np.sqrt([m.reliability for m in MARKERS])
    # Covariance of (plasticity, z_trait of every marker).
    cov_trait = np.outer(loading, loading)
    np.fill_diagonal(cov_trait, 1.0)
    cov_y = np.block(
        [[np.ones((1, 1)), loading[None, :]], [loading[:, None], cov_trait]]
    )
    index = [m.name for m in MARKERS]
    rows = [0, *(1 + index.index(name) for name in LOGIT_TRAITS)]
    cov_w = root_rel[:, None] * cov_trait * root_rel[None, :]
    np.fill_diagonal(cov_w, 1.0)
    cov_xw = cov_y[rows, 1:] * root_rel[None, :]
    return cov_y[np.ix_(rows, rows)], cov_xw, cov_w


def _standardised_markers(
    table: pd.DataFrame,
    site: np.ndarray,
    shifts: Mapping[str, np.ndarray],
    scales: Mapping[str, np.ndarray],
) -> np.ndarray:
    """Undo value transforms and site distortions: (n, markers), NaN if missing."""
    columns = []
    for marker in MARKERS:
        value = table[marker.name].to_numpy(dtype=float)
        if marker.log:
            value = np.maximum(value, _SMALLEST_LOG_VALUE)
        modality = marker_modality(marker.name)
        z = (marker.score(value) - shifts[modality][site]) / scales[modality][site]
        columns.append(z)
    return np.column_stack(columns)


def _posterior(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the Gaussian posterior of the latents given each row of ``w``.

    Patients are grouped by which markers they have; each group shares a
    posterior covariance, conditioning only on its observed markers.

    Returns
    -------
    mean : ndarray of shape (n, latents)
    factor : ndarray of shape (groups, latents, latents)
        Square roots of the posterior covariances (``factor @ factor.T``).
    group : ndarray of shape (n,)
        Group of each patient.
    """
    cov_x, cov_xw, cov_w = latent_covariances()
    patterns, group = np.unique(~np.isnan(w), axis=0, return_inverse=True)
    group = group.ravel()
    mean = np.zeros((w.shape[0], cov_x.shape[0]))
    factor = np.empty((len(patterns), *cov_x.shape))
    for g, seen in enumerate(patterns):
        gain = np.linalg.solve(cov_w[np.ix_(seen, seen)], cov_xw[:, seen].T).T
        rows = group == g
        mean[rows] = w[np.ix_(rows, seen)] @ gain.T
        eigval, eigvec = np.linalg.eigh(cov_x - gain @ cov_xw[:, seen].T)
        factor[g] = eigvec * np.sqrt(np.clip(eigval, 0.0, None))
    return mean, factor, group


def _stratified_uniform(
    rng: np.random.Generator, rows: int, draws: int, dims: int
) -> np.ndarray:
    """Draw ``(rows, draws, dims)`` uniforms by Latin hypercube sampling per row.

    In every row and dimension each draw falls in its own one of ``draws``
    strata of equal probability (strata paired at random across dimensions),
    which removes most of the Monte Carlo variance of functions that are
    nearly additive in the dimensions.
    """
    order = np.broadcast_to(np.arange(draws), (rows, dims, draws))
    strata = rng.permuted(order, axis=2)
    return ((strata + rng.random((rows, dims, draws))) / draws).transpose(0, 2, 1)


def _fill_blanks(
    rng: np.random.Generator,
    values: np.ndarray,
    n_draws: int,
    quantile: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """Repeat ``values`` ``n_draws`` times per row; draw the blank (NaN) rows."""
    out = np.repeat(values[:, None], n_draws, axis=1)
    blank = np.isnan(values)
    if blank.any():
        u = _stratified_uniform(rng, int(blank.sum()), n_draws, 1)
        out[blank] = quantile(u[..., 0])
    return out


def oracle_probability(
    table: pd.DataFrame,
    site: np.ndarray,
    site_logits: np.ndarray,
    shifts: Mapping[str, np.ndarray],
    scales: Mapping[str, np.ndarray],
    rng: np.random.Generator,
    n_draws: int = N_DRAWS,
    *,
    structural: Mapping[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Return each patient's probability of response given their table row.

    Parameters
    ----------
    table : pandas.DataFrame
        The simulated table, blanks included.
    site : ndarray of int of shape (n,)
        Site index of each row.
    site_logits : ndarray of shape (n_sites,)
        Site intercepts of the logit.
    shifts, scales : mapping of str to ndarray of shape (n_sites,)
        Per-modality site shift and scale of the standardised markers.
    rng : numpy.random.Generator
        Stream of the Monte Carlo draws (not the simulator's own stream).
    n_draws : int, default=N_DRAWS
        Draws per patient.
    structural : mapping or None, default=None
        Per-site ``"shift"`` and ``"scale"`` of the structural MRI markers
        (:func:`~predict.cohort._simulate_structural.draw_structural`);
        ``None`` for no scanner effect.

    Returns
    -------
    p_response : ndarray of shape (n,)
        ``E[expit(logit) | predictors of the row]``, by Monte Carlo. The
        predictors are every column but ``endpoint_hamd17``, which encodes
        the outcome.

    Notes
    -----
    Given the row, the latents (plasticity and the trait scores of
    `LOGIT_TRAITS`) are Gaussian: each present marker, with its transform and
    site distortion undone, is a linear function of them plus independent
    noise, so their posterior mean and covariance follow from
    `latent_covariances` by conditioning on the markers the patient has.
    Blank ``age`` and ``n_prior_treatments`` cells and a blank BDNF genotype
    are drawn from their generating distributions (missingness is at random
    given the site, and these are independent of everything else). The
    logit, nonlinear in the IAF trait under 10 Hz, is averaged over Latin
    hypercube draws of this posterior; patients of a block of `_BLOCK` share
    one design of the latents' standard normals (common random numbers).

    Clipping to contract ranges is ignored (it almost never happens: about
    0.4 % of resting motor thresholds, which carry no signal, and fewer than
    1 in 10**4 values of other markers), and so is rounding to 3 decimals
    (a few thousandths of an SD on a marker's score, up to ~0.02 SD for the
    smallest theta and LICI values).
    """
    from scipy.special import expit, ndtri  # imported on use: keeps validate fast

    w = _standardised_markers(table, site, shifts, scales)
    mean, factor, group = _posterior(w)
    s_mean, s_sd = structural_posterior(table, site, structural)
    d = mean.shape[1]
    age = table["age"].to_numpy(dtype=float)
    prior = table["n_prior_treatments"].to_numpy(dtype=float)
    genotype = table["bdnf_val66met"]
    carrier = (genotype != "Val/Val").to_numpy(dtype=float)
    carrier[genotype.isna().to_numpy()] = np.nan
    protocol = table["protocol"].to_numpy()
    baseline = table["baseline_hamd17"].to_numpy(dtype=float)
    p_response = np.empty(len(table))
    for start in range(0, len(table), _BLOCK):
        rows = slice(start, start + _BLOCK)
        eps = ndtri(_stratified_uniform(rng, 1, n_draws, d + s_mean.shape[1])[0])
        deviation = eps[:, :d] @ factor.transpose(0, 2, 1)  # (groups, draws, d)
        shape = s_mean[rows, None, :] + s_sd[rows, None, :] * eps[None, :, d:]
        x = mean[rows, None, :] + deviation[group[rows]]
        clinical = {
            "protocol": protocol[rows, None],
            "age": _fill_blanks(rng, age[rows], n_draws, age_quantile),
            "n_prior_treatments": _fill_blanks(
                rng, prior[rows], n_draws, prior_treatments_quantile
            ),
            "baseline_hamd17": baseline[rows, None],
            "met_carrier": _fill_blanks(
                rng, carrier[rows], n_draws, met_carrier_quantile
            ),
        }
        trait = {name: x[..., 1 + k] for k, name in enumerate(LOGIT_TRAITS)}
        logit = response_logit(
            clinical, trait, x[..., 0], site_logits[site[rows], None]
        ) + structural_logit(shape)
        p_response[rows] = expit(logit).mean(axis=1)
    return p_response
