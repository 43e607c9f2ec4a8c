"""FreeSurfer/FastSurfer ``stats/`` folders to the ``mri_*`` marker columns.

FreeSurfer writes its statistics as text: header lines starting with ``#``
(``# Measure <name>, <short name>, <description>, <value>, <unit>`` for the
global measures, ``# ColHeaders <names>`` naming the table's columns) above a
whitespace-separated table, one structure per row. ``aseg.stats``
(``mri_segstats``) holds the subcortical volumes (``Volume_mm3`` by
``StructName``) and the estimated total intracranial volume (``# Measure
EstimatedTotalIntraCranialVol, eTIV, ...``); ``lh.aparc.stats`` and
``rh.aparc.stats`` (``mris_anatomical_stats``) hold the Desikan-Killiany
cortical parcels with their mean thickness (``ThickAvg``, mm). FastSurfer
writes the same layout. The package ``freesurfer-stats`` parses only the
cortical files and pins ``numpy<2`` and ``pandas<2``, so these files are read
here with pandas.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from predict.raw._common import Extraction, RawFileError

__all__ = ["MRI_STATS_MARKERS", "MriStatsOptions", "extract_mri_stats", "read_stats"]

#: Marker columns a stats folder gives.
MRI_STATS_MARKERS = (
    "mri_hippocampus_vol_mm3",
    "mri_racc_thickness_mm",
    "mri_dlpfc_l_thickness_mm",
    "mri_icv_mm3",
)

#: Cortical parcellation files FreeSurfer and FastSurfer write, by the name
#: of their atlas, for messages about a folder holding another atlas.
_ATLASES = {
    "aparc": "Desikan-Killiany",
    "aparc.a2009s": "Destrieux",
    "aparc.DKTatlas": "DKT",
    "aparc.DKTatlas.mapped": "DKT (FastSurfer)",
    "aparc.DKTatlas40": "DKT40",
    "aparc.pial": "Desikan-Killiany on the pial surface",
}
_ICV_MEASURES = ("EstimatedTotalIntraCranialVol", "IntraCranialVol")
_MAX_BYTES = 2_000_000  # a stats file is a few kB; refuse anything far larger


class MriStatsOptions(BaseModel):
    """Which FreeSurfer files a ``stats/`` folder is read from.

    Parameters
    ----------
    parcellation : {"aparc", "aparc.DKTatlas", "aparc.DKTatlas.mapped"}, \
default="aparc"
        Cortical atlas file read for thickness, ``<hemi>.<parcellation>.stats``:
        FreeSurfer's Desikan-Killiany ``aparc`` (the contract's), or the DKT
        atlas (FastSurfer writes ``aparc.DKTatlas.mapped``), whose rostral
        anterior cingulate and rostral middle frontal parcels keep their
        names. The Destrieux ``aparc.a2009s`` has no such parcels.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    parcellation: Literal["aparc", "aparc.DKTatlas", "aparc.DKTatlas.mapped"] = "aparc"


