"""Generative model of the simulated rTMS cohort: constants, markers, logit.

Each constant cites its source; those marked *design* are choices of the
simulation where the literature gives no single value, tuned so that the
cohort shows the published rates. :func:`response_logit` and the ``draw_*``
functions are shared by the simulator (:mod:`predict.cohort._simulate`) and
the oracle that computes the truth (:mod:`predict.cohort._simulate_truth`), so
both use one model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from predict.cohort._contract import COLUMNS, MODALITY_PREFIXES

__all__ = [
    "CLINICAL_MAY_MISS",
    "CLINICAL_MISSING_RATE",
    "HAMD_GAMMA_SCALE",
    "HAMD_GAMMA_SHAPE",
    "HAMD_MIN",
    "LOGIT_TRAITS",
    "MARKERS",
    "MARKER_BY_NAME",
    "MET_ALLELE_FREQ",
    "MODALITY_MISSING_RATE",
    "Marker",
    "NONRESPONDER_GAIN",
    "PROTOCOL_PROBS",
    "P_BIPOLAR",
    "P_FEMALE",
    "RESPONDER_BETA",
    "SITE_DIRICHLET",
    "SITE_LOGIT_HALF_RANGE",
    "SITE_LOG_SCALE_HALF_RANGE",
    "SITE_SHIFT_HALF_RANGE",
    "age_quantile",
    "draw_prior_treatments",
    "marker_modality",
    "met_carrier_quantile",
    "prior_treatments_quantile",
    "response_logit",
    "truncated_normal",
]

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
# Design: weight of the latent plasticity trait (SD units). With every
# simulated value known, response is predicted with an AUC of ~0.76; from the
# table (markers measure the trait weakly and with noise) the Bayes oracle
# reaches ~0.70. Through the marker loadings below, single-marker effects are
# |r| ~0.1-0.3, the size reported for TMS-EEG/EMG predictors.
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
class Marker:
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

    def score(self, value: np.ndarray) -> np.ndarray:
        """Map values in the marker's unit back to scores (inverse of `value`)."""
        if self.log:
            return np.log(value / self.center) / self.spread
        return (value - self.center) / self.spread


MARKERS: tuple[Marker, ...] = (
    # DLPFC TEPs in MDD (Voineskos et al., 2019, Biol Psychiatry 85:477-86;
    # latencies: Lioumis et al., 2009, Hum Brain Mapp 30:1387-96). Larger
    # (more negative) N45/N100 index excess GABAergic inhibition in MDD, so
    # plasticity loads on smaller ones; loadings are design. P180 is noise.
    Marker("tep_n45_amp_uv", -2.5, 1.5, loading=0.30),
    Marker("tep_p60_amp_uv", 3.0, 1.8, loading=0.20),
    Marker("tep_n100_amp_uv", -5.5, 2.5, loading=0.50),
    Marker("tep_p180_amp_uv", 4.0, 2.2),
    Marker("tep_n100_lat_ms", 110.0, 12.0, loading=-0.10),
    Marker("tep_gmfp_auc", 0.5, 0.35, log=True, loading=0.20),
    # Motor cortex excitability (IFCN norms: Rossini et al., 2015, Clin
    # Neurophysiol 126:1071-107; SICI/ICF: Kujirai et al., 1993, J Physiol
    # 471:501-19). Reduced SICI (higher ratio) in MDD (Radhu et al., 2013,
    # Clin Neurophysiol 124:1309-20), so plasticity loads on lower ratios.
    # RMT and CSP are noise.
    Marker("emg_rmt_pct_mso", 45.0, 9.0),
    Marker("emg_mep_amp_mv", 1.0, 0.5, log=True, loading=0.20),
    Marker("emg_sici_ratio", 0.5, 0.4, log=True, loading=-0.50),
    Marker("emg_icf_ratio", 1.3, 0.25, log=True, loading=0.20),
    Marker("emg_lici_ratio", 0.3, 0.6, log=True, loading=-0.20),
    Marker("emg_csp_ms", 130.0, 30.0),
    # Resting EEG: IAF 10 (SD 1) Hz, highly reliable (Klimesch, 1999, Brain Res
    # Rev 29:169-95); frontal relative theta ~0.2; alpha asymmetry is noise
    # (van der Vinne et al., 2017, NeuroImage Clin 16:79-87).
    Marker("eeg_iaf_hz", 10.0, 1.0, reliability=0.9),
    Marker("eeg_theta_frontal_rel", 0.2, 0.3, log=True, reliability=0.8),
    Marker("eeg_alpha_asym", 0.0, 0.15),
    # sgACC-DLPFC Fisher z ~ -0.1 (SD 0.2), modest single-subject reliability
    # (Fox 2012; Weigand 2018).
    Marker("fc_sgacc_dlpfc_z", -0.10, 0.20, reliability=0.7),
    # Serum BDNF ~22 ng/mL, log-normal (Molendijk et al., 2014, Mol Psychiatry
    # 19:791-800); low BDNF marks reduced plasticity (design loading).
    Marker("bdnf_serum_ng_ml", 22.0, 0.35, log=True, loading=0.40),
)
MARKER_BY_NAME = {marker.name: marker for marker in MARKERS}
#: Markers whose trait score (not the measured value) enters the logit.
LOGIT_TRAITS = ("fc_sgacc_dlpfc_z", "eeg_iaf_hz", "eeg_theta_frontal_rel")

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
CLINICAL_MAY_MISS = ("age", "sex", "diagnosis", "n_prior_treatments")


