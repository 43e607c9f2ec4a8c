"""Synthetic connectivity files with chosen ``fc_*`` markers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from predict.exceptions import UsageError
from predict.raw._connectivity import ConnectivityOptions

__all__ = ["ROIS", "simulate_timeseries", "write_connectivity"]

#: ROIs of every simulated file (pair labels not among them are appended).
ROIS = (
    "sgACC", "DLPFC_L", "DLPFC_R", "PCC", "mPFC", "Precuneus",
    "Insula_L", "Insula_R", "Amygdala_L", "Amygdala_R",
)  # fmt: skip

_ENDINGS = {
    "matrix_csv": ".csv",
    "matrix_tsv": ".tsv",
    "timeseries_csv": ".csv",
    "npy": ".npy",
}
_MAX_Z = 3.0


def write_connectivity(
    path: str | Path,
    markers: Mapping[str, float],
    *,
    fmt: Literal["matrix_csv", "matrix_tsv", "timeseries_csv", "npy"],
    seed: int | np.random.Generator,
    n_timepoints: int = 200,
    options: ConnectivityOptions | None = None,
) -> Path:
    """Write a synthetic connectivity file whose pairs have the given Fisher z.

    See :func:`simulate_timeseries` for the
    model. Matrices hold the correlations of the simulated time series with
    each pair set to ``tanh(z)``, so ``extract_connectivity`` returns the
    markers to floating-point precision; time series are built so that each
    pair's sample correlation is ``tanh(z)``, which holds to about 1e-12.

    Parameters
    ----------
    path : str or path-like
        File to write, ending in ``.csv`` (``matrix_csv``,
        ``timeseries_csv``), ``.tsv`` or ``.npy``. ``npy`` also writes
        ``<stem>.labels.txt``.
    markers : mapping of str to float
        A finite Fisher z in [-3, 3] for every pair of ``options``.
    fmt : {"matrix_csv", "matrix_tsv", "timeseries_csv", "npy"}
        What to write: an r matrix (CSV, TSV or ``.npy``) or ROI time series.
    seed : int or numpy.random.Generator
        Random state.
    n_timepoints : int, default=200
        Time points simulated (200 volumes at TR 2 s is a 6.7-minute scan).
    options : ConnectivityOptions or None, default=None
        Pairs to set; ``None`` uses the defaults.

    Returns
    -------
    path : pathlib.Path
        The file written.

    Raises
    ------
    predict.exceptions.UsageError
        If a marker is missing or out of range, the suffix does not match
        ``fmt``, or two pairs would change the same ROI.
    """
    options = ConnectivityOptions() if options is None else options
    if fmt not in _ENDINGS:
        raise UsageError(
            f"Unknown connectivity format {fmt!r}: expected one of "
            f"{', '.join(map(repr, _ENDINGS))}."
        )
    path = Path(path)
    if path.suffix.lower() != _ENDINGS[fmt]:
        raise UsageError(
            f"Connectivity file '{path}' does not match format {fmt!r}: expected a "
            f"name ending in {_ENDINGS[fmt]!r}."
        )
    labels, series = simulate_timeseries(
        markers, seed=seed, n_timepoints=n_timepoints, options=options
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "timeseries_csv":
        pd.DataFrame(series, columns=labels).to_csv(path, index=False)
        return path
    matrix = np.corrcoef(series, rowvar=False)
    np.fill_diagonal(matrix, 1.0)
    for name, (seed_label, target_label) in options.pairs.items():
        i, j = _where(labels, seed_label), _where(labels, target_label)
        matrix[i, j] = matrix[j, i] = math.tanh(float(markers[name]))
    if fmt == "npy":
        np.save(path, matrix)
        stem = path.name[: -len(path.suffix)]
        path.with_name(f"{stem}.labels.txt").write_text("\n".join(labels) + "\n")
    else:
        sep = "\t" if fmt == "matrix_tsv" else ","
        pd.DataFrame(matrix, columns=labels).to_csv(path, sep=sep, index=False)
    return path


def simulate_timeseries(
    markers: Mapping[str, float],
    *,
    seed: int | np.random.Generator,
    n_timepoints: int = 200,
    options: ConnectivityOptions | None = None,
) -> tuple[list[str], np.ndarray]:
    """Simulate resting-state ROI time series with the given pair correlations.

    Each ROI is a mix of a global signal (loading 0.4), one of three network
    signals (loading 0.5) and its own noise, every signal an AR(1) process
    (coefficient 0.6, like BOLD sampled at TR 2 s). Then, pair by pair, the
    target ROI is rebuilt as ``r * seed + sqrt(1 - r**2) * e``, where
    ``r = tanh(z)``, the seed is centred and scaled to unit norm and ``e`` is
    fresh AR(1) noise made orthogonal to it (also unit norm): the sample
    Pearson correlation of the pair is then exactly ``r`` (to rounding).
    Values are in percent signal change around 0.

    Parameters
    ----------
    markers : mapping of str to float
        A finite Fisher z in [-3, 3] for every pair of ``options``.
    seed : int or numpy.random.Generator
        Random state.
    n_timepoints : int, default=200
        Time points (at least 20).
    options : ConnectivityOptions or None, default=None
        Pairs; ``None`` uses the defaults. A pair's target may not appear in
        an earlier pair (its correlation would be changed again).

    Returns
    -------
    labels : list of str
        ROI labels.
    series : ndarray, shape (n_timepoints, n_rois)
        The time series.
    """
    options = ConnectivityOptions() if options is None else options
    if n_timepoints < 20:
        raise UsageError(f"n_timepoints must be at least 20; got {n_timepoints}.")
    labels = list(ROIS)
    for pair in options.pairs.values():
        for label in pair:
            if label.strip().lower() not in {x.lower() for x in labels}:
                labels.append(label.strip())
    z = _targets(markers, options)
    rng = np.random.default_rng(seed)

    def ar1(columns: int) -> np.ndarray:
        shocks = rng.standard_normal((n_timepoints, columns))
        out = np.empty_like(shocks)
        out[0] = shocks[0]
        for t in range(1, n_timepoints):
            out[t] = 0.6 * out[t - 1] + math.sqrt(1 - 0.36) * shocks[t]
        return out

    networks = ar1(3)
    member = rng.integers(0, 3, size=len(labels))
    series = 0.4 * ar1(1) + 0.5 * networks[:, member] + ar1(len(labels))
    changed: set[int] = set()
    for name, (seed_label, target_label) in options.pairs.items():
        i, j = _where(labels, seed_label), _where(labels, target_label)
        if j in changed:
            raise UsageError(
                f"write_connectivity cannot set pair {name!r}: ROI {target_label!r} "
                f"is already part of an earlier pair."
            )
        changed.update((i, j))
        x = series[:, i] - series[:, i].mean()
        x /= np.linalg.norm(x)
        e = ar1(1)[:, 0]
        e -= e.mean()
        e -= (e @ x) * x
        e /= np.linalg.norm(e)
        r = math.tanh(z[name])
        series[:, j] = r * x + math.sqrt(1 - r**2) * e
        series[:, j] *= math.sqrt(n_timepoints)
    return labels, series * 0.5


def _where(labels: list[str], label: str) -> int:
    """Index of ``label`` among ``labels``, case-insensitively."""
    return [x.lower() for x in labels].index(label.strip().lower())


def _targets(markers: Mapping[str, float], options: ConnectivityOptions) -> dict:
    """Return the Fisher z per pair, or raise a UsageError naming the problem."""
    missing = [name for name in options.pairs if name not in markers]
    if missing:
        raise UsageError(
            f"write_connectivity needs a marker for every pair; missing: "
            f"{', '.join(missing)}."
        )
    z = {}
    for name in options.pairs:
        value = float(markers[name])
        if not -_MAX_Z <= value <= _MAX_Z:
            raise UsageError(
                f"write_connectivity cannot simulate {name}={value}: expected a "
                f"finite Fisher z in [-{_MAX_Z:g}, {_MAX_Z:g}]."
            )
        z[name] = value
    return z
