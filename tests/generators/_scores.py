"""Endpoint scale scores consistent with a drawn response."""

from __future__ import annotations

import numpy as np

__all__ = ["endpoints"]


def endpoints(
    rng: np.random.Generator, baseline: np.ndarray, response: np.ndarray
) -> np.ndarray:
    """Return whole-number endpoints whose derived response equals ``response``.

    Responders keep 5-50 % of their baseline score, non-responders 51-110 %;
    rounding is pushed to the right side of the 50 % cut.
    """
    n = baseline.size
    kept = np.where(response == 1, rng.uniform(0.05, 0.5, n), rng.uniform(0.51, 1.1, n))
    raw = baseline * kept
    half = np.floor(0.5 * baseline)
    end = np.where(
        response == 1,
        np.minimum(np.floor(raw), half),
        np.maximum(np.ceil(raw), half + 1),
    )
    return end.astype(int)
