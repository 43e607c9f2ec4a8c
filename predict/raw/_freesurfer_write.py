"""Synthetic FreeSurfer ``stats/`` folders carrying chosen ``mri_*`` markers.

:func:`write_freesurfer_stats` writes ``aseg.stats``, ``lh.aparc.stats`` and
``rh.aparc.stats`` in the layout ``mri_segstats`` and
``mris_anatomical_stats`` use (``#`` headers with ``# Measure`` lines and
``# ColHeaders``, then a whitespace-aligned table), with plausible values
for the structures the markers do not set. Tests of the reader use a
fixture written by hand instead, so the reader is not checked only against
this writer.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from predict.exceptions import UsageError
from predict.raw._freesurfer import MRI_STATS_MARKERS

__all__ = ["write_freesurfer_stats"]

# (name, SegId, typical volume in mm³) of a few aseg structures.
_ASEG = (
    ("Left-Lateral-Ventricle", 4, 7500.0),
    ("Left-Thalamus", 10, 7800.0),
    ("Left-Caudate", 11, 3500.0),
    ("Left-Putamen", 12, 4900.0),
    ("Left-Hippocampus", 17, 4100.0),
    ("Left-Amygdala", 18, 1600.0),
    ("Right-Lateral-Ventricle", 43, 7100.0),
    ("Right-Thalamus", 49, 7600.0),
    ("Right-Caudate", 50, 3600.0),
    ("Right-Putamen", 51, 4800.0),
    ("Right-Hippocampus", 53, 4200.0),
    ("Right-Amygdala", 54, 1700.0),
)
# (name, typical thickness in mm) of some Desikan-Killiany parcels.
_APARC = (
    ("caudalanteriorcingulate", 2.65),
    ("caudalmiddlefrontal", 2.55),
    ("lateralorbitofrontal", 2.70),
    ("medialorbitofrontal", 2.45),
    ("parsopercularis", 2.55),
    ("parstriangularis", 2.40),
    ("precentral", 2.50),
    ("rostralanteriorcingulate", 2.90),
    ("rostralmiddlefrontal", 2.40),
    ("superiorfrontal", 2.75),
    ("insula", 3.10),
)
_ASEG_HEAD = """\
# Title Segmentation Statistics
#
# generating_program mri_segstats
# cmdline mri_segstats --seg mri/aseg.mgz --sum stats/aseg.stats --etiv
# anatomy_type volume
# subjectname {subject}
# Measure BrainSeg, BrainSegVol, Brain Segmentation Volume, {brain:.6f}, mm^3
# Measure EstimatedTotalIntraCranialVol, eTIV, Estimated Total Intracranial \
Volume, {icv:.6f}, mm^3
# NRows {rows}
# NTableCols 10
# ColHeaders  Index SegId NVoxels Volume_mm3 StructName normMean normStdDev \
normMin normMax normRange
"""
_APARC_HEAD = """\
# Table of FreeSurfer cortical parcellation anatomical statistics
#
# generating_program mris_anatomical_stats
# cmdline mris_anatomical_stats -th3 -mgz -f ../stats/{hemi}.aparc.stats -b -a \
../label/{hemi}.aparc.annot {subject} {hemi} white
# subjectname {subject}
# hemi {hemi}
# annot ../label/{hemi}.aparc.annot
# Measure Cortex, MeanThickness, Mean Thickness, {mean:.5f}, mm
# Measure EstimatedTotalIntraCranialVol, eTIV, Estimated Total Intracranial \
Volume, {icv:.6f}, mm^3
# NTableCols 10
# ColHeaders StructName NumVert SurfArea GrayVol ThickAvg ThickStd MeanCurv \
GausCurv FoldInd CurvInd
"""


def write_freesurfer_stats(
    folder: str | Path,
    markers: Mapping[str, float],
    *,
    seed: int | np.random.Generator,
    subject: str = "sub-01",
) -> Path:
    """Write a FreeSurfer subject's ``stats/`` folder with the given markers.

    The hippocampus total is split between the hemispheres at random
    (48-52 %) and the rostral anterior cingulate thickness likewise around
    its mean (+-0.1 mm), so the reader's sum and mean give the markers back
    to the files' precision (0.1 mm³, 0.001 mm).

    Parameters
    ----------
    folder : str or path-like
        The ``stats`` folder to write (created if needed).
    markers : mapping of str to float
        Every column of ``MRI_STATS_MARKERS``: hippocampus and eTIV in mm³,
        thickness in mm.
    seed : int or numpy.random.Generator
        Random state of the split and of the other structures' values.
    subject : str, default="sub-01"
        Written in the headers.

    Returns
    -------
    folder : pathlib.Path
    """
    missing = [c for c in MRI_STATS_MARKERS if c not in markers]
    if missing:
        raise UsageError(
            f"write_freesurfer_stats needs every structural marker; missing: "
            f"{', '.join(missing)}."
        )
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    icv = float(markers["mri_icv_mm3"])
    hippocampus = float(markers["mri_hippocampus_vol_mm3"])
    left = round(hippocampus * rng.uniform(0.48, 0.52), 1)
    volumes = {name: typical * icv / 1.5e6 for name, _, typical in _ASEG}
    volumes["Left-Hippocampus"] = left
    volumes["Right-Hippocampus"] = round(hippocampus - left, 1)
    lines = [
        _ASEG_HEAD.format(subject=subject, brain=0.75 * icv, icv=icv, rows=len(_ASEG))
    ]
    for k, (name, seg_id, _) in enumerate(_ASEG, start=1):
        volume = volumes[name]
        mean, sd = rng.uniform(60, 90), rng.uniform(6, 12)
        lines.append(
            f"{k:3d} {seg_id:4d} {round(volume):8d} {volume:10.1f}  {name:<32s}"
            f"{mean:10.4f} {sd:10.4f} {mean - 3 * sd:10.4f} {mean + 3 * sd:10.4f}"
            f" {6 * sd:10.4f}\n"
        )
    (folder / "aseg.stats").write_text("".join(lines))
    racc = float(markers["mri_racc_thickness_mm"])
    delta = round(rng.uniform(-0.1, 0.1), 3)
    thickness = {
        "lh": {
            "rostralanteriorcingulate": round(racc, 3) + delta,
            "rostralmiddlefrontal": float(markers["mri_dlpfc_l_thickness_mm"]),
        },
        "rh": {"rostralanteriorcingulate": round(racc, 3) - delta},
    }
    for hemi in ("lh", "rh"):
        values = {
            name: thickness[hemi].get(name, typical + rng.normal(0, 0.1))
            for name, typical in _APARC
        }
        mean = float(np.mean(list(values.values())))
        text = [_APARC_HEAD.format(hemi=hemi, subject=subject, mean=mean, icv=icv)]
        for name, value in values.items():
            n_vert = int(rng.integers(900, 11000))
            area = 0.68 * n_vert
            text.append(
                f"{name:<40s} {n_vert:6d} {area:6.0f} {area * value:6.0f} "
                f"{value:6.3f} {0.5:5.3f} {0.13:9.3f} {0.03:9.3f} {20:8d} "
                f"{2.1:6.1f}\n"
            )
        (folder / f"{hemi}.aparc.stats").write_text("".join(text))
    return folder
