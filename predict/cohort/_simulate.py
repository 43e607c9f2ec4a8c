"""Simulate a multi-site rTMS depression cohort whose true response odds are known.

The generative model (constants with their sources, markers, response logit)
lives in :mod:`predict.cohort._simulate_model`, and the Bayes oracle returned
as the truth in :mod:`predict.cohort._simulate_truth`.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from typing import Literal, overload

import numpy as np
import pandas as pd

from predict.cohort._contract import CATEGORIES, COLUMNS, MODALITY_PREFIXES
from predict.cohort._simulate_model import (
    CLINICAL_MAY_MISS,
    CLINICAL_MISSING_RATE,
    HAMD_GAMMA_SCALE,
    HAMD_GAMMA_SHAPE,
    HAMD_MIN,
    MARKERS,
    MET_ALLELE_FREQ,
    MODALITY_MISSING_RATE,
    NONRESPONDER_GAIN,
    P_BIPOLAR,
    P_FEMALE,
    PROTOCOL_PROBS,
    RESPONDER_BETA,
    SITE_DIRICHLET,
    SITE_LOG_SCALE_HALF_RANGE,
    SITE_LOGIT_HALF_RANGE,
    SITE_SHIFT_HALF_RANGE,
    age_quantile,
    draw_prior_treatments,
    marker_modality,
    response_logit,
    truncated_normal,
)
from predict.cohort._simulate_structural import (
    STRUCTURAL_MODALITY,
    draw_structural,
    structural_logit,
)
from predict.cohort._simulate_truth import oracle_probability

__all__ = ["simulate_cohort"]

#: Modalities drawn from the main stream (structural MRI has a stream of its own).
_MAIN_MODALITIES = tuple(m for m in MODALITY_PREFIXES if m != STRUCTURAL_MODALITY)


def _check(
    name: str,
    value: object,
    low: int | None,
    high: int | None = None,
    func: str = "simulate_cohort",
) -> None:
    """Raise a ValueError unless ``value`` is a bool (no ``low``) or a ranged int."""
    if low is None:
        ok, expected = isinstance(value, bool | np.bool_), "an instance of 'bool'"
    else:
        ok = isinstance(value, Integral) and not isinstance(value, bool | np.bool_)
        if isinstance(value, Integral) and ok:
            ok = low <= int(value) and (high is None or int(value) <= high)
        bounds = f"[{low}, {'inf)' if high is None else f'{high}]'}"
        none = " or None" if name == "seed" else ""
        expected = f"an int in the range {bounds}{none}"
    if not ok:
        raise ValueError(
            f"The '{name}' parameter of {func} must be {expected}. "
            f"Got {value!r} instead."
        )


def _spread(rng: np.random.Generator, k: int, half_range: float) -> np.ndarray:
    """Return ``k`` values evenly spaced over ``+-half_range``, shuffled."""
    if k == 1:
        return np.zeros(1)
    return rng.permutation(np.linspace(-half_range, half_range, k))


def _clinical(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Draw demographics, diagnosis, protocol, treatment history and severity."""
    age = age_quantile(rng.random(n))
    sex = np.where(rng.random(n) < P_FEMALE, "F", "M")
    diagnosis = np.where(rng.random(n) < P_BIPOLAR, "BD", "MDD")
    protocol = rng.choice(list(PROTOCOL_PROBS), size=n, p=list(PROTOCOL_PROBS.values()))
    prior = draw_prior_treatments(rng, n)
    baseline = HAMD_MIN + rng.gamma(HAMD_GAMMA_SHAPE, HAMD_GAMMA_SCALE, n)
    baseline = np.clip(np.rint(baseline), None, COLUMNS["baseline_hamd17"].high)
    n_met = rng.binomial(2, MET_ALLELE_FREQ, n)
    genotype = np.asarray(CATEGORIES["bdnf_val66met"])[n_met]
    return {
        "age": age,
        "sex": sex,
        "diagnosis": diagnosis,
        "protocol": protocol,
        "n_prior_treatments": prior,
        "baseline_hamd17": baseline.astype(int),
        "bdnf_val66met": genotype,
    }


