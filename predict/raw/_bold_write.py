"""Synthetic fMRIPrep outputs: a BOLD series with planted seed correlations.

:func:`write_bold` writes what fMRIPrep leaves in a subject's ``func/``
folder for one resting run: the MNI-space series
(``*_space-MNI152NLin2009cAsym_desc-preproc_bold.nii.gz``, with nibabel), its
JSON sidecar and the confounds table (``*_desc-confounds_timeseries.tsv``,
with the columns fMRIPrep names: 6 motion parameters with derivatives and
squares, white matter, CSF and global signals with theirs, framewise
displacement, standardised DVARS and the cosine high-pass basis).

The generative model: every voxel of a seed's sphere carries the seed's
neural signal, plus head-motion and physiological artefacts (the confounds
with random weights shared across the brain, varied by region and voxel,
together as large as the signal), plus independent noise.
Neural signals are band-limited to the middle of the reader's band (1.5 x
its high-pass to 0.65 x its low-pass edge) and have the planted sample
correlations exactly (they are zero at the frames of sudden movements, so
the correlations hold with those frames censored too); every confound
column is made orthogonal to them (the neural signal is uncorrelated with
motion in the sample, not only in expectation), so any reader that
regresses the confounds and band-passes the series recovers the planted
values up to the filter's edge effects and the voxel noise.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from predict.exceptions import UsageError
from predict.raw._bold import BoldOptions, confounds_path

__all__ = ["write_bold"]

_SPACE = "MNI152NLin2009cAsym"
_HEAD_RADIUS_MM = 50.0  # FD converts rotations to arc length on this sphere


def _grid(
    options: BoldOptions, voxel_mm: float, fov: Literal["seeds", "brain"]
) -> tuple[tuple[int, int, int], np.ndarray]:
    """Return the image shape and affine (MNI mm) of the written series."""
    if fov == "brain":  # the MNI152 bounding box, as fMRIPrep's res grids
        low = np.array([-90.0, -126.0, -72.0])
        shape = tuple(int(math.ceil(s / voxel_mm)) for s in (181.0, 217.0, 181.0))
    else:
        centres = np.array(list(options.seeds.values()), dtype=float)
        margin = options.radius_mm + 2 * voxel_mm
        low = np.floor((centres.min(axis=0) - margin) / voxel_mm) * voxel_mm
        high = centres.max(axis=0) + margin
        shape = tuple(int(v) for v in np.ceil((high - low) / voxel_mm) + 1)
    affine = np.diag([voxel_mm, voxel_mm, voxel_mm, 1.0])
    affine[:3, 3] = low
    return shape, affine  # type: ignore[return-value]


def _neural(
    rng: np.random.Generator,
    n: int,
    t_r: float,
    options: BoldOptions,
    markers: Mapping[str, float],
    spikes: np.ndarray,
) -> np.ndarray:
    """Return seed signals (n x seeds) with the planted sample correlations.

    The signals are orthogonal to a constant, a linear trend and the spike
    frames (zero there), so their correlations hold over every frame and
    over the frames a scrubbing reader keeps alike.
    """
    labels = list(options.seeds)
    target = np.eye(len(labels))
    for name, (a, b) in options.pairs.items():
        if name not in markers:
            raise UsageError(f"write_bold needs a value for pair {name!r}.")
        r = math.tanh(float(markers[name]))
        i, j = labels.index(a), labels.index(b)
        target[i, j] = target[j, i] = r
    try:
        cholesky = np.linalg.cholesky(target)
    except np.linalg.LinAlgError:
        raise UsageError(
            "write_bold cannot plant these pair correlations together: the "
            "seed correlation matrix is not positive definite."
        ) from None
    t = np.arange(n) * t_r
    high = 1.5 * (options.high_pass or 1 / 128.0)  # fMRIPrep's cosine cut-off
    low = 0.65 * (options.low_pass or 0.5 / t_r)
    freqs = np.arange(1, n // 2) / (n * t_r)
    freqs = freqs[(freqs >= high) & (freqs <= low)]
    if len(freqs) < len(labels) + 2:
        raise UsageError(
            f"write_bold needs more volumes: {n} at TR {t_r} s leave "
            f"{len(freqs)} frequencies in {high:.3f}-{low:.3f} Hz."
        )
    basis = np.column_stack(
        [f(2 * np.pi * freq * t) for freq in freqs for f in (np.sin, np.cos)]
    )
    weights = rng.standard_normal((basis.shape[1], len(labels)))
    trend = np.column_stack([np.ones(n), t - t.mean(), np.eye(n)[:, spikes]])
    signals = basis @ weights
    signals -= trend @ np.linalg.lstsq(trend, signals, rcond=None)[0]
    orthonormal, _ = np.linalg.qr(signals)
    return orthonormal @ cholesky.T * math.sqrt(n)


def _confounds(
    rng: np.random.Generator, n: int, t_r: float, motion_mm: float, spikes: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Return fMRIPrep-named confound columns and the spike frames."""

    def ar1(columns: int, phi: float) -> np.ndarray:
        shocks = rng.standard_normal((n, columns))
        out = np.empty_like(shocks)
        out[0] = shocks[0]
        for k in range(1, n):
            out[k] = phi * out[k - 1] + math.sqrt(1 - phi**2) * shocks[k]
        return out

    trans = motion_mm * ar1(3, 0.95)
    rot = motion_mm / _HEAD_RADIUS_MM * ar1(3, 0.95)
    frames = np.array([], dtype=int)
    if spikes:
        frames = np.linspace(15, n - 15, spikes).round().astype(int)
        if spikes > 1 and np.diff(frames).min() < 8:
            raise UsageError(f"write_bold: {spikes} spikes do not fit {n} volumes.")
        steps = np.zeros((n, 3))
        steps[frames, 0] = 1.2 * np.where(np.arange(spikes) % 2, -1.0, 1.0)
        trans = trans + np.cumsum(steps, axis=0)
    columns: dict[str, np.ndarray] = {}
    for k, axis in enumerate("xyz"):
        columns[f"trans_{axis}"] = trans[:, k]
        columns[f"rot_{axis}"] = rot[:, k]
    physio = ar1(3, 0.7)
    for k, name in enumerate(("global_signal", "csf", "white_matter")):
        columns[name] = physio[:, k]
    for name in list(columns):
        derivative = np.r_[np.nan, np.diff(columns[name])]
        columns[f"{name}_derivative1"] = derivative
        columns[f"{name}_power2"] = columns[name] ** 2
        columns[f"{name}_derivative1_power2"] = derivative**2
    n_cos = int(np.floor(2 * n * t_r / 128.0))  # fMRIPrep's 128 s DCT basis
    for k in range(1, n_cos + 1):
        columns[f"cosine{k - 1:02d}"] = np.sqrt(2.0 / n) * np.cos(
            np.pi * (2 * np.arange(n) + 1) * k / (2 * n)
        )
    return pd.DataFrame(columns), frames


