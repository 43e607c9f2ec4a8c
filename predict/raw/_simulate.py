"""Raw recordings for a simulated cohort, carrying its patients' markers.

:func:`write_raw_files` turns a cohort table's precomputed markers into raw
files, one per patient and modality, written by the field's own writers
(MNE, pybv, edfio, NumPy, pandas, nibabel) and read back by :mod:`predict.raw`'s
readers. The files rotate through the contract's formats: TMS-EEG as
``-epo.fif``, BrainVision, EDF and ``.npz``; resting EEG as BrainVision, EDF
and ``-raw.fif``; connectivity as a CSV or TSV matrix, CSV time series and
``.npy`` with a label list, or (a fifth of them) as an fMRIPrep BOLD run
in MNI space with its confounds table; EMG as a trial table; structural MRI
as a FreeSurfer ``stats/`` folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from predict.cohort._contract import MODALITY_PREFIXES, PATH_COLUMNS
from predict.raw._bold_write import write_bold
from predict.raw._connectivity_write import write_connectivity
from predict.raw._emg import write_emg
from predict.raw._freesurfer_write import write_freesurfer_stats
from predict.raw._rest_eeg_write import write_rest_eeg
from predict.raw._step import produced
from predict.raw._tms_eeg_write import write_tms_eeg

__all__ = ["RAW_SETTINGS", "write_raw_files"]

#: Recording sizes of simulated files: smaller than a lab's (32 channels, 30
#: pulses at 1 kHz; 60 s of resting EEG) so a cohort of hundreds fits in a
#: few hundred MB, large enough for the readers' defaults.
RAW_SETTINGS: dict[str, dict[str, Any]] = {
    "tms_eeg_path": {
        "n_trials": 30,
        "n_channels": 32,
        "sfreq": 1000.0,
        "tmin": -0.5,
        "tmax": 0.5,
    },
    "rest_eeg_path": {"duration_s": 60.0, "sfreq": 250.0},
    # 4 minutes at TR 2 s on a 4 mm grid around the seeds: ~0.2 MB
    "bold_path": {"n_volumes": 120, "t_r": 2.0, "voxel_mm": 4.0},
    "fc_matrix_path": {},
    "emg_trials_path": {},
    "mri_stats_dir": {},
}

#: Path column -> share of its modality's patients (among those given a file)
#: that it takes before the modality's other path column.
_FIRST_SHARE = {"bold_path": 0.2}

_FORMATS: dict[str, list[tuple[str, str]]] = {
    "tms_eeg_path": [
        ("fif", "-epo.fif"),
        ("vhdr", ".vhdr"),
        ("edf", ".edf"),
        ("npz", ".npz"),
    ],
    "rest_eeg_path": [("vhdr", ".vhdr"), ("edf", ".edf"), ("fif", "-raw.fif")],
    "fc_matrix_path": [
        ("matrix_csv", ".csv"),
        ("matrix_tsv", ".tsv"),
        ("timeseries_csv", ".csv"),
        ("npy", ".npy"),
    ],
    "emg_trials_path": [("csv", ".csv")],
    "bold_path": [("bold", "")],  # a folder with the fMRIPrep files
    "mri_stats_dir": [("stats", "")],
}


def _writer(column: str, fmt: Any) -> Callable[..., Path]:
    settings = RAW_SETTINGS[column]
    if column == "tms_eeg_path":
        return lambda path, markers, seed: write_tms_eeg(
            path, markers, fmt=fmt, seed=seed, **settings
        )
    if column == "rest_eeg_path":
        return lambda path, markers, seed: write_rest_eeg(
            path, markers, fmt=fmt, seed=seed, **settings
        )
    if column == "fc_matrix_path":
        return lambda path, markers, seed: write_connectivity(
            path, markers, fmt=fmt, seed=seed
        )
    if column == "bold_path":
        return lambda path, markers, seed: write_bold(
            path, path.name.split("_")[0], markers, seed=seed, **settings
        )
    if column == "mri_stats_dir":
        return lambda path, markers, seed: write_freesurfer_stats(
            path, markers, seed=seed, subject=path.name.split("_")[0]
        )
    return lambda path, markers, seed: write_emg(path, markers, seed=seed)


def write_raw_files(
    table: pd.DataFrame,
    folder: str | Path,
    *,
    relative_to: str | Path | None = None,
    share: float = 1.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Write raw recordings for a cohort's patients; return the new table.

    For each patient with a modality's markers (and, with ``share`` below 1,
    for a random share of them) one file is written per modality, carrying
    the patient's values as injected components; in the returned table that
    patient's path column names the file and the markers the file carries
    are blank, so training reads them from the file. Other patients keep
    their precomputed columns: the table mixes both, as the contract allows.
    An IAF outside 7.1-12.9 Hz is written at the nearer bound (the reader
    looks for the alpha peak in 7-13 Hz).

    Parameters
    ----------
    table : pandas.DataFrame
        A cohort table from :func:`predict.simulate_cohort` (or any table in
        the contract's columns).
    folder : str or path-like
        Where to write the files (created if needed).
    relative_to : str, path-like or None, default=None
        Folder the table will be saved in: paths are written relative to it
        (absolute when ``None``).
    share : float, default=1.0
        Share of each modality's patients that get a raw file, in (0, 1].
    seed : int, default=0
        Seeds which patients are picked and each file's noise.

    Returns
    -------
    table : pandas.DataFrame
        A copy with path columns set and the carried markers blank for
        patients with files.

    Examples
    --------
    >>> import tempfile
    >>> from predict import simulate_cohort
    >>> from predict.raw._simulate import write_raw_files
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     raw = write_raw_files(simulate_cohort(10, seed=0), tmp, share=0.3)
    >>> int(raw["emg_trials_path"].notna().sum())
    3
    """
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share}.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = table.copy()
    ids = table["patient_id"].astype(str).to_numpy()
    for column in RAW_SETTINGS:
        carried = produced(column)
        present = [c for c in carried if c in table.columns]
        if not present:
            continue
        has = out[present].notna().any(axis=1).to_numpy()  # not given a file yet
        rows = np.flatnonzero(has)
        if share < 1:
            rows = np.sort(
                rng.choice(rows, size=round(share * len(rows)), replace=False)
            )
        if column in _FIRST_SHARE:
            size = round(_FIRST_SHARE[column] * len(rows))
            rows = np.sort(rng.choice(rows, size=size, replace=False))
        out[column] = pd.Series(np.nan, index=out.index, dtype=object)
        prefix = MODALITY_PREFIXES[PATH_COLUMNS[column]]
        for k, i in enumerate(rows):
            fmt, suffix = _FORMATS[column][k % len(_FORMATS[column])]
            name = f"{ids[i]}_{prefix.rstrip('_')}_{fmt}{suffix}".replace("/", "-")
            markers = {c: float(table.iloc[i][c]) for c in present}
            if "eeg_iaf_hz" in markers:  # the writer's peak must sit inside 7-13 Hz
                markers["eeg_iaf_hz"] = float(np.clip(markers["eeg_iaf_hz"], 7.1, 12.9))
            path = _writer(column, fmt)(folder / name, markers, rng.integers(2**32))
            shown = (
                Path(os.path.relpath(path, relative_to))
                if relative_to is not None
                else path.resolve()
            )
            out.iloc[i, out.columns.get_loc(column)] = shown.as_posix()
            for c in present:
                out.iloc[i, out.columns.get_loc(c)] = np.nan
    return out
