"""Simulate a multi-site rTMS depression cohort whose true response odds are known.

Each constant of the generative model below cites its source; those marked
*design* are choices of the simulation where the literature gives no single
value, tuned so that the cohort shows the published rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr, ndtri

from predict.cohort._contract import CATEGORIES, COLUMNS, MODALITY_PREFIXES

__all__ = ["simulate_cohort"]

# ---- Generative model constants ---------------------------------------------
# Clinical population of THREE-D (Blumberger et al., 2018, Lancet 391:1683-92):
# age ~43 (SD ~12) years, ~60 % women, HRSD-17 >= 18 at entry, mean 23.5 (SD
# ~4.4). Age bounds 18-75 are design (adult trials, older naturalistic cases).
AGE_MEAN, AGE_SD, AGE_MIN, AGE_MAX = 43.0, 12.0, 18.0, 75.0
P_FEMALE = 0.60
HAMD_MIN = 18.0
# Baseline = 18 + Gamma(shape, scale): mean 23.5, SD 4.4, right-skewed.
HAMD_GAMMA_SHAPE, HAMD_GAMMA_SCALE = 1.56, 3.53
# Design: share of bipolar depression in rTMS depression series (~10-15 %);
# diagnosis carries no signal in the response model.
P_BIPOLAR = 0.12
# Failed adequate treatment trials, negative binomial with mean 2.5 and
# dispersion 3: O'Reardon et al., 2007 (Biol Psychiatry 62:1208-16) report
# 1.6 failed trials in the current episode; lifetime counts are higher.
PRIOR_MEAN, PRIOR_DISPERSION = 2.5, 3.0
# Design: protocol mix of a clinical service. 10 Hz and iTBS are first-line
# (Blumberger 2018); 1 Hz right DLPFC and H1-coil deep TMS are established
# alternatives (Brunoni et al., 2017, JAMA Psychiatry 74:143-52; Levkovitz et
# al., 2015, World Psychiatry 14:64-73); cTBS is rare.
PROTOCOL_PROBS = {"10Hz": 0.35, "iTBS": 0.30, "1Hz": 0.15, "dTMS": 0.15, "cTBS": 0.05}
# BDNF Met-allele frequency, genotypes in Hardy-Weinberg equilibrium:
# ~0.20 in Europeans, ~0.45 in East Asians (Petryshen et al., 2010, Mol
# Psychiatry 15:810-5); 0.25 for a mixed cohort.
MET_ALLELE_FREQ = 0.25

# Response logit. Intercept (design) tuned so that ~45 % respond, as in
# THREE-D (47 % with 10 Hz, 49 % with iTBS on HRSD-17).
LOGIT_INTERCEPT = -0.1
# Design: weight of the latent plasticity trait (SD units); sets the Bayes-
# oracle AUC to ~0.76 and, through the marker loadings below, single-marker
# effects of |r| ~0.1-0.3, the size reported for TMS-EEG/EMG predictors.
B_PLASTICITY = 0.75
# Older age and treatment resistance predict lower response (Fregni et al.,
# 2006, Int J Neuropsychopharmacol 9:641-54): per 10 years, per failed trial.
B_AGE_PER_DECADE = -0.15
B_PRIOR_TRIAL = -0.15
# Design: small negative effect of baseline severity, per HRSD-17 point above
# 23.5 (severity effects are weak and inconsistent in rTMS meta-analyses).
B_SEVERITY = -0.03
# More negative sgACC-left DLPFC connectivity -> better response, per Fisher z
# unit (Fox et al., 2012, Biol Psychiatry 72:595-603; Weigand et al., 2018,
# Biol Psychiatry 84:28-37, individual-level r ~0.3).
B_FC = -2.5
# Distance of the individual alpha frequency from 10 Hz lowers response under
# 10 Hz rTMS only, per Hz (Corlier et al., 2019, Brain Stimul 12:1572-8;
# Roelofs et al., 2021, Clin Neurophysiol 132:643-9).
B_IAF_DISTANCE_10HZ = -0.7
# Met carriers respond less to high-frequency rTMS (Cheng et al., 2022, J Affect
# Disord 297:353-9: -26 % vs -69 % HRSD change with HF-rTMS); the effect was
# weaker with iTBS there, hence half the penalty.
B_MET_CARRIER = {"10Hz": -0.6, "dTMS": -0.6, "iTBS": -0.3}
# Higher frontal theta in responders, per SD of (log) relative theta power
# (Bailey et al., 2018, Brain Stimul 11:190-203).
B_THETA = 0.2
# cTBS has the weakest evidence among active protocols (Brunoni 2017).
B_PROTOCOL = {"cTBS": -0.3}
# Design: site intercepts spread evenly over +-0.4 logits (between-site
# heterogeneity of multi-site trials), assigned to sites at random.
SITE_LOGIT_HALF_RANGE = 0.4
# Design: site size weights ~ Dirichlet(5), so sites are unequal.
SITE_DIRICHLET = 5.0

# Improvement given response (design). Responders: 50 + 50 * Beta(1.4, 2.0) %
# (mode ~64 %, right tail): ~57 % of them remit, as in THREE-D (27 % of 47 %).
# Non-responders: normal(22, 14) % truncated to [-40, 50). Mean endpoint ~13.2,
# as THREE-D's 23.5 -> 13.4.
RESPONDER_BETA = (1.4, 2.0)
NONRESPONDER_GAIN = (22.0, 14.0, -40.0)  # mean, SD, lower bound (%)


@dataclass(frozen=True)
class _Marker:
    """One marker: ``center + spread * z``, or ``center * exp(spread * z)``.

    ``z`` is standard normal: ``loading`` is its correlation with the latent
    plasticity trait and ``reliability`` the share of its variance that is the
    patient's stable trait (the rest is measurement noise).
    """

    name: str
    center: float
    spread: float
    log: bool = False
    loading: float = 0.0
    reliability: float = 1.0

    def value(self, z: np.ndarray) -> np.ndarray:
        """Map standard-normal scores to values in the marker's unit."""
        scaled = self.spread * z
        return self.center * np.exp(scaled) if self.log else self.center + scaled