def read_stats(path: str | Path) -> tuple[dict[str, tuple[float, str]], pd.DataFrame]:
    """Read one FreeSurfer ``.stats`` file: its measures and its table.

    Parameters
    ----------
    path : str or path-like
        ``aseg.stats``, ``lh.aparc.stats`` or any file ``mri_segstats`` or
        ``mris_anatomical_stats`` writes.

    Returns
    -------
    measures : dict of str to (float, str)
        ``# Measure`` lines by their name (the first field, and for cortex
        measures also the second: ``Cortex, MeanThickness`` is under
        ``"MeanThickness"``) -> (value, unit). The ``annot`` header, when
        present, is under ``"annot"`` with a NaN value.
    table : pandas.DataFrame
        The table, with the columns of ``# ColHeaders``.

    Raises
    ------
    RawFileError
        If the file is missing, too large, or has no ``# ColHeaders`` line or
        a table whose rows do not match it.
    """
    path = Path(path)
    if not path.is_file():
        raise RawFileError(f"FreeSurfer stats file '{path}' does not exist.")
    if path.stat().st_size > _MAX_BYTES:
        raise RawFileError(
            f"FreeSurfer stats file '{path}' is {path.stat().st_size} bytes: a "
            f"stats file is a few kB; expected at most {_MAX_BYTES}."
        )
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise RawFileError(
            f"Cannot read FreeSurfer stats file '{path}': {exc}."
        ) from exc
    measures: dict[str, tuple[float, str]] = {}
    headers: list[str] | None = None
    rows: list[str] = []
    for line in lines:
        if not line.startswith("#"):
            if line.strip():
                rows.append(line)
            continue
        body = line[1:].strip()
        if body.startswith("Measure "):
            fields = [f.strip() for f in body[len("Measure ") :].split(",")]
            if len(fields) >= 5:
                value = pd.to_numeric(fields[3], errors="coerce")
                for name in (fields[0], fields[1]):
                    measures.setdefault(name, (float(value), fields[4]))
        elif body.startswith(("annot ", "AnnotationFile ")):
            measures["annot"] = (float("nan"), body.split(None, 1)[1])
        elif body.startswith("ColHeaders"):
            headers = body.split()[1:]
    if not headers:
        raise RawFileError(
            f"FreeSurfer stats file '{path}' has no '# ColHeaders' line: expected "
            "the table layout mri_segstats and mris_anatomical_stats write."
        )
    try:
        table = pd.read_csv(
            io.StringIO("\n".join(rows)), sep=r"\s+", header=None, names=headers
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise RawFileError(
            f"FreeSurfer stats file '{path}': the table does not match its "
            f"'# ColHeaders' ({len(headers)} columns; {type(exc).__name__})."
        ) from exc
    if len(rows) and table.isna().all(axis=1).any():
        raise RawFileError(
            f"FreeSurfer stats file '{path}': some table rows are empty or shorter "
            f"than its '# ColHeaders' ({len(headers)} columns)."
        )
    return measures, table


def _value(
    table: pd.DataFrame, path: Path, column: str, structure: str, hint: str
) -> float:
    """Return one cell of a stats table by structure name, or raise naming both."""
    if "StructName" not in table or column not in table:
        raise RawFileError(
            f"FreeSurfer stats file '{path}' has no 'StructName' and '{column}' "
            f"columns: expected {hint}."
        )
    names = table["StructName"].astype(str)
    match = table.loc[names == structure, column]
    if match.empty:
        shown = ", ".join(names.iloc[:6])
        raise RawFileError(
            f"FreeSurfer stats file '{path}' has no structure '{structure}' "
            f"(its first structures: {shown}, ...): expected {hint}."
        )
    value = pd.to_numeric(match.iloc[0], errors="coerce")
    if not np.isfinite(value):
        raise RawFileError(
            f"FreeSurfer stats file '{path}': {column} of '{structure}' is "
            f"{match.iloc[0]!r}, not a number."
        )
    return float(value)


def _cortical_file(folder: Path, hemi: str, parcellation: str) -> Path:
    """Return the hemisphere's parcellation file, or raise naming what is there."""
    path = folder / f"{hemi}.{parcellation}.stats"
    if path.is_file():
        return path
    others = sorted(
        p.name[len(hemi) + 1 : -len(".stats")]
        for p in folder.glob(f"{hemi}.aparc*.stats")
    )
    found = ", ".join(f"{hemi}.{a}.stats ({_ATLASES.get(a, a)})" for a in others)
    hint = f" The folder has {found}: another atlas." if found else ""
    raise RawFileError(
        f"FreeSurfer stats folder '{folder}' has no '{path.name}' "
        f"({_ATLASES[parcellation]} atlas, thickness of the {hemi} hemisphere).{hint}"
        " Expected FreeSurfer's recon-all (or FastSurfer) stats folder; for "
        "FastSurfer's DKT files set `raw: {mri: {parcellation: "
        "aparc.DKTatlas.mapped}}`."
    )


def _check_atlas(measures: dict, path: Path, parcellation: str) -> None:
    """Raise if the ``# annot`` header names another atlas."""
    if "annot" not in measures:
        return
    annot = Path(str(measures["annot"][1])).name
    atlas = re.sub(r"^[lr]h\.|\.annot$", "", annot)
    if atlas != parcellation:
        raise RawFileError(
            f"FreeSurfer stats file '{path}' holds the {_ATLASES.get(atlas, atlas)} "
            f"atlas ('# annot {annot}'), not {parcellation} "
            f"({_ATLASES[parcellation]}): expected the file mris_anatomical_stats "
            f"writes for {parcellation}."
        )


def extract_mri_stats(
    path: str | Path, options: MriStatsOptions | None = None
) -> Extraction:
    """Structural markers of one FreeSurfer/FastSurfer subject's ``stats/`` folder.

    Parameters
    ----------
    path : str or path-like
        The subject's ``stats`` folder, holding ``aseg.stats``,
        ``lh.aparc.stats`` and ``rh.aparc.stats``.
    options : MriStatsOptions or None, default=None
        Which parcellation files to read; defaults when ``None``.

    Returns
    -------
    extraction : Extraction
        ``mri_hippocampus_vol_mm3`` (``Left-Hippocampus`` + ``Right-Hippocampus``
        ``Volume_mm3`` of ``aseg.stats``), ``mri_icv_mm3`` (its ``# Measure
        EstimatedTotalIntraCranialVol``, or ``IntraCranialVol`` of FreeSurfer
        5), ``mri_racc_thickness_mm`` (mean ``ThickAvg`` of
        ``rostralanteriorcingulate`` over both hemispheres) and
        ``mri_dlpfc_l_thickness_mm`` (left ``rostralmiddlefrontal``
        ``ThickAvg``). QC: ``parcellation``, ``lh_mean_thickness_mm`` and
        ``rh_mean_thickness_mm`` (the cortex means, when the files give them).

    Raises
    ------
    RawFileError
        If the folder or a file is missing, a file holds another atlas, or a
        structure or the intracranial volume is absent.

    Examples
    --------
    >>> import tempfile
    >>> from predict.raw._freesurfer_write import write_freesurfer_stats
    >>> folder = tempfile.TemporaryDirectory()
    >>> stats = write_freesurfer_stats(
    ...     f"{folder.name}/stats",
    ...     {"mri_hippocampus_vol_mm3": 8100.0, "mri_racc_thickness_mm": 2.9,
    ...      "mri_dlpfc_l_thickness_mm": 2.4, "mri_icv_mm3": 1500000.0},
    ...     seed=0,
    ... )
    >>> extract_mri_stats(stats).markers["mri_hippocampus_vol_mm3"]
    8100.0
    >>> folder.cleanup()
    """
    options = MriStatsOptions() if options is None else options
    folder = Path(path)
    if not folder.is_dir():
        raise RawFileError(
            f"FreeSurfer stats folder '{folder}' does not exist or is not a folder: "
            "expected a subject's stats/ folder (aseg.stats, lh.aparc.stats, "
            "rh.aparc.stats)."
        )
    aseg = folder / "aseg.stats"
    if not aseg.is_file():
        nested = (
            " It has a 'stats' subfolder: point at that."
            if (folder / "stats" / "aseg.stats").is_file()
            else ""
        )
        raise RawFileError(
            f"FreeSurfer stats folder '{folder}' has no 'aseg.stats' (subcortical "
            f"volumes, written by recon-all or FastSurfer).{nested}"
        )
    measures, table = read_stats(aseg)
    hint = "FreeSurfer's aseg segmentation (mri_segstats on aseg.mgz)"
    hippocampus = sum(
        _value(table, aseg, "Volume_mm3", f"{side}-Hippocampus", hint)
        for side in ("Left", "Right")
    )
    icv_name = next((m for m in _ICV_MEASURES if m in measures), None)
    markers = {"mri_hippocampus_vol_mm3": hippocampus}
    qc: dict[str, float | int | str] = {"parcellation": options.parcellation}
    thickness: dict[str, float] = {}
    for hemi in ("lh", "rh"):
        cortical = _cortical_file(folder, hemi, options.parcellation)
        hemi_measures, hemi_table = read_stats(cortical)
        _check_atlas(hemi_measures, cortical, options.parcellation)
        atlas_hint = f"the {_ATLASES[options.parcellation]} parcels"
        thickness[f"{hemi}_racc"] = _value(
            hemi_table, cortical, "ThickAvg", "rostralanteriorcingulate", atlas_hint
        )
        if hemi == "lh":
            thickness["lh_dlpfc"] = _value(
                hemi_table, cortical, "ThickAvg", "rostralmiddlefrontal", atlas_hint
            )
        if "MeanThickness" in hemi_measures:
            qc[f"{hemi}_mean_thickness_mm"] = hemi_measures["MeanThickness"][0]
        if icv_name is None:
            icv_name = next((m for m in _ICV_MEASURES if m in hemi_measures), None)
            measures.update({k: v for k, v in hemi_measures.items() if k == icv_name})
    if icv_name is None:
        raise RawFileError(
            f"FreeSurfer stats file '{aseg}' has no '# Measure "
            "EstimatedTotalIntraCranialVol' line (nor the aparc files): expected "
            "the eTIV recon-all writes."
        )
    markers["mri_racc_thickness_mm"] = (thickness["lh_racc"] + thickness["rh_racc"]) / 2
    markers["mri_dlpfc_l_thickness_mm"] = thickness["lh_dlpfc"]
    markers["mri_icv_mm3"] = measures[icv_name][0]
    return Extraction(markers=markers, qc=qc)
