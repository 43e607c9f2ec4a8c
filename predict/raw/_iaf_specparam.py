"""The aperiodic-corrected alpha peak (spectral parameterisation, FOOOF)."""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from predict.raw._rest_eeg import RestEegOptions

__all__ = ["specparam_iaf"]

#: FOOOF settings: alpha peaks 1-8 Hz wide, up to 6 peaks, at least 0.1
#: (log10 power) above the aperiodic fit, a fixed (no knee) aperiodic.
SETTINGS = {
    "peak_width_limits": (1.0, 8.0),
    "max_n_peaks": 6,
    "min_peak_height": 0.1,
    "aperiodic_mode": "fixed",
}


def specparam_iaf(psd: np.ndarray, freqs: np.ndarray, options: RestEegOptions) -> float:
    """Return the centre frequency of the strongest periodic peak in the IAF band.

    The spectrum over ``total_band`` is parameterised as an aperiodic 1/f
    component plus Gaussian peaks (Donoghue et al. 2020, the ``fooof``
    package, now ``specparam``); the IAF is the centre frequency of the
    peak inside ``iaf_band`` with the largest power above the aperiodic fit,
    ``nan`` when there is none.
    """
    with warnings.catch_warnings(record=True):  # fooof 1.1 announces its new name
        warnings.simplefilter("ignore", DeprecationWarning)
        from fooof import FOOOF

    keep = (freqs >= options.total_band[0]) & (freqs <= options.total_band[1])
    keep &= psd > 0
    model = FOOOF(verbose=False, **SETTINGS)
    model.fit(freqs[keep], psd[keep])
    peaks = np.atleast_2d(model.get_params("peak_params"))
    low, high = options.iaf_band
    inside = [p for p in peaks if np.all(np.isfinite(p)) and low <= p[0] <= high]
    if not inside:
        return math.nan
    return float(max(inside, key=lambda p: p[1])[0])