_MARKERS: tuple[_Marker, ...] = (
    # DLPFC TEPs in MDD (Voineskos et al., 2019, Biol Psychiatry 85:477-86;
    # latencies: Lioumis et al., 2009, Hum Brain Mapp 30:1387-96). Larger
    # (more negative) N45/N100 index excess GABAergic inhibition in MDD, so
    # plasticity loads on smaller ones; loadings are design. P180 is noise.
    _Marker("tep_n45_amp_uv", -2.5, 1.5, loading=0.30),
    _Marker("tep_p60_amp_uv", 3.0, 1.8, loading=0.20),
    _Marker("tep_n100_amp_uv", -5.5, 2.5, loading=0.50),
    _Marker("tep_p180_amp_uv", 4.0, 2.2),
    _Marker("tep_n100_lat_ms", 110.0, 12.0, loading=-0.10),
    _Marker("tep_gmfp_auc", 0.5, 0.35, log=True, loading=0.20),
    # Motor cortex excitability (IFCN norms: Rossini et al., 2015, Clin
    # Neurophysiol 126:1071-107; SICI/ICF: Kujirai et al., 1993, J Physiol
    # 471:501-19). Reduced SICI (higher ratio) in MDD (Radhu et al., 2013,
    # Clin Neurophysiol 124:1309-20), so plasticity loads on lower ratios.
    # RMT and CSP are noise.
    _Marker("emg_rmt_pct_mso", 45.0, 9.0),
    _Marker("emg_mep_amp_mv", 1.0, 0.5, log=True, loading=0.20),
    _Marker("emg_sici_ratio", 0.5, 0.4, log=True, loading=-0.50),
    _Marker("emg_icf_ratio", 1.3, 0.25, log=True, loading=0.20),
    _Marker("emg_lici_ratio", 0.3, 0.6, log=True, loading=-0.20),
    _Marker("emg_csp_ms", 130.0, 30.0),
    # Resting EEG: IAF 10 (SD 1) Hz, highly reliable (Klimesch, 1999, Brain Res
    # Rev 29:169-95); frontal relative theta ~0.2; alpha asymmetry is noise
    # (van der Vinne et al., 2017, NeuroImage Clin 16:79-87).
    _Marker("eeg_iaf_hz", 10.0, 1.0, reliability=0.9),
    _Marker("eeg_theta_frontal_rel", 0.2, 0.3, log=True, reliability=0.8),
    _Marker("eeg_alpha_asym", 0.0, 0.15),
    # sgACC-DLPFC Fisher z ~ -0.1 (SD 0.2), modest single-subject reliability
    # (Fox 2012; Weigand 2018).
    _Marker("fc_sgacc_dlpfc_z", -0.10, 0.20, reliability=0.7),
    # Serum BDNF ~22 ng/mL, log-normal (Molendijk et al., 2014, Mol Psychiatry
    # 19:791-800); low BDNF marks reduced plasticity (design loading).
    _Marker("bdnf_serum_ng_ml", 22.0, 0.35, log=True, loading=0.40),
)
_MARKER_BY_NAME = {marker.name: marker for marker in _MARKERS}

