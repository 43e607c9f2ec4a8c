"""A tiny cohort of built features made here, not by the package's simulator."""

from __future__ import annotations

import numpy as np
import pandas as pd

PROTOCOLS = ("10Hz", "iTBS", "1Hz")


def built_cohort(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Return built-feature columns and a binary outcome.

    The outcome's log-odds are U-shaped in the N100 amplitude and have a
    resting-EEG slope only under iTBS (a marker x protocol interaction).
    """
    rng = np.random.default_rng(seed)
    protocol = rng.integers(0, len(PROTOCOLS), n)
    n100 = rng.normal(size=n)
    iaf = rng.normal(size=n)
    data = pd.DataFrame(
        {
            "clinical__age": rng.normal(45.0, 12.0, n),
            **{
                f"clinical__protocol_{name}": (protocol == k).astype(float)
                for k, name in enumerate(PROTOCOLS)
            },
            "tms_eeg__tep_n100_amp_uv": n100,
            "rest_eeg__iaf_hz": iaf,
            "bdnf__met_carrier": rng.integers(0, 2, n).astype(float),
            "tms_eeg__present": np.ones(n),
        }
    )
    logit = 1.5 * (n100**2 - 1.0) + 2.0 * iaf * (protocol == 1)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    return data, y
