"""Options of the fMRIPrep BOLD reader (the config's ``raw: {bold: ...}``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["BoldOptions"]


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