# Design: site differences per modality (amplifier, stimulator, scanner, assay)
# on the z scale: shifts spread over +-0.3 SD, scales over exp(+-0.15).
SITE_SHIFT_HALF_RANGE = 0.3
SITE_LOG_SCALE_HALF_RANGE = 0.15

# Design: whole-modality missingness per patient (MCAR); with two or more
# sites the last site has no TMS-EEG at all. Single missing clinical values.
MODALITY_MISSING_RATE = dict(
    tms_eeg=0.10, tms_emg=0.15, rest_eeg=0.04, connectivity=0.20, bdnf=0.12
)
CLINICAL_MISSING_RATE = 0.02
_CLINICAL_MAY_MISS = ("age", "sex", "diagnosis", "n_prior_treatments")


def _modality(column: str) -> str:
    return next(m for m, p in MODALITY_PREFIXES.items() if column.startswith(p))


def _check(name: str, value: object, low: int | None, high: int | None = None) -> None:
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
            f"The '{name}' parameter of simulate_cohort must be {expected}. "
            f"Got {value!r} instead."
        )


def _spread(rng: np.random.Generator, k: int, half_range: float) -> np.ndarray:
    """Return ``k`` values evenly spaced over ``+-half_range``, shuffled."""
    if k == 1:
        return np.zeros(1)
    return rng.permutation(np.linspace(-half_range, half_range, k))


def _truncated_normal(
    rng: np.random.Generator, mean: float, sd: float, low: float, high: float, n: int
) -> np.ndarray:
    """Draw from a normal truncated to ``[low, high]`` by inverting its CDF."""
    u = rng.uniform(ndtr((low - mean) / sd), ndtr((high - mean) / sd), n)
    return mean + sd * ndtri(u)