def write_bold(
    folder: str | Path,
    subject: str,
    markers: Mapping[str, float],
    *,
    seed: int | np.random.Generator,
    n_volumes: int = 120,
    t_r: float = 2.0,
    voxel_mm: float = 4.0,
    fov: Literal["seeds", "brain"] = "seeds",
    motion_mm: float = 0.1,
    spikes: int = 0,
    noise: float = 0.3,
    options: BoldOptions | None = None,
) -> Path:
    """Write a synthetic fMRIPrep BOLD run whose seed pairs have given Fisher z.

    Parameters
    ----------
    folder : str or path-like
        Where the files go (created if needed).
    subject : str
        BIDS subject label (``sub-<label>``); characters other than letters
        and digits are dropped.
    markers : mapping of str to float
        Fisher z of every pair of ``options``.
    seed : int or numpy.random.Generator
        Random state.
    n_volumes : int, default=120
        Volumes (120 at TR 2 s is a 4-minute run).
    t_r : float, default=2.0
        Repetition time in s (written in the header and the JSON sidecar).
    voxel_mm : float, default=4.0
        Isotropic voxel size.
    fov : {"seeds", "brain"}, default="seeds"
        ``"seeds"``: the smallest box around the seed spheres, voxels
        outside the spheres constant (a small file); ``"brain"``: the whole
        MNI152 box with noise in every voxel, the size of a real run.
    motion_mm : float, default=0.1
        Standard deviation of the translations (rotations alike on a 50 mm
        head); the artefact each voxel gets is as large as its signal.
    spikes : int, default=0
        Sudden head movements of 1.2 mm, spread over the run: each gives a
        frame whose framewise displacement exceeds 0.5 mm.
    noise : float, default=0.3
        Voxel noise standard deviation relative to the neural signal's.
    options : BoldOptions or None, default=None
        Seeds, radius, pairs and band (the neural signals' band sits inside).

    Returns
    -------
    path : pathlib.Path
        The ``*_desc-preproc_bold.nii.gz`` file; the confounds table and JSON
        sidecars are beside it.
    """
    import nibabel as nib

    options = BoldOptions() if options is None else options
    rng = np.random.default_rng(seed)
    label = "".join(ch for ch in subject if ch.isalnum()) or "01"
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"sub-{label}_task-rest_space-{_SPACE}_desc-preproc_bold.nii.gz"
    n = int(n_volumes)
    confounds, frames = _confounds(rng, n, t_r, motion_mm, spikes)
    neural = _neural(rng, n, t_r, options, markers, frames)
    # the neural signals are uncorrelated with every confound in the sample
    values = confounds.to_numpy(dtype=float)
    finite = np.nan_to_num(values)
    finite -= neural @ np.linalg.lstsq(neural, finite, rcond=None)[0]
    values = np.where(np.isnan(values), np.nan, finite)
    confounds = pd.DataFrame(values, columns=confounds.columns)
    move = np.column_stack(
        [confounds[f"trans_{a}"] for a in "xyz"]
        + [_HEAD_RADIUS_MM * confounds[f"rot_{a}"] for a in "xyz"]
    )
    fd = np.r_[np.nan, np.abs(np.diff(move, axis=0)).sum(axis=1)]
    dvars = 1.0 + 0.1 * rng.standard_normal(n)
    dvars[np.nan_to_num(fd) > 0.5] = 2.0
    confounds.insert(0, "framewise_displacement", fd)
    confounds.insert(1, "std_dvars", np.r_[np.nan, dvars[1:]])
    shape, affine = _grid(options, voxel_mm, fov)
    ijk = np.indices(shape).reshape(3, -1).T
    xyz = ijk * voxel_mm + affine[:3, 3]
    data = np.full((*shape, n), 1000.0, dtype=np.float32)
    artefacts = np.nan_to_num(
        confounds[
            [f"{k}_{a}" for k in ("trans", "rot") for a in "xyz"]
            + ["csf", "white_matter"]
        ].to_numpy()
    )
    artefacts /= artefacts.std(axis=0) + 1e-12
    taken = np.zeros(len(xyz), dtype=bool)
    shared = rng.standard_normal((artefacts.shape[1], 1)) * 0.4
    for k, centre in enumerate(options.seeds.values()):
        inside = np.linalg.norm(xyz - np.asarray(centre), axis=1) <= options.radius_mm
        inside &= ~taken
        taken |= inside
        count = int(inside.sum())
        # motion changes the signal alike across the brain (Power et al., 2012,
        # NeuroImage 59:2142-54), a little differently per region and voxel
        region = shared + 0.2 * rng.standard_normal((artefacts.shape[1], 1))
        weights = region + 0.15 * rng.standard_normal((artefacts.shape[1], count))
        series = neural[:, [k]] + artefacts @ weights
        series += noise * rng.standard_normal((n, count))
        i, j, kk = ijk[inside].T
        data[i, j, kk, :] = (1000.0 + 20.0 * series).T
    if fov == "brain":
        rest = ~taken
        i, j, kk = ijk[rest].T
        data[i, j, kk, :] += (20.0 * rng.standard_normal((int(rest.sum()), n))).astype(
            np.float32
        )
    image = nib.Nifti1Image(data, affine)
    image.header.set_xyzt_units("mm", "sec")
    zooms = image.header.get_zooms()
    image.header.set_zooms((*zooms[:3], float(t_r)))
    nib.save(image, path)
    sidecar = path.with_name(path.name.replace(".nii.gz", ".json"))
    sidecar.write_text(json.dumps({"RepetitionTime": t_r, "TaskName": "rest"}))
    table = confounds_path(path)
    confounds.to_csv(table, sep="\t", index=False, na_rep="n/a")
    return path