def marker_modality(column: str) -> str:
    """Return the modality whose prefix starts ``column``."""
    return next(m for m, p in MODALITY_PREFIXES.items() if column.startswith(p))


def truncated_normal_quantile(
    u: np.ndarray, mean: float, sd: float, low: float, high: float
) -> np.ndarray:
    """Return quantiles ``u`` of a normal truncated to ``[low, high]``."""
    from scipy.special import ndtr, ndtri  # imported on use: keeps validate fast

    cdf_low, cdf_high = ndtr((low - mean) / sd), ndtr((high - mean) / sd)
    return mean + sd * ndtri(cdf_low + (cdf_high - cdf_low) * u)


def truncated_normal(
    rng: np.random.Generator,
    mean: float,
    sd: float,
    low: float,
    high: float,
    size: int | tuple[int, ...],
) -> np.ndarray:
    """Draw from a normal truncated to ``[low, high]`` by inverting its CDF."""
    return truncated_normal_quantile(rng.random(size), mean, sd, low, high)


def age_quantile(u: np.ndarray) -> np.ndarray:
    """Return quantiles ``u`` of age in whole years, as the table shows it."""
    return np.floor(truncated_normal_quantile(u, AGE_MEAN, AGE_SD, AGE_MIN, AGE_MAX))


def draw_prior_treatments(rng: np.random.Generator, size: int) -> np.ndarray:
    """Draw counts of failed treatment trials, clipped to the contract range."""
    p_nb = PRIOR_DISPERSION / (PRIOR_DISPERSION + PRIOR_MEAN)
    prior = rng.negative_binomial(PRIOR_DISPERSION, p_nb, size)
    spec = COLUMNS["n_prior_treatments"]
    return np.clip(prior, spec.low, spec.high).astype(float)


def prior_treatments_quantile(u: np.ndarray) -> np.ndarray:
    """Return quantiles ``u`` of the counts that `draw_prior_treatments` draws."""
    r = PRIOR_DISPERSION
    p_nb = r / (r + PRIOR_MEAN)
    spec = COLUMNS["n_prior_treatments"]
    k = np.arange(int(spec.high or 0))  # the top count takes the upper tail
    from scipy.special import gammaln  # imported on use: keeps validate fast

    log_pmf = gammaln(k + r) - gammaln(k + 1) - gammaln(r)
    cdf = np.cumsum(np.exp(log_pmf + r * np.log(p_nb) + k * np.log1p(-p_nb)))
    return np.clip(np.searchsorted(cdf, u), spec.low, spec.high).astype(float)


def met_carrier_quantile(u: np.ndarray) -> np.ndarray:
    """Return quantiles ``u`` of Met carriage (1.0 or 0.0) under Hardy-Weinberg."""
    return (u < 1.0 - (1.0 - MET_ALLELE_FREQ) ** 2).astype(float)


def _by_protocol(protocol: np.ndarray, effects: Mapping[str, float]) -> np.ndarray:
    """Map protocol names to their effect (0 for protocols not in ``effects``)."""
    out = np.zeros(np.shape(protocol))
    for name, effect in effects.items():
        out[protocol == name] = effect
    return out


def response_logit(
    clinical: Mapping[str, np.ndarray],
    trait: Mapping[str, np.ndarray],
    plasticity: np.ndarray,
    site_logit: np.ndarray,
) -> np.ndarray:
    """Return the response log-odds; every input broadcasts against the others.

    Parameters
    ----------
    clinical : mapping of str to ndarray
        ``"protocol"`` (names), ``"met_carrier"`` (bool), ``"age"``,
        ``"n_prior_treatments"`` and ``"baseline_hamd17"``, as in the table.
    trait : mapping of str to ndarray
        Trait scores (standard normal) of the markers in `LOGIT_TRAITS`.
    plasticity : ndarray
        Latent plasticity trait (standard normal).
    site_logit : ndarray
        Site intercepts.

    Returns
    -------
    logit : ndarray
        Log-odds of response, of the broadcast shape of the inputs.
    """
    protocol = clinical["protocol"]
    fc = MARKER_BY_NAME["fc_sgacc_dlpfc_z"].value(trait["fc_sgacc_dlpfc_z"])
    iaf = MARKER_BY_NAME["eeg_iaf_hz"].value(trait["eeg_iaf_hz"])
    return (
        LOGIT_INTERCEPT
        + site_logit
        + _by_protocol(protocol, B_PROTOCOL)
        + B_PLASTICITY * plasticity
        + B_AGE_PER_DECADE * (clinical["age"] - AGE_MEAN) / 10.0
        + B_PRIOR_TRIAL * (clinical["n_prior_treatments"] - PRIOR_MEAN)
        + B_SEVERITY * (clinical["baseline_hamd17"] - 23.5)
        + B_FC * fc
        + B_IAF_DISTANCE_10HZ * np.abs(iaf - 10.0) * (protocol == "10Hz")
        + _by_protocol(protocol, B_MET_CARRIER) * clinical["met_carrier"]
        + B_THETA * trait["eeg_theta_frontal_rel"]
    )
