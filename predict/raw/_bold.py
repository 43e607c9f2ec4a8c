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
  (2012, Biol Psychiatry 72:595-603), also used by Weigand et al. (2018,
  Biol Psychiatry 84:28-37) and Cash et al. (2019, Biol Psychiatry
  86:e5-e7).
- ``DLPFC_L`` at MNI (-38, 44, 26): the left DLPFC coordinate most
  anticorrelated with the subgenual cingulate in Fox et al. (2012), their
  proposed optimised rTMS target (the average "5 cm" site is near (-41, 16,
  54) and Beam F3 near (-37, 26, 49) in the same paper; add them as seeds to
  compare).
- Spheres of 10 mm radius; band-pass 0.008-0.08 Hz: fMRIPrep's 128 s
  cosine high-pass and a Butterworth low-pass (Fox et al. used 0.009-0.08
  Hz).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from predict.raw._common import Extraction, RawFileError, check_file

__all__ = ["BoldOptions", "confounds_path", "extract_bold"]

SUFFIXES = ("_bold.nii.gz", "_bold.nii")
#: BIDS entities fMRIPrep's confounds file does not carry.
_DROPPED = ("space", "res", "den", "desc")
#: Most voxel samples (x * y * z * t) read: 800 MB as float32, a 3 mm
#: whole-brain run of 740 volumes or a 2 mm one of 220.
_MAX_VOXELS = 200_000_000


class BoldOptions(BaseModel):
    """How a preprocessed BOLD series becomes seed-to-seed ``fc_*`` markers.

    Parameters
    ----------
    seeds : dict of str to (float, float, float)
        Seed label -> MNI coordinate (mm). Default: ``sgACC`` (6, 16, -10)
        and ``DLPFC_L`` (-38, 44, 26), from Fox et al. (2012).
    pairs : dict of str to (str, str)
        Output column (``fc_`` prefix) -> two seed labels. Default:
        ``{"fc_sgacc_dlpfc_z": ("sgACC", "DLPFC_L")}``.
    radius_mm : float, default=10.0
        Sphere radius in mm.
    strategy : {"simple", "scrubbing", "compcor"}, default="simple"
        nilearn's fMRIPrep denoising preset: ``simple`` (24 motion
        parameters, white matter and CSF, cosine high-pass), ``scrubbing``
        (the same with white matter and CSF expansions, and frames above
        ``fd_threshold`` or ``std_dvars_threshold`` censored; segments of
        fewer than ``scrub`` frames too), ``compcor`` (anatomical CompCor;
        needs fMRIPrep's confounds JSON).
    global_signal : {"basic", "power2", "derivatives", "full"} or None, \
default=None
        Global signal regression (off by default: it shifts the
        sgACC-DLPFC anticorrelation, Fox et al. 2012).
    fd_threshold : float, default=0.5
        Framewise displacement (mm) above which ``scrubbing`` censors a frame.
    std_dvars_threshold : float, default=1.5
        Standardised DVARS above which ``scrubbing`` censors a frame.
    scrub : int, default=5
        ``scrubbing`` also censors segments shorter than this between
        censored frames.
    low_pass : float or None, default=0.08
        Butterworth low-pass edge in Hz (``None``: none).
    high_pass : float or None, default=None
        ``None``: high-pass through the confounds' cosine regressors, which
        fMRIPrep writes for a 128 s cut-off (0.008 Hz) and every nilearn
        preset includes. A value in Hz: a Butterworth high-pass instead, and
        the cosine regressors are dropped (filtering twice leaves
        near-constant regressors that, standardised, remove signal).
    max_mean_fd_mm : float or None, default=0.5
        A run whose mean framewise displacement exceeds this gives no marker
        (a bad recording: missing, or an error, as ``on_error`` says).
    min_frames : int, default=50
        Fewest frames left after censoring.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    seeds: dict[str, tuple[float, float, float]] = Field(
        default_factory=lambda: {
            "sgACC": (6.0, 16.0, -10.0),
            "DLPFC_L": (-38.0, 44.0, 26.0),
        },
        min_length=2,
    )
    pairs: dict[str, tuple[str, str]] = Field(
        default_factory=lambda: {"fc_sgacc_dlpfc_z": ("sgACC", "DLPFC_L")},
        min_length=1,
    )
    radius_mm: float = Field(10.0, gt=0, le=30)
    strategy: Literal["simple", "scrubbing", "compcor"] = "simple"
    global_signal: Literal["basic", "power2", "derivatives", "full"] | None = None
    fd_threshold: float = Field(0.5, gt=0)
    std_dvars_threshold: float = Field(1.5, gt=0)
    scrub: int = Field(5, ge=0)
    low_pass: float | None = Field(0.08, gt=0)
    high_pass: float | None = Field(None, gt=0)
    max_mean_fd_mm: float | None = Field(0.5, gt=0)
    min_frames: int = Field(50, ge=10)

    @field_validator("pairs")
    @classmethod
    def _check_names(
        cls, pairs: dict[str, tuple[str, str]]
    ) -> dict[str, tuple[str, str]]:
        for name, (a, b) in pairs.items():
            if not name.startswith("fc_"):
                raise ValueError(f"pair name {name!r} must start with 'fc_'.")
            if a == b:
                raise ValueError(f"pair {name!r} correlates seed {a!r} with itself.")
        return pairs

    @model_validator(mode="after")
    def _check_seeds(self) -> BoldOptions:
        for name, pair in self.pairs.items():
            unknown = [s for s in pair if s not in self.seeds]
            if unknown:
                raise ValueError(
                    f"pair {name!r} names seed {unknown[0]!r}, which is not among "
                    f"the seeds ({', '.join(self.seeds)})."
                )
        if (
            self.low_pass is not None
            and self.high_pass is not None
            and self.high_pass >= self.low_pass
        ):
            raise ValueError(
                f"high_pass ({self.high_pass} Hz) must be below low_pass "
                f"({self.low_pass} Hz)."
            )
        return self


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
        raise RawFileError(f"Cannot read BOLD file '{path}': {exc}.") from exc
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
