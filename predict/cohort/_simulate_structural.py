"""Structural MRI markers of the simulated cohort, from a random stream of their own.

The ``mri_*`` markers (FreeSurfer hippocampal volume, rostral anterior
cingulate and left rostral middle frontal thickness, estimated intracranial
volume) are drawn from a child of the simulator's seed, never from its main
stream, so every other column of a simulated table is the same with or
without them for the same seed. Their traits are independent of the latent
plasticity and of the other markers; two of them add to the response logit.
:func:`structural_posterior` gives the Bayes oracle their posterior given a
row.

Norms and effects, with their sources (*design* where the literature gives
no single value):

- eTIV 1.40 (women) / 1.58 (men) x 10^6 mm³, SD 0.12 x 10^6 within sex
  (Buckner et al., 2004, NeuroImage 23:724-38).
- Hippocampus, left + right (aseg), 8,200 mm³ (SD 800) at an eTIV of 1.5 x
  10^6 mm³, scaling with eTIV; smaller in MDD by d ~ -0.14 (Schmaal et al.,
  2016, Mol Psychiatry 21:806-12, ENIGMA-MDD). Test-retest reliability of
  FreeSurfer volumes ~0.95 (Jovicich et al., 2009, NeuroImage 46:177-92).
- Rostral anterior cingulate thickness 2.85 mm (SD 0.25), left rostral middle
  frontal 2.40 mm (SD 0.13), ENIGMA-MDD cortical norms (Schmaal et al., 2017,
  Mol Psychiatry 22:900-9); thickness reliability ~0.85 (Han et al., 2006,
  NeuroImage 32:180-94).
- Response: larger rostral ACC predicts rTMS response (Boes et al., 2018,
  Brain Stimul 11:575-81): +0.30 logit per SD of the trait (design size,
  single-marker r ~0.1, like the other markers); larger hippocampus predicts
  antidepressant response (Fu et al., 2013, Neurobiol Dis 52:75-83): +0.15
  logit per SD of the ICV-adjusted trait. DLPFC thickness carries no signal
  (no replicated rTMS effect).
- Whole-modality missingness 35 % (design: structural MRI is not routine in
  rTMS clinics); scanner (site) shifts +-0.3 SD and scales exp(+-0.15) as for
  the other modalities (design).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from predict.cohort._contract import COLUMNS
from predict.cohort._simulate_model import (
    SITE_LOG_SCALE_HALF_RANGE,
    SITE_SHIFT_HALF_RANGE,
    Marker,
)

__all__ = [
    "B_STRUCTURAL",
    "ICV_REFERENCE",
    "STRUCTURAL_MARKERS",
    "STRUCTURAL_MISSING_RATE",
    "STRUCTURAL_MODALITY",
    "draw_structural",
    "structural_logit",
    "structural_posterior",
]

STRUCTURAL_MODALITY = "mri"
ICV_COLUMN = "mri_icv_mm3"
ICV_BY_SEX = {"F": 1.40e6, "M": 1.58e6}
ICV_SD = 0.12e6
#: eTIV at which the hippocampus marker's norm holds; the volume scales with it.
ICV_REFERENCE = 1.5e6
_HIPPOCAMPUS = "mri_hippocampus_vol_mm3"

STRUCTURAL_MARKERS: tuple[Marker, ...] = (
    Marker(_HIPPOCAMPUS, 8200.0, 800.0, reliability=0.95),
    Marker("mri_racc_thickness_mm", 2.85, 0.25, reliability=0.85),
    Marker("mri_dlpfc_l_thickness_mm", 2.40, 0.13, reliability=0.85),
)
#: Response log-odds per SD of each structural trait.
B_STRUCTURAL: dict[str, float] = {
    _HIPPOCAMPUS: 0.15,
    "mri_racc_thickness_mm": 0.30,
    "mri_dlpfc_l_thickness_mm": 0.0,
}
STRUCTURAL_MISSING_RATE = 0.35


def _stream(seed_seq: np.random.SeedSequence) -> np.random.Generator:
    """Return the structural stream: a child of the seed ``spawn`` never gives.

    The oracle's stream is ``seed_seq.spawn(1)[0]`` (spawn key ``(0,)``); this
    one has spawn key ``(1000,)`` and calling it does not advance ``spawn``.
    """
    child = np.random.SeedSequence(
        seed_seq.entropy, spawn_key=(*seed_seq.spawn_key, 1000)
    )
    return np.random.default_rng(child)


def draw_structural(
    seed_seq: np.random.SeedSequence,
    sex: np.ndarray,
    site: np.ndarray,
    n_sites: int,
    *,
    missing: bool,
) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, np.ndarray]]:
    """Draw the structural markers of every patient.

    Parameters
    ----------
    seed_seq : numpy.random.SeedSequence
        The simulator's seed; the draws come from a child stream of it.
    sex : ndarray of str of shape (n,)
        ``"F"`` or ``"M"`` (before any cell is blanked).
    site : ndarray of int of shape (n,)
        Site index of each patient.
    n_sites : int
        Number of sites.
    missing : bool
        Whether to blank the whole modality for a random 35 % of patients.

    Returns
    -------
    observed : dict of str to ndarray
        Contract columns in mm³ / mm, NaN where blanked.
    trait : ndarray of shape (n, len(STRUCTURAL_MARKERS))
        The patients' trait scores (standard normal).
    site_effects : dict of str to ndarray of shape (n_sites,)
        ``"shift"`` and ``"scale"`` of the standardised markers per site.
    """
    rng = _stream(seed_seq)
    n = len(site)
    if n_sites == 1:
        shift, scale = np.zeros(1), np.ones(1)
    else:
        grid = np.linspace(-1.0, 1.0, n_sites)
        shift = rng.permutation(grid) * SITE_SHIFT_HALF_RANGE
        scale = np.exp(rng.permutation(grid) * SITE_LOG_SCALE_HALF_RANGE)
    icv_mean = np.where(sex == "F", ICV_BY_SEX["F"], ICV_BY_SEX["M"])
    icv = icv_mean + ICV_SD * rng.standard_normal(n)
    observed: dict[str, np.ndarray] = {}
    trait = rng.standard_normal((n, len(STRUCTURAL_MARKERS)))
    for k, marker in enumerate(STRUCTURAL_MARKERS):
        noise = rng.standard_normal(n)
        r = marker.reliability
        z = np.sqrt(r) * trait[:, k] + np.sqrt(1.0 - r) * noise
        value = marker.value(shift[site] + scale[site] * z)
        if marker.name == _HIPPOCAMPUS:
            value = value * icv / ICV_REFERENCE
        spec = COLUMNS[marker.name]
        decimals = 1 if marker.name.endswith("_mm3") else 3
        observed[marker.name] = np.round(np.clip(value, spec.low, spec.high), decimals)
    observed[ICV_COLUMN] = np.round(icv, 1)
    if missing:
        gone = rng.random(n) < STRUCTURAL_MISSING_RATE
        for column in observed:
            observed[column] = np.where(gone, np.nan, observed[column])
    return observed, trait, {"shift": shift, "scale": scale}


def structural_logit(trait: np.ndarray) -> np.ndarray:
    """Return the structural part of the response log-odds.

    Parameters
    ----------
    trait : ndarray of shape (..., len(STRUCTURAL_MARKERS))
        Trait scores, in the order of `STRUCTURAL_MARKERS`.

    Returns
    -------
    logit : ndarray of shape (...)
    """
    weights = np.array([B_STRUCTURAL[m.name] for m in STRUCTURAL_MARKERS])
    return np.asarray(trait @ weights)


def structural_posterior(
    table: pd.DataFrame,
    site: np.ndarray,
    site_effects: Mapping[str, np.ndarray] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the Gaussian posterior of the structural traits given each row.

    Each trait is independent of everything else and its standardised marker
    is ``sqrt(r) * trait + sqrt(1 - r) * noise``, so given an observed marker
    its posterior is ``N(sqrt(r) * w, 1 - r)``, and ``N(0, 1)`` when the row
    has none (or the table lacks the column). Rounding is ignored.

    Parameters
    ----------
    table : pandas.DataFrame
        The simulated table.
    site : ndarray of int of shape (n,)
        Site index of each row.
    site_effects : mapping or None
        ``"shift"`` and ``"scale"`` per site, from :func:`draw_structural`;
        ``None`` for no site effect.

    Returns
    -------
    mean, sd : ndarray of shape (n, len(STRUCTURAL_MARKERS))
    """
    n = len(table)
    mean = np.zeros((n, len(STRUCTURAL_MARKERS)))
    sd = np.ones_like(mean)
    shift = np.zeros(n) if site_effects is None else site_effects["shift"][site]
    scale = np.ones(n) if site_effects is None else site_effects["scale"][site]
    for k, marker in enumerate(STRUCTURAL_MARKERS):
        if marker.name not in table:
            continue
        value = table[marker.name].to_numpy(dtype=float)
        if marker.name == _HIPPOCAMPUS:
            icv = (
                table[ICV_COLUMN].to_numpy(dtype=float)
                if ICV_COLUMN in table
                else np.full(n, np.nan)
            )
            value = value * ICV_REFERENCE / icv
        w = (marker.score(value) - shift) / scale
        seen = np.isfinite(w)
        r = marker.reliability
        mean[seen, k] = np.sqrt(r) * w[seen]
        sd[seen, k] = np.sqrt(1.0 - r)
    return mean, sd
