"""Linear-logit cohort: MADRS only, two protocols, little missingness.

Truth: ``logit p = -0.2 - 0.09 * (tep_n100 + 6) + 0.7 * (iaf - 9.8)
+ 0.035 * (bdnf - 22) - 0.25 * prior``, with no protocol or site effect;
resting-EEG alpha asymmetry and TMS-EMG RMT are noise columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from tests.generators._scores import endpoints

__all__ = ["make"]


def make(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Return a contract-valid cohort table and each patient's true P(response)."""
    rng = np.random.default_rng([seed, 101])
    tep_n100 = np.clip(rng.normal(-6.0, 2.5, n), -40, 40)
    iaf = np.clip(rng.normal(9.8, 0.9, n), 5, 15)
    bdnf = np.clip(rng.lognormal(np.log(22.0), 0.35, n), 0, 150)
    prior = rng.poisson(1.5, n).clip(0, 20)
    logit = (
        -0.2
        - 0.09 * (tep_n100 + 6.0)
        + 0.7 * (iaf - 9.8)
        + 0.035 * (bdnf - 22.0)
        - 0.25 * (prior - 1.5)
    )
    p = expit(logit)
    response = (rng.random(n) < p).astype(int)
    baseline = np.clip(np.rint(rng.normal(31.0, 6.0, n)), 14, 60)
    table = pd.DataFrame(
        {
            "patient_id": [f"LM{seed}-{i:04d}" for i in range(n)],
            "site": rng.choice(["mtl", "tor"], size=n, p=[0.6, 0.4]),
            "age": rng.uniform(19, 75, n).round(0),
            "sex": rng.choice(["F", "M"], size=n),
            "diagnosis": "MDD",
            "protocol": rng.choice(["10Hz", "iTBS"], size=n),
            "n_prior_treatments": prior,
            "baseline_madrs": baseline.astype(int),
            "endpoint_madrs": endpoints(rng, baseline, response),
            "tep_n100_amp_uv": tep_n100.round(2),
            "eeg_iaf_hz": iaf.round(2),
            "eeg_alpha_asym": rng.normal(0.0, 0.15, n).round(3),
            "bdnf_serum_ng_ml": bdnf.round(1),
            "emg_rmt_pct_mso": np.clip(rng.normal(52, 9, n), 20, 100).round(0),
        }
    )
    for column in ("tep_n100_amp_uv", "eeg_iaf_hz", "bdnf_serum_ng_ml"):
        table.loc[rng.random(n) < 0.03, column] = np.nan
    return table, p
