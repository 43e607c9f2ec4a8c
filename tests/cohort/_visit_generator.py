"""A visits generator of the tests' own, unlike the package's simulator.

Other column set and truth: MADRS is the only scale, visits are BIDS-style
(``participant_id``, ``session_id``) at days 3, 10 and 21 with an endpoint at
day 28, markers are SICI, IAF and sgACC connectivity, and the outcome is
driven only by how much SICI drops during the course (nothing at baseline).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAYS = {"ses-d3": 3, "ses-d10": 10, "ses-d21": 21}


def generate(n: int = 200, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return a baseline table and a visits table whose change carries the signal."""
    rng = np.random.default_rng(seed)
    ids = [f"sub-{i:03d}" for i in range(n)]
    sici = np.exp(np.log(0.5) + 0.3 * rng.standard_normal(n))
    madrs = rng.integers(22, 40, n).astype(float)
    drop = rng.standard_normal(n)  # latent: how much SICI falls with treatment
    responder = rng.random(n) < 1 / (1 + np.exp(-2.0 * drop))
    endpoint = np.where(responder, madrs * 0.35, madrs * 0.8).round()
    baseline = pd.DataFrame(
        {
            "participant_id": ids,
            "age": rng.integers(20, 70, n),
            "baseline_madrs": madrs,
            "endpoint_madrs": endpoint,
            "endpoint_day": 28,
            "emg_sici_ratio": sici.round(3),
            "eeg_iaf_hz": (10 + rng.standard_normal(n)).round(2),
            "fc_sgacc_dlpfc_z": (-0.1 + 0.2 * rng.standard_normal(n)).round(3),
        }
    )
    rows = []
    for i, pid in enumerate(ids):
        for label, day in DAYS.items():
            share = day / 21
            rows.append(
                {
                    "participant_id": pid,
                    "session_id": label,
                    "day": day,
                    "madrs": float(
                        np.clip(
                            round(
                                madrs[i]
                                - share * (madrs[i] - endpoint[i]) * 0.5
                                + 2 * rng.standard_normal()
                            ),
                            0,
                            60,
                        )
                    ),
                    "emg_sici_ratio": round(
                        float(
                            sici[i]
                            * np.exp(
                                -0.25 * share * drop[i] + 0.05 * rng.standard_normal()
                            )
                        ),
                        3,
                    ),
                    "eeg_iaf_hz": round(
                        float(
                            baseline["eeg_iaf_hz"].iloc[i] + 0.2 * rng.standard_normal()
                        ),
                        2,
                    ),
                }
            )
    return baseline, pd.DataFrame(rows)
