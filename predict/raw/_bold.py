"""Preprocessed resting-state BOLD (fMRIPrep) to the ``fc_*`` marker columns.

A ``bold_path`` names a BOLD series in MNI space as fMRIPrep writes it
(``sub-01_task-rest_space-MNI152NLin2009cAsym_desc-preproc_bold.nii.gz``).
Its confounds table sits beside it under the BIDS name with the same
entities minus ``space``, ``res``, ``den`` and ``desc``
(``sub-01_task-rest_desc-confounds_timeseries.tsv``; fMRIPrep before 20.2
wrote ``..._desc-confounds_regressors.tsv``). Confounds are chosen by one of
nilearn's fMRIPrep strategies (:func:`nilearn.interfaces.fmriprep.
load_confounds_strategy`), regressed from the mean signal of spheres at
MNI coordinates (:class:`nilearn.maskers.NiftiSpheresMasker`) together with
a band-pass filter, and each seed pair's Pearson r becomes a Fisher z.

Default seeds:

- ``sgACC`` at MNI (6, 16, -10): the subgenual cingulate seed of Fox et al.
  (2012, Biol Psychiatry 72:595-603, doi:10.1016/j.biopsych.2012.04.028),
  also used by Weigand et al. (2018,
  Biol Psychiatry 84:28-37) and Cash et al. (2019, Biol Psychiatry
  86:e5-e7).
- ``DLPFC_L`` at MNI (-38, 44, 26): the left DLPFC coordinate most
  anticorrelated with the subgenual cingulate in Fox et al. (2012), their
  proposed optimised rTMS target (their table of candidate targets lists the
  average "5 cm" site near (-41, 16, 54), BA46 at (-44, 40, 29) and BA9 at
  (-36, 39, 43); add them as seeds to compare; Weigand et al. refine the
  optimum to about (-42, 44, 30)).
- Spheres of 10 mm radius; band-pass 0.008-0.08 Hz: fMRIPrep's 128 s
  cosine high-pass and a Butterworth low-pass (Fox et al. used 0.009-0.08
  Hz).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from predict.raw._bold_options import BoldOptions
from predict.raw._common import Extraction, RawFileError, check_file

__all__ = ["BoldOptions", "confounds_path", "extract_bold"]

SUFFIXES = ("_bold.nii.gz", "_bold.nii")
#: BIDS entities fMRIPrep's confounds file does not carry.
_DROPPED = ("space", "res", "den", "desc")
#: Most voxel samples (x * y * z * t) read: 800 MB as float32, a 3 mm
#: whole-brain run of 740 volumes or a 2 mm one of 220.
_MAX_VOXELS = 200_000_000


def _entities(path: Path) -> tuple[list[str], str]:
    """Return the BIDS ``key-value`` parts of a BOLD file name, and its suffix."""
    name = path.name
    suffix = next(s for s in SUFFIXES if name.lower().endswith(s))
    return name[: -len(suffix)].split("_"), suffix


def confounds_path(bold: str | Path) -> Path:
    """Return the fMRIPrep confounds table of a BOLD file, by BIDS naming.

    Parameters
    ----------
    bold : str or path-like
        A ``*_bold.nii.gz`` (or ``.nii``) file.

    Returns
    -------
    path : pathlib.Path
        ``<entities minus space/res/den/desc>_desc-confounds_timeseries.tsv``
        beside it (or ``_regressors.tsv``, fMRIPrep < 20.2, when only that
        exists). It may not exist.

    Examples
    --------
    >>> confounds_path("sub-01_task-rest_space-MNI152NLin2009cAsym_res-2_"
    ...                "desc-preproc_bold.nii.gz").name
    'sub-01_task-rest_desc-confounds_timeseries.tsv'
    """
    bold = Path(bold)
    parts, _ = _entities(bold)
    kept = [p for p in parts if p.split("-", 1)[0] not in _DROPPED]
    stem = "_".join([*kept, "desc-confounds"])
    new = bold.with_name(f"{stem}_timeseries.tsv")
    old = bold.with_name(f"{stem}_regressors.tsv")
    return old if old.is_file() and not new.is_file() else new


def bold_companions(path: Path) -> list[Path]:
    """Return the files a BOLD series is read with: confounds and JSON sidecars."""
    name = path.name.lower()
    if not any(name.endswith(s) for s in SUFFIXES):
        return []
    confounds = confounds_path(path)
    _, suffix = _entities(path)
    candidates = [
        confounds,
        confounds.with_suffix(".json"),
        path.with_name(path.name[: -len(suffix)] + "_bold.json"),
    ]
    return [p for p in candidates if p.is_file()]


def _load(
    path: Path, options: BoldOptions
) -> tuple[object, pd.DataFrame, np.ndarray | None, float]:
    """Return the image, the chosen confounds, the sample mask and the TR."""
    import nibabel as nib
    from nilearn.interfaces.fmriprep import load_confounds_strategy

    parts, _ = _entities(path)
    space = next((p[6:] for p in parts if p.startswith("space-")), None)
    if space is not None and not space.startswith("MNI"):
        raise RawFileError(
            f"BOLD file '{path}' is in space '{space}': expected a series in MNI "
            "space (fMRIPrep's --output-spaces MNI152NLin2009cAsym), since the "
            "seeds are MNI coordinates."
        )
    table = confounds_path(path)
    if not table.is_file():
        raise RawFileError(
            f"BOLD file '{path}' has no fMRIPrep confounds table beside it: "
            f"expected '{table.name}' (the BOLD name without space, res, den and "
            "desc entities)."
        )
    try:
        img = nib.load(path)
    except Exception as exc:
        raise RawFileError(
            f"Cannot read BOLD file '{path}' ({type(exc).__name__}): expected a "
            "NIfTI image (.nii or .nii.gz)."
        ) from exc
    if not isinstance(img, nib.Nifti1Image | nib.Nifti2Image):
        raise RawFileError(
            f"BOLD file '{path}' is a {type(img).__name__}: expected NIfTI."
        )
    shape = img.shape
    if len(shape) != 4 or shape[3] < options.min_frames:
        raise RawFileError(
            f"BOLD file '{path}' has shape {shape}: expected a 4-D series with at "
            f"least {options.min_frames} volumes."
        )
    if math.prod(shape) > _MAX_VOXELS:
        raise RawFileError(
            f"BOLD file '{path}' has {math.prod(shape)} voxel samples: expected at "
            f"most {_MAX_VOXELS} (a 3 mm whole-brain run of 740 volumes)."
        )
    t_r = float(img.header.get_zooms()[3])
    if not 0.1 <= t_r <= 10:
        raise RawFileError(
            f"BOLD file '{path}' has a repetition time of {t_r} s in its header: "
            "expected 0.1-10 s."
        )
    kwargs: dict[str, object] = {"global_signal": options.global_signal}
    if options.strategy == "scrubbing":
        kwargs |= {
            "fd_threshold": options.fd_threshold,
            "std_dvars_threshold": options.std_dvars_threshold,
            "scrub": options.scrub,
        }
    if options.global_signal is None:
        kwargs.pop("global_signal")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            confounds, sample_mask = load_confounds_strategy(
                str(path), denoise_strategy=options.strategy, **kwargs
            )
    except (ValueError, KeyError, FileNotFoundError) as exc:
        raise RawFileError(
            f"Confounds table '{table}' does not fit strategy "
            f"'{options.strategy}': {exc}"
        ) from exc
    if options.high_pass is not None:  # a Butterworth high-pass replaces them
        confounds = confounds.drop(
            columns=[c for c in confounds.columns if str(c).startswith("cosine")]
        )
    if len(confounds) != shape[3]:
        raise RawFileError(
            f"Confounds table '{table}' has {len(confounds)} rows but BOLD file "
            f"'{path}' has {shape[3]} volumes: expected one row per volume."
        )
    return img, confounds, sample_mask, t_r


def _around_seeds(img: Any, options: BoldOptions) -> Any:
    """Return the image cropped to the box around the seed spheres.

    Only the box is read into memory (nibabel slices the file lazily), so a
    whole-brain run costs its decompression, not a full float copy; the
    spheres keep the same voxels, since the cropped affine is the original
    shifted by whole voxels.
    """
    centres = np.array(list(options.seeds.values()), dtype=float)
    inverse = np.linalg.inv(img.affine)
    voxel = np.abs(np.linalg.det(img.affine[:3, :3])) ** (1 / 3)
    margin = options.radius_mm / voxel + 2
    ijk = centres @ inverse[:3, :3].T + inverse[:3, 3]
    low = np.maximum(np.floor(ijk.min(axis=0) - margin), 0).astype(int)
    high = np.minimum(np.ceil(ijk.max(axis=0) + margin) + 1, img.shape[:3])
    high = np.maximum(high.astype(int), low + 1)
    return img.slicer[low[0] : high[0], low[1] : high[1], low[2] : high[2], :]


def _mean_fd(table: Path) -> float:
    """Return the mean framewise displacement (mm) of a confounds table."""
    frame = pd.read_csv(
        table, sep="\t", usecols=lambda c: c == "framewise_displacement"
    )
    if frame.empty or "framewise_displacement" not in frame:
        return math.nan
    return float(pd.to_numeric(frame["framewise_displacement"], errors="coerce").mean())


def extract_bold(path: str | Path, options: BoldOptions | None = None) -> Extraction:
    """Fisher z connectivity between seed spheres of a preprocessed BOLD series.

    Parameters
    ----------
    path : str or path-like
        An fMRIPrep ``*_desc-preproc_bold.nii.gz`` in MNI space, its
        ``*_desc-confounds_timeseries.tsv`` beside it.
    options : BoldOptions or None, default=None
        Seeds, pairs, confound strategy, filter and motion limits.

    Returns
    -------
    extraction : Extraction
        One marker per pair: ``arctanh`` of the Pearson correlation of the
        two spheres' cleaned mean signals over the frames kept. QC:
        ``frames``, ``frames_kept``, ``mean_fd_mm`` and ``strategy``.

    Raises
    ------
    RawFileError
        If the file or its confounds are missing or unreadable, the series
        is not in MNI space, too short after censoring, or moves more than
        ``max_mean_fd_mm`` on average; or a seed's sphere has no signal.

    Examples
    --------
    >>> import tempfile
    >>> from predict.raw._bold_write import write_bold
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = write_bold(folder.name, "01", {"fc_sgacc_dlpfc_z": -0.3}, seed=0)
    >>> path.name
    'sub-01_task-rest_space-MNI152NLin2009cAsym_desc-preproc_bold.nii.gz'
    >>> extraction = extract_bold(path)
    >>> round(extraction.markers["fc_sgacc_dlpfc_z"], 1), extraction.qc["frames_kept"]
    (-0.3, 120)
    >>> folder.cleanup()
    """
    from nilearn.maskers import NiftiSpheresMasker

    options = BoldOptions() if options is None else options
    path = check_file(path, SUFFIXES)
    img, confounds, sample_mask, t_r = _load(path, options)
    n_frames = int(img.shape[3])  # type: ignore[attr-defined]
    mean_fd = _mean_fd(confounds_path(path))
    kept = n_frames if sample_mask is None else int(len(sample_mask))
    qc: dict[str, float | int | str] = {
        "frames": n_frames,
        "frames_kept": kept,
        "mean_fd_mm": round(mean_fd, 4),
        "strategy": options.strategy,
    }
    limit = options.max_mean_fd_mm
    if limit is not None and mean_fd > limit:
        raise RawFileError(
            f"BOLD file '{path}' moves too much: mean framewise displacement "
            f"{mean_fd:.3f} mm is above the limit of {limit:g} mm "
            "(raw.bold.max_mean_fd_mm)."
        )
    if kept < options.min_frames:
        raise RawFileError(
            f"BOLD file '{path}' keeps {kept} of {n_frames} frames after "
            f"censoring: expected at least {options.min_frames} (raw.bold.min_frames)."
        )
    labels = list(options.seeds)
    masker = NiftiSpheresMasker(
        seeds=[options.seeds[label] for label in labels],
        radius=options.radius_mm,
        detrend=True,
        standardize="zscore_sample",
        low_pass=options.low_pass,
        high_pass=options.high_pass,
        t_r=t_r,
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore", (UserWarning, DeprecationWarning, FutureWarning)
            )
            signals = masker.fit_transform(
                _around_seeds(img, options),
                confounds=confounds,
                sample_mask=sample_mask,
            )
    except ValueError as exc:  # a sphere outside the image, or overlapping
        raise RawFileError(
            f"BOLD file '{path}': seed spheres of {options.radius_mm:g} mm at "
            f"{options.seeds} cannot be extracted ({exc})."
        ) from exc
    markers: dict[str, float] = {}
    for name, (a, b) in options.pairs.items():
        x, y = signals[:, labels.index(a)], signals[:, labels.index(b)]
        for label, series in ((a, x), (b, y)):
            if not np.all(np.isfinite(series)) or np.ptp(series) == 0:
                raise RawFileError(
                    f"BOLD file '{path}': the sphere of seed {label!r} at "
                    f"{options.seeds[label]} has no signal (outside the brain or "
                    "the field of view?)."
                )
        r = float(np.corrcoef(x, y)[0, 1])
        if abs(r) >= 1:
            raise RawFileError(
                f"BOLD file '{path}': seeds {a!r} and {b!r} correlate at r = {r}, "
                "which has no Fisher z (the same signal twice?)."
            )
        markers[name] = math.atanh(r)
    return Extraction(markers=markers, qc=qc)
