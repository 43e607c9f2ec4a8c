"""Protocol-effect cohort: markers that matter under some protocols only.

Truth: IAF helps only under 10 Hz (linear, higher is better); Met carriers
respond less only under iTBS and dTMS; the TMS-EEG N45 amplitude has opposite
effects under 1 Hz (more negative is better) and 10 Hz (more negative is
worse); a longer cortical silent period helps everywhere. Four unequal sites,
and site C records no TMS-EEG at all. Both depression scales at baseline; the
outcome is an explicit ``response`` column (no endpoints).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

__all__ = ["make"]


def make(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Return a contract-valid cohort table and each patient's true P(response)."""
    rng = np.random.default_rng([seed, 303])
    protocol = rng.choice(
        ["10Hz", "1Hz", "iTBS", "dTMS"], size=n, p=[0.35, 0.25, 0.25, 0.15]
    )
    site = rng.choice(["A", "B", "C", "D"], size=n, p=[0.4, 0.25, 0.2, 0.15])
    iaf = np.clip(rng.normal(10.0, 1.0, n), 5, 15)
    met = rng.random(n) < 0.35
    n45 = np.clip(rng.normal(-2.5, 1.6, n), -40, 40)
    csp = np.clip(rng.normal(120, 30, n), 0, 400)
    hf = np.isin(protocol, ["iTBS", "dTMS"])
    logit = (
        -0.35
        + 1.1 * (iaf - 10.0) * (protocol == "10Hz")
        - 1.3 * met * hf
        - 0.6 * (n45 + 2.5) * (protocol == "1Hz")
        + 0.6 * (n45 + 2.5) * (protocol == "10Hz")
        + 0.012 * (csp - 120)
    )
    p = expit(logit)
    hamd = np.clip(np.rint(rng.normal(23, 4.5, n)), 14, 52)
    genotype = np.where(
        met, rng.choice(["Val/Met", "Met/Met"], size=n, p=[0.85, 0.15]), "Val/Val"
    )
    table = pd.DataFrame(
        {
            "patient_id": [f"PE{seed}-{i:04d}" for i in range(n)],
            "site": site,
            "age": rng.uniform(22, 68, n).round(0),
            "sex": rng.choice(["f", "m"], size=n),
            "diagnosis": rng.choice(["MDD", "PTSD"], size=n, p=[0.8, 0.2]),
            "protocol": protocol,
            "baseline_hamd17": hamd.astype(int),
            "baseline_madrs": np.clip(
                np.rint(1.2 * hamd + rng.normal(0, 3, n)), 0, 60
            ).astype(int),
            "response": (rng.random(n) < p).astype(int),
            "eeg_iaf_hz": iaf.round(2),
            "eeg_theta_frontal_rel": rng.beta(4, 12, n).round(3),
            "bdnf_val66met": genotype,
            "tep_n45_amp_uv": n45.round(2),
            "tep_gmfp_auc": np.clip(rng.gamma(4, 0.5, n), 0, None).round(3),
            "emg_csp_ms": csp.round(0),
        }
    )
    table.loc[site == "C", ["tep_n45_amp_uv", "tep_gmfp_auc"]] = np.nan
    table.loc[rng.random(n) < 0.06, "eeg_iaf_hz"] = np.nan
    table.loc[rng.random(n) < 0.08, "emg_csp_ms"] = np.nan
    return table, p