def _clinical(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Draw demographics, diagnosis, protocol, treatment history and severity."""
    age = _truncated_normal(rng, AGE_MEAN, AGE_SD, AGE_MIN, AGE_MAX, n)
    sex = np.where(rng.random(n) < P_FEMALE, "F", "M")
    diagnosis = np.where(rng.random(n) < P_BIPOLAR, "BD", "MDD")
    protocol = rng.choice(list(PROTOCOL_PROBS), size=n, p=list(PROTOCOL_PROBS.values()))
    p_nb = PRIOR_DISPERSION / (PRIOR_DISPERSION + PRIOR_MEAN)
    prior = rng.negative_binomial(PRIOR_DISPERSION, p_nb, n)
    spec = COLUMNS["n_prior_treatments"]
    prior = np.clip(prior, spec.low, spec.high)
    baseline = HAMD_MIN + rng.gamma(HAMD_GAMMA_SHAPE, HAMD_GAMMA_SCALE, n)
    baseline = np.clip(np.rint(baseline), None, COLUMNS["baseline_hamd17"].high)
    n_met = rng.binomial(2, MET_ALLELE_FREQ, n)
    genotype = np.asarray(CATEGORIES["bdnf_val66met"])[n_met]
    return {
        "age": np.floor(age),
        "sex": sex,
        "diagnosis": diagnosis,
        "protocol": protocol,
        "n_prior_treatments": prior.astype(float),
        "baseline_hamd17": baseline.astype(int),
        "bdnf_val66met": genotype,
    }


def _markers(
    rng: np.random.Generator, plasticity: np.ndarray, site: np.ndarray, n_sites: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Draw every marker; return observed values and the patients' trait z-scores."""
    n, half = plasticity.size, SITE_SHIFT_HALF_RANGE
    shifts = {m: _spread(rng, n_sites, half) for m in MODALITY_PREFIXES}
    half = SITE_LOG_SCALE_HALF_RANGE
    scales = {m: np.exp(_spread(rng, n_sites, half)) for m in MODALITY_PREFIXES}
    observed, trait = {}, {}
    for marker in _MARKERS:
        unique = np.sqrt(1.0 - marker.loading**2)
        z_trait = marker.loading * plasticity + unique * rng.standard_normal(n)
        z = np.sqrt(marker.reliability) * z_trait
        z = z + np.sqrt(1.0 - marker.reliability) * rng.standard_normal(n)
        modality = _modality(marker.name)
        z = shifts[modality][site] + scales[modality][site] * z
        spec = COLUMNS[marker.name]
        value = np.clip(marker.value(z), spec.low, spec.high)
        observed[marker.name] = np.round(value, 3)
        trait[marker.name] = z_trait
    return observed, trait


def _response_logit(
    clinical: dict[str, np.ndarray],
    trait: dict[str, np.ndarray],
    plasticity: np.ndarray,
    site_logit: np.ndarray,
) -> np.ndarray:
    """Return each patient's true response log-odds."""
    protocol = clinical["protocol"]
    met_carrier = clinical["bdnf_val66met"] != "Val/Val"
    met_effect = np.array([B_MET_CARRIER.get(p, 0.0) for p in protocol])
    protocol_effect = np.array([B_PROTOCOL.get(p, 0.0) for p in protocol])
    fc = _MARKER_BY_NAME["fc_sgacc_dlpfc_z"].value(trait["fc_sgacc_dlpfc_z"])
    iaf = _MARKER_BY_NAME["eeg_iaf_hz"].value(trait["eeg_iaf_hz"])
    return (
        LOGIT_INTERCEPT
        + site_logit
        + protocol_effect
        + B_PLASTICITY * plasticity
        + B_AGE_PER_DECADE * (clinical["age"] - AGE_MEAN) / 10.0
        + B_PRIOR_TRIAL * (clinical["n_prior_treatments"] - PRIOR_MEAN)
        + B_SEVERITY * (clinical["baseline_hamd17"] - 23.5)
        + B_FC * fc
        + B_IAF_DISTANCE_10HZ * np.abs(iaf - 10.0) * (protocol == "10Hz")
        + met_effect * met_carrier
        + B_THETA * trait["eeg_theta_frontal_rel"]
    )


def _endpoints(
    rng: np.random.Generator, baseline: np.ndarray, responder: np.ndarray
) -> np.ndarray:
    """Return whole-number endpoints whose derived response is ``responder``."""
    n = baseline.size
    a, b = RESPONDER_BETA
    high_gain = 50.0 + 50.0 * rng.beta(a, b, n)
    low_gain = _truncated_normal(rng, *NONRESPONDER_GAIN, 50.0, n)
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
    for modality, prefix in MODALITY_PREFIXES.items():
        columns = [c for c in table.columns if c.startswith(prefix)]
        gone = rng.random(n) < MODALITY_MISSING_RATE[modality]
        if modality == "tms_eeg" and no_tep_site is not None:
            gone |= (table["site"] == no_tep_site).to_numpy()
        table.loc[gone, columns] = np.nan
    for column in _CLINICAL_MAY_MISS:
        table.loc[rng.random(n) < CLINICAL_MISSING_RATE, column] = np.nan


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
    logistic model, so the true response probability of every patient (the
    Bayes oracle) can be returned alongside the table.

    Parameters
    ----------
    n : int, default=500
        Number of patients, at least 10.
    seed : int or None, default=0
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same
        table. ``None`` draws fresh entropy.
    n_sites : int, default=4
        Number of acquisition sites (``"site-A"``, ``"site-B"``, ...), 1 to 26.
    missing : bool, default=True
        Whether to blank values: the last of two or more sites has no TMS-EEG;
        patients miss whole modalities (TMS-EEG 10 %, TMS-EMG 15 %, resting EEG
        4 %, connectivity 20 %, BDNF 12 %) and 2 % of ``age``, ``sex``,
        ``diagnosis`` and ``n_prior_treatments`` cells. With ``False`` no cell
        is missing, and the values equal those of ``True`` where both have one.
    return_truth : bool, default=False
        Whether to also return each patient's true response probability.

    Returns
    -------
    table : pandas.DataFrame of shape (n, 27)
        One row per patient on a ``RangeIndex``: ``patient_id`` (``"P001"``,
        zero-padded to the width of ``n``), ``site``, clinical covariates,
        ``baseline_hamd17`` and ``endpoint_hamd17`` (whole numbers) and the
        ``tep_``, ``emg_``, ``eeg_``, ``fc_`` and ``bdnf_`` markers. Response,
        remission and percent change are left for the reader to derive.
    truth : pandas.Series of shape (n,)
        Only with ``return_truth=True``: ``p_response``, the probability that
        the patient responds given everything simulated, indexed by
        ``patient_id``. The drawn response (endpoint at or below half the
        baseline) is a Bernoulli draw with this probability.

    Raises
    ------
    ValueError
        If an argument has the wrong type or is out of range.

    Notes
    -----
    A latent plasticity trait enters the response logit and loads weakly on
    the TMS-EEG, TMS-EMG and serum BDNF markers (P180, RMT, CSP and alpha
    asymmetry carry no signal). The logit adds site intercepts, age, failed
    trials, severity, sgACC-DLPFC connectivity, ``|IAF - 10 Hz|`` under 10 Hz
    rTMS, Met carriage under high-frequency protocols, frontal theta and a cTBS
    penalty; the module's constants cite their sources. About 45 % respond and
    25-30 % remit (THREE-D, Blumberger et al., 2018); the oracle AUC is about
    0.76. Improvement is drawn given response, so it is bimodal (modes near
    20 % and 64 %). Sites shift marker distributions and response rates alike,
    so site confounds marker-outcome associations.

    Examples
    --------
    >>> from predict.cohort._simulate import simulate_cohort
    >>> table, truth = simulate_cohort(200, seed=0, return_truth=True)
    >>> table.shape
    (200, 27)
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
    n, n_sites = int(n), int(n_sites)
    rng = np.random.default_rng(seed)

    site_names = np.array([f"site-{chr(ord('A') + k)}" for k in range(n_sites)])
    site_weights = rng.dirichlet(np.full(n_sites, SITE_DIRICHLET))
    site = rng.choice(n_sites, size=n, p=site_weights)
    site_logit = _spread(rng, n_sites, SITE_LOGIT_HALF_RANGE)[site]
    clinical = _clinical(rng, n)
    plasticity = rng.standard_normal(n)
    observed, trait = _markers(rng, plasticity, site, n_sites)

    p_response = expit(_response_logit(clinical, trait, plasticity, site_logit))
    responder = rng.random(n) < p_response
    endpoint = _endpoints(rng, clinical["baseline_hamd17"], responder)

    width = len(str(n))
    ids = [f"P{i:0{width}d}" for i in range(1, n + 1)]
    data = {"patient_id": ids, "site": site_names[site], **clinical, **observed}
    data["endpoint_hamd17"] = endpoint
    table = pd.DataFrame({c: data[c] for c in COLUMNS if c in data})
    if missing:
        _drop_values(rng, table, site_names[-1] if n_sites > 1 else None)
    if not return_truth:
        return table
    truth = pd.Series(
        p_response, index=pd.Index(ids, name="patient_id"), name="p_response"
    )
    return table, truth