def _site_effects(
    rng: np.random.Generator, n_sites: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Draw each modality's per-site shift and scale of the marker z-scores."""
    half = SITE_SHIFT_HALF_RANGE
    shifts = {m: _spread(rng, n_sites, half) for m in _MAIN_MODALITIES}
    half = SITE_LOG_SCALE_HALF_RANGE
    scales = {m: np.exp(_spread(rng, n_sites, half)) for m in _MAIN_MODALITIES}
    return shifts, scales


def _markers(
    rng: np.random.Generator,
    plasticity: np.ndarray,
    site: np.ndarray,
    shifts: dict[str, np.ndarray],
    scales: dict[str, np.ndarray],
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Draw every marker; return observed values and the patients' trait z-scores."""
    n = plasticity.size
    observed, trait = {}, {}
    for marker in MARKERS:
        unique = np.sqrt(1.0 - marker.loading**2)
        z_trait = marker.loading * plasticity + unique * rng.standard_normal(n)
        z = np.sqrt(marker.reliability) * z_trait
        z = z + np.sqrt(1.0 - marker.reliability) * rng.standard_normal(n)
        modality = marker_modality(marker.name)
        z = shifts[modality][site] + scales[modality][site] * z
        spec = COLUMNS[marker.name]
        value = np.clip(marker.value(z), spec.low, spec.high)
        observed[marker.name] = np.round(value, 3)
        trait[marker.name] = z_trait
    return observed, trait


def _endpoints(
    rng: np.random.Generator, baseline: np.ndarray, responder: np.ndarray
) -> np.ndarray:
    """Return whole-number endpoints whose derived response is ``responder``."""
    n = baseline.size
    a, b = RESPONDER_BETA
    high_gain = 50.0 + 50.0 * rng.beta(a, b, n)
    low_gain = truncated_normal(rng, *NONRESPONDER_GAIN, 50.0, n)
    gain = np.where(responder, high_gain, low_gain)
    endpoint = np.rint(baseline * (1.0 - gain / 100.0))
    half = np.floor(baseline / 2.0)  # endpoint <= baseline / 2 <=> endpoint <= half
    endpoint = np.where(
        responder, np.minimum(endpoint, half), np.maximum(endpoint, half + 1)
    )
    return np.clip(endpoint, 0, COLUMNS["endpoint_hamd17"].high).astype(int)


def _drop_values(
    rng: np.random.Generator, table: pd.DataFrame, no_tep_site: str | None
) -> None:
    """Blank whole modalities and single clinical cells, in place."""
    n = len(table)
    for modality in _MAIN_MODALITIES:
        prefix = MODALITY_PREFIXES[modality]
        columns = [c for c in table.columns if c.startswith(prefix)]
        gone = rng.random(n) < MODALITY_MISSING_RATE[modality]
        if modality == "tms_eeg" and no_tep_site is not None:
            gone |= (table["site"] == no_tep_site).to_numpy()
        table.loc[gone, columns] = np.nan
    for column in CLINICAL_MAY_MISS:
        table.loc[rng.random(n) < CLINICAL_MISSING_RATE, column] = np.nan


@dataclass(frozen=True)
class _Draw:
    """A simulated table with the latent draws behind it (for visits, truth)."""

    table: pd.DataFrame
    ids: list[str]
    site: np.ndarray
    site_logits: np.ndarray
    shifts: dict[str, np.ndarray]
    scales: dict[str, np.ndarray]
    plasticity: np.ndarray
    seed_seq: np.random.SeedSequence
    structural_sites: dict[str, np.ndarray]


def _draw(n: int, seed: int | None, n_sites: int, missing: bool) -> _Draw:
    """Draw the cohort table of :func:`simulate_cohort` and its latents."""
    seed_seq = np.random.SeedSequence(seed)
    rng = np.random.default_rng(seed_seq)

    site_names = np.array([f"site-{chr(ord('A') + k)}" for k in range(n_sites)])
    site_weights = rng.dirichlet(np.full(n_sites, SITE_DIRICHLET))
    site = rng.choice(n_sites, size=n, p=site_weights)
    site_logits = _spread(rng, n_sites, SITE_LOGIT_HALF_RANGE)
    clinical = _clinical(rng, n)
    plasticity = rng.standard_normal(n)
    shifts, scales = _site_effects(rng, n_sites)
    observed, trait = _markers(rng, plasticity, site, shifts, scales)

    met_carrier = clinical["bdnf_val66met"] != "Val/Val"
    logit = response_logit(
        {**clinical, "met_carrier": met_carrier}, trait, plasticity, site_logits[site]
    )
    structural, structural_trait, structural_sites = draw_structural(
        seed_seq, clinical["sex"], site, n_sites, missing=missing
    )
    logit = logit + structural_logit(structural_trait)
    from scipy.special import expit  # here: validate imports this module, fast

    responder = rng.random(n) < expit(logit)
    endpoint = _endpoints(rng, clinical["baseline_hamd17"], responder)

    width = len(str(n))
    ids = [f"P{i:0{width}d}" for i in range(1, n + 1)]
    data = {
        "patient_id": ids,
        "site": site_names[site],
        **clinical,
        **observed,
        **structural,
    }
    data["endpoint_hamd17"] = endpoint
    table = pd.DataFrame({c: data[c] for c in COLUMNS if c in data})
    if missing:
        _drop_values(rng, table, site_names[-1] if n_sites > 1 else None)
    return _Draw(
        table,
        ids,
        site,
        site_logits,
        shifts,
        scales,
        plasticity,
        seed_seq,
        structural_sites,
    )


@overload
def simulate_cohort(
    n: int = ...,
    *,
    seed: int | None = ...,
    n_sites: int = ...,
    missing: bool = ...,
    return_truth: Literal[False] = ...,
) -> pd.DataFrame: ...


@overload
def simulate_cohort(
    n: int = ...,
    *,
    seed: int | None = ...,
    n_sites: int = ...,
    missing: bool = ...,
    return_truth: Literal[True],
) -> tuple[pd.DataFrame, pd.Series]: ...


def simulate_cohort(
    n: int = 500,
    *,
    seed: int | None = 0,
    n_sites: int = 4,
    missing: bool = True,
    return_truth: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.Series]:
    """Simulate a multi-site rTMS cohort table that follows the input contract.

    Each patient gets clinical covariates, baseline and endpoint HRSD-17 totals
    and every canonical neuroplasticity marker, in the contract's names and
    units and inside its plausible ranges. Response is drawn from a known
    logistic model, so each patient's response probability given their row
    (the Bayes oracle) can be returned alongside the table.

    Parameters
    ----------
    n : int, default=500
        Number of patients, at least 10.
    seed : int or None, default=0
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same
        table and truth. ``None`` draws fresh entropy.
    n_sites : int, default=4
        Number of acquisition sites (``"site-A"``, ``"site-B"``, ...), 1 to 26.
    missing : bool, default=True
        Whether to blank values: the last of two or more sites has no TMS-EEG;
        patients miss whole modalities (TMS-EEG 10 %, TMS-EMG 15 %, resting EEG
        4 %, connectivity 20 %, BDNF 12 %, structural MRI 35 %) and 2 % of
        ``age``, ``sex``,
        ``diagnosis`` and ``n_prior_treatments`` cells. With ``False`` no cell
        is missing, and the values equal those of ``True`` where both have one.
    return_truth : bool, default=False
        Whether to also return each patient's response probability given
        their row (see ``truth``).

    Returns
    -------
    table : pandas.DataFrame of shape (n, 31)
        One row per patient on a ``RangeIndex``: ``patient_id`` (``"P001"``,
        zero-padded to the width of ``n``), ``site``, clinical covariates,
        ``baseline_hamd17`` and ``endpoint_hamd17`` (whole numbers) and the
        ``tep_``, ``emg_``, ``eeg_``, ``fc_``, ``bdnf_`` and ``mri_``
        markers. Response, remission and percent change are left for the reader
        to derive.
    truth : pandas.Series of shape (n,)
        Only with ``return_truth=True``: ``p_response``, indexed by
        ``patient_id``, the probability that the patient responds given what
        their row shows (every column but ``endpoint_hamd17``) under the
        known generative model: the best prediction any model of the table
        can make (the Bayes oracle). Its AUC is about 0.70 and it is
        calibrated: among patients with ``p_response`` near ``p``, a share
        ``p`` respond.

    Raises
    ------
    ValueError
        If an argument has the wrong type or is out of range.

    Notes
    -----
    A latent plasticity trait enters the response logit and loads weakly on
    the TMS-EEG, TMS-EMG and serum BDNF markers (P180, RMT, CSP and alpha
    asymmetry carry no signal). The logit adds site intercepts, age, failed
    trials, severity, the connectivity, IAF and frontal theta *traits* (the
    table shows them with measurement noise), ``|IAF - 10 Hz|`` under 10 Hz
    rTMS, Met carriage under high-frequency protocols and a cTBS penalty; the
    constants of :mod:`predict.cohort._simulate_model` cite their sources.
    About 45 % respond and 25-30 % remit (THREE-D, Blumberger et al., 2018).
    Improvement is drawn given response, so it is bimodal (modes near 20 % and
    64 %). Sites shift marker distributions and response rates alike, so site
    confounds marker-outcome associations.

    Generative model, each parameter with its source (values in
    :mod:`predict.cohort._simulate_model`; "design" marks choices the
    literature gives no single value for):

    ==========================  =============================  =========================
    parameter                   value                          source
    ==========================  =============================  =========================
    age, sex                    43 (SD 12) y, 18-75; 60 % F    THREE-D (Blumberger 2018)
    baseline HAMD-17            18 + gamma: mean 23.5, SD 4.4  THREE-D
    bipolar share               12 %                           design
    failed treatment trials     neg. binomial, mean 2.5        O'Reardon 2007
    protocols                   10Hz 35, iTBS 30, 1Hz 15,      Blumberger 2018; Brunoni
                                dTMS 15, cTBS 5 %              2017; Levkovitz 2015
    Met allele frequency        0.25 (Hardy-Weinberg)          Petryshen 2010
    response intercept          -0.1 logit (~45 % respond)     THREE-D
    plasticity trait            +0.75 logit per SD             design (oracle AUC)
    age; failed trials          -0.15 per decade; per trial    Fregni 2006
    baseline severity           -0.03 per point                design
    sgACC-DLPFC connectivity    -2.5 per Fisher z              Fox 2012; Weigand 2018
    abs(IAF - 10 Hz), 10 Hz     -0.7 per Hz                    Corlier 2019; Roelofs
                                                               2021
    Met carrier                 -0.6 (10Hz, dTMS), -0.3 iTBS   Cheng 2022
    frontal theta               +0.2 per SD                    Bailey 2018
    cTBS                        -0.3                           Brunoni 2017
    site intercepts             spread over +-0.4 logit        design
    TEP norms, loadings         N45 -2.5, P60 3.0, N100 -5.5,  Voineskos 2019; Lioumis
                                P180 4.0 uV; N100 110 ms       2009; loadings design
    EMG norms, loadings         RMT 45 %, MEP 1 mV, SICI 0.5,  Rossini 2015; Kujirai
                                ICF 1.3, LICI 0.3, CSP 130 ms  1993; Radhu 2013
    resting EEG                 IAF 10 (SD 1) Hz, theta 0.2    Klimesch 1999; van der
                                                               Vinne 2017
    connectivity                Fisher z -0.10 (SD 0.20),      Fox 2012; Weigand 2018
                                reliability 0.7
    serum BDNF                  22 ng/mL, log-normal           Molendijk 2014
    structural MRI (own stream) eTIV 1.4/1.58e6 mm3; hippo.    Buckner 2004; Schmaal
                                8200 mm3; rACC 2.85, DLPFC     2016, 2017; Boes 2018;
                                2.40 mm; +0.30 rACC, +0.15     Fu 2013 (see
                                hippocampus logit per SD       _simulate_structural)
    site marker shifts, scales  +-0.3 SD, exp(+-0.15)          design
    missing modalities          TEP 10, EMG 15, EEG 4, FC 20,  design
                                BDNF 12 %; one site no TEP
    responder improvement       50 + 50 Beta(1.4, 2.0) %       THREE-D (remission)
    non-responder improvement   normal(22, 14) %, < 50 %       THREE-D (endpoint 13.4)
    ==========================  =============================  =========================

    Response is drawn with the probability given every simulated value,
    latent ones included (AUC about 0.76), which no model can know. The truth
    is instead its expectation given the row: the posterior of the latents
    given the patient's present markers (site shifts and scales and site
    intercepts are known to the oracle; ``site`` is a column) is Gaussian,
    blank clinical cells and genotype follow their generating distributions,
    and the expectation is taken by Monte Carlo (1000 Latin hypercube draws
    per patient, from a stream of its own, so the table does not depend on
    ``return_truth``; standard error ~0.0004, at most ~0.001). Clipping to
    contract ranges (about 0.02 % of marker values) and rounding to 3
    decimals are ignored.

    Examples
    --------
    >>> from predict.cohort._simulate import simulate_cohort
    >>> table, truth = simulate_cohort(200, seed=0, return_truth=True)
    >>> table.shape
    (200, 31)
    >>> table["patient_id"].iloc[0], sorted(table["site"].unique())[:2]
    ('P001', ['site-A', 'site-B'])
    >>> truth.name, truth.index.name, bool(truth.between(0, 1).all())
    ('p_response', 'patient_id', True)
    >>> response = table["endpoint_hamd17"] <= 0.5 * table["baseline_hamd17"]
    >>> bool(0.3 < response.mean() < 0.6)
    True
    """
    _check("n", n, 10)
    if seed is not None:
        _check("seed", seed, 0)
    _check("n_sites", n_sites, 1, 26)
    _check("missing", missing, None)
    _check("return_truth", return_truth, None)
    draw = _draw(int(n), seed, int(n_sites), missing)
    table, ids, site = draw.table, draw.ids, draw.site
    site_logits, shifts, scales = draw.site_logits, draw.shifts, draw.scales
    seed_seq, structural_sites = draw.seed_seq, draw.structural_sites
    if not return_truth:
        return table
    # A stream of its own, so the table does not depend on return_truth.
    truth_rng = np.random.default_rng(seed_seq.spawn(1)[0])
    p_response = oracle_probability(
        table, site, site_logits, shifts, scales, truth_rng, structural=structural_sites
    )
    truth = pd.Series(
        p_response, index=pd.Index(ids, name="patient_id"), name="p_response"
    )
    return table, truth
