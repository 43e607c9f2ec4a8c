"""Waveforms whose processed TEP peaks and GMFP area equal given markers.

The synthetic writer (:mod:`predict.raw._tms_eeg_write`) injects these into
its recordings; they are solved through the extractor's own processing
(:func:`predict.raw._tms_eeg.process_average` and ``measure``), so a noiseless
recording gives back the markers it was written with.
"""

from __future__ import annotations

import numpy as np

from predict.raw._tms_eeg import (
    COMPONENTS,
    Average,
    TmsEegOptions,
    measure,
    process_average,
)

__all__ = ["SHAPES", "solve_scale", "solve_template"]

#: Latency (ms) and Gaussian width (ms) of each injected component; the N100
#: latency comes from ``tep_n100_lat_ms``.
SHAPES = {
    "n45": (45.0, 6.0),
    "p60": (60.0, 7.0),
    "n100": (110.0, 12.0),
    "p180": (180.0, 25.0),
}

#: Montage order: the 10-20 system first, then the rest of a 64-channel cap.


def solve_template(
    values: dict[str, float], times: np.ndarray, sfreq: float, options: TmsEegOptions
) -> np.ndarray:
    """Return the ROI time course (µV) whose processed peaks equal ``values``.

    Processing is linear, so with the peaks' samples fixed the processed peak
    values are ``C @ amplitudes`` (``C[i, j]``: processed Gaussian ``j`` at the
    peak of ``i``): amplitudes solve that system, and a Gaussian's centre moves
    by half its peak's latency error until every peak is within a sample (or
    0.5 ms, whichever is larger) of its target. Latencies are first clipped
    into their search windows. When no such waveform exists (the solve does
    not converge, or needs components over three times the largest target),
    the plain components at the target amplitudes and latencies are returned:
    the recording stays realistic and its extracted markers differ from the
    targets.
    """
    times_ms = times * 1000
    names = [n for n, _ in COMPONENTS]
    target_amp = np.array([values[f"tep_{n}_amp_uv"] for n in names])
    target_lat = np.array([SHAPES[n][0] for n in names])
    target_lat[names.index("n100")] = values["tep_n100_lat_ms"]
    widths = np.array([SHAPES[n][1] for n in names])
    windows = [getattr(options, f"{n}_ms") for n in names]
    target_lat = np.array(
        [np.clip(t, lo, hi) for t, (lo, hi) in zip(target_lat, windows, strict=True)]
    )
    plain = target_amp @ np.exp(
        -((times_ms - target_lat[:, None]) ** 2) / (2 * widths[:, None] ** 2)
    )
    amps, lats = target_amp.copy(), target_lat.copy()
    step = max(1000.0 / sfreq, 0.5)  # latency tolerance: a sample or 0.5 ms
    converged = False
    for _ in range(20):
        units = np.exp(-((times_ms - lats[:, None]) ** 2) / (2 * widths[:, None] ** 2))
        basis = process_average(None, units, times, sfreq, options).data
        average = Average(data=(amps @ basis)[None], times=times)
        peaks = np.array([measure(average, [0], options)[1][n] for n in names])
        samples = np.abs(times_ms[None] - peaks[:, None]).argmin(axis=1)
        lat_err = target_lat - peaks
        amp_err = target_amp - average.data[0, samples]
        if np.all(np.abs(lat_err) <= step) and np.all(np.abs(amp_err) < 1e-3):
            converged = True
            break
        try:
            amps = np.linalg.solve(basis[:, samples].T, target_amp)
        except np.linalg.LinAlgError:
            break
        lats += np.where(np.abs(lat_err) > step, 0.5 * lat_err, 0.0)  # damped
    solved = amps @ units
    bound = 3 * max(np.abs(target_amp).max(), 1.0)
    if not converged or np.abs(solved).max() > bound:
        # Markers no waveform can show exactly (an N45 above the P60 next to
        # it, say): plain components at the targets, measured as they come.
        return plain
    return solved


def solve_scale(
    fixed_uv: np.ndarray,
    g: np.ndarray,
    template: np.ndarray,
    times: np.ndarray,
    sfreq: float,
    values: dict[str, float],
    options: TmsEegOptions,
) -> float:
    """Return the topography scale giving the target GMFP area."""
    from scipy.optimize import brentq

    base = process_average(None, fixed_uv, times, sfreq, options).data
    shape = process_average(None, template[None], times, sfreq, options).data[0]
    pattern = np.outer(g - g.mean(), shape)
    roi = [0]
    target = values["tep_gmfp_auc"]

    def area(alpha: float) -> float:
        avg = Average(data=base + alpha * pattern, times=times)
        return measure(avg, roi, options)[0]["tep_gmfp_auc"] - target

    if area(0.0) >= 0 or not np.any(pattern):
        return 0.0
    high = 1.0
    while area(high) < 0:
        high *= 2
    return float(brentq(area, 0.0, high, xtol=1e-6))
