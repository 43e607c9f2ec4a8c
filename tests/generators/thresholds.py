"""Threshold cohort: an AND of two markers and a U-shape, HAMD-17, three protocols.

Truth: response is likely only when intracortical facilitation
(``emg_icf_ratio``) is above 1.3 *and* the patient carries no BDNF Met allele;
the sgACC-DLPFC connectivity z acts as a U (``fc_z ** 2``, both strongly
anticorrelated and strongly correlated patients do better); 1 Hz adds a fixed
penalty. 15-25 % of each marker is missing, cell by cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from tests.generators._scores import endpoints

__all__ = ["make"]

_GENOTYPES = np.array(["Val/Val", "Val/Met", "Met/Met"])


def make(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Return a contract-valid cohort table and each patient's true P(response)."""
    rng = np.random.default_rng([seed, 202])
    icf = np.clip(rng.lognormal(np.log(1.25), 0.3, n), 0, 5)
    genotype = _GENOTYPES[rng.binomial(2, 0.3, n)]
    fc_z = np.clip(rng.normal(0.0, 0.55, n), -2, 2)
    protocol = rng.choice(["10Hz", "iTBS", "1Hz"], size=n, p=[0.4, 0.35, 0.25])
    both = (icf > 1.3) & (genotype == "Val/Val")
    logit = -1.25 + 2.1 * both + 1.6 * (fc_z**2 - 0.3) - 0.5 * (protocol == "1Hz")
    p = expit(logit)
    response = (rng.random(n) < p).astype(int)
    baseline = np.clip(np.rint(18 + rng.gamma(3.0, 2.5, n)), 14, 52)
    table = pd.DataFrame(
        {
            "patient_id": [f"TH{seed}-{i:04d}" for i in range(n)],
            "site": rng.choice(["oslo", "bergen", "trondheim"], size=n),
            "age": rng.normal(45, 13, n).clip(18, 85).round(1),
            "sex": rng.choice(["female", "male"], size=n, p=[0.62, 0.38]),
            "diagnosis": rng.choice(["MDD", "BD"], size=n, p=[0.85, 0.15]),
            "protocol": protocol,
            "n_prior_treatments": rng.integers(0, 8, n),
            "baseline_hamd17": baseline.astype(int),
            "endpoint_hamd17": endpoints(rng, baseline, response),
            "emg_icf_ratio": icf.round(3),
            "emg_mep_amp_mv": np.clip(rng.lognormal(0.0, 0.5, n), 0, 20).round(3),
            "bdnf_val66met": genotype,
            "fc_sgacc_dlpfc_z": fc_z.round(3),
            "tep_p60_amp_uv": np.clip(rng.normal(3.0, 1.5, n), -40, 40).round(2),
        }
    )
    rates = {
        "emg_icf_ratio": 0.18,
        "emg_mep_amp_mv": 0.18,
        "bdnf_val66met": 0.15,
        "fc_sgacc_dlpfc_z": 0.25,
        "tep_p60_amp_uv": 0.2,
    }
    for column, rate in rates.items():
        table.loc[rng.random(n) < rate, column] = np.nan
    return table, p
