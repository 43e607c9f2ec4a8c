"""Fill a cohort table's marker columns from its raw-recording files.

One function, :func:`extract_markers`, serves training, cross-validation and
scoring alike: for every patient whose path column names a file it reads the
file with that modality's reader and writes the markers into the contract's
columns (the file's values replace any precomputed ones in that row). The
extraction has no learned state, so applying it to the whole table before
cross-validation is the same as applying it in every fold; ``train`` does it
once, and the bundle applies it to new patients with the same options.

Results are cached in memory by the file's content (SHA-256 of the file and
of every file its reader opens: the ``DataFile`` and ``MarkerFile`` a
BrainVision header names, the split parts an MNE ``.fif`` continues in, a
``.npy``'s label list) and the options, so a file is read once per process
however often it is scored.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from predict.cohort._contract import PATH_COLUMNS, spec_for
from predict.exceptions import PredictError
from predict.raw._bold import BoldOptions, extract_bold
from predict.raw._common import Extraction, RawFileError
from predict.raw._companions import companions
from predict.raw._connectivity import ConnectivityOptions, extract_connectivity
from predict.raw._emg import RATIOS, EmgOptions, extract_emg
from predict.raw._freesurfer import (
    MRI_STATS_MARKERS,
    MriStatsOptions,
    extract_mri_stats,
)
from predict.raw._paths import (
    PathRefusedError,
    SizeLimits,
    check_size,
    contain,
    contain_companions,
)
from predict.raw._rest_eeg import RestEegOptions, extract_rest_eeg
from predict.raw._rest_eeg_write import REST_EEG_MARKERS
from predict.raw._tms_eeg import TMS_EEG_MARKERS, TmsEegOptions, extract_tms_eeg

if TYPE_CHECKING:
    from predict.cohort import Cohort

__all__ = [
    "RAW_LABELS",
    "RawExtractionError",
    "RawOptions",
    "RawReport",
    "extract_markers",
    "file_digest",
    "produced",
    "read_raw_markers",
]

#: Path column -> the options field that configures its reader.
_OPTION_OF = {
    "tms_eeg_path": "tms_eeg",
    "rest_eeg_path": "rest_eeg",
    "fc_matrix_path": "connectivity",
    "emg_trials_path": "emg",
    "bold_path": "bold",
    "mri_stats_dir": "mri",
}

#: Path column -> the modality as users name it, for messages.
RAW_LABELS = {
    "tms_eeg_path": "TMS-EEG",
    "rest_eeg_path": "resting EEG",
    "fc_matrix_path": "connectivity",
    "emg_trials_path": "EMG",
    "bold_path": "BOLD",
    "mri_stats_dir": "FreeSurfer stats",
}


class RawExtractionError(PredictError, ValueError):
    """A patient's raw file could not give markers (``on_error: error``)."""


class RawOptions(BaseModel):
    """How raw recordings become markers (the config's ``raw:`` block).

    Parameters
    ----------
    tms_eeg : TmsEegOptions
        TEP extraction (artifact window, baseline, rejection, ROI, windows).
    rest_eeg : RestEegOptions
        Resting-EEG spectra (IAF, frontal theta, alpha asymmetry).
    connectivity : ConnectivityOptions
        Seed-target ROI pairs and their output columns.
    emg : EmgOptions
        MEP trial bounds and conditions.
    bold : BoldOptions
        fMRIPrep BOLD seeds, pairs, confound strategy and motion limits.
    mri : MriStatsOptions
        Which FreeSurfer parcellation files a stats folder is read from.
    on_error : {"error", "missing"}, default="error"
        What a missing, unreadable or too-noisy file does: stop with an error
        naming the patient and the file, or make that patient's modality
        missing and count it in the report. A path leaving the data root is
        always an error.
    root : str or None, default=None
        The data root path columns must stay inside (relative to the working
        directory); the table's folder when ``None``. ``--data-root`` on the
        command line takes precedence.
    max_mb : SizeLimits
        Largest file read per modality, in MiB, checked before reading.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    tms_eeg: TmsEegOptions = Field(default_factory=TmsEegOptions)
    rest_eeg: RestEegOptions = Field(default_factory=RestEegOptions)
    connectivity: ConnectivityOptions = Field(default_factory=ConnectivityOptions)
    emg: EmgOptions = Field(default_factory=EmgOptions)
    bold: BoldOptions = Field(default_factory=BoldOptions)
    mri: MriStatsOptions = Field(default_factory=MriStatsOptions)
    on_error: Literal["error", "missing"] = "error"
    root: str | None = None
    max_mb: SizeLimits = Field(default_factory=SizeLimits)


def _readers() -> dict[str, Callable[[Path, Any], Extraction]]:
    return {
        "tms_eeg_path": extract_tms_eeg,
        "rest_eeg_path": extract_rest_eeg,
        "fc_matrix_path": extract_connectivity,
        "emg_trials_path": extract_emg,
        "bold_path": extract_bold,
        "mri_stats_dir": extract_mri_stats,
    }


@dataclass
class RawReport:
    """What :func:`extract_markers` read, and what it could not.

    Attributes
    ----------
    read : dict of str to int
        Path column -> files turned into markers.
    failed : dict of str to list of (str, str)
        Path column -> ``(patient id, reason)`` for each file that gave no
        markers (only with ``on_error: missing``).
    qc : pandas.DataFrame
        One row per patient with a file, columns ``<path column>:<figure>``
        (trials kept, channels used, ...), indexed by patient id.
    signals : dict of str to dict of str to dict
        Patient id -> path column -> what its QC picture draws (see
        :mod:`predict.raw._qc_figures`).
    """

    read: dict[str, int] = field(default_factory=dict)
    failed: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    qc: pd.DataFrame = field(default_factory=pd.DataFrame)
    signals: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=dict, repr=False
    )

    @property
    def n_failed(self) -> int:
        """Number of files that gave no markers."""
        return sum(len(v) for v in self.failed.values())

    def summary(self) -> str:
        """One sentence for the CLI: files read and patients set to missing."""
        parts = [f"{RAW_LABELS[c]} {n}" for c, n in self.read.items() if n]
        text = f"Raw recordings: {sum(self.read.values())} files read"
        text += f" ({', '.join(parts)})" if parts else ""
        for column, failures in self.failed.items():
            if failures:
                ids = ", ".join(pid for pid, _ in failures[:5])
                more = "" if len(failures) <= 5 else ", ..."
                text += (
                    f"; {len(failures)} patient(s)' {RAW_LABELS[column]} set to "
                    f"missing ({ids}{more})"
                )
        return text + "."


# (content digest, reader format, column and options) -> markers, or the error
# with the file it was raised for (re-labelled for an identical copy).
_CACHE: dict[tuple[str, str, str], Extraction | tuple[RawFileError, Path]] = {}
_DIGESTS: dict[tuple[tuple[str, int, int, int], ...], str] = {}


def file_digest(path: Path) -> str:
    """Return the SHA-256 of a raw file and its companion files.

    Parameters
    ----------
    path : pathlib.Path
        The raw file.

    Returns
    -------
    digest : str
        Hex digest over the file's own bytes, then each companion's name and
        bytes (so two files never share a digest through their companions).
        Memoised per (path, size, modification time, inode) of the file and
        of every companion, so an edited companion is hashed again.
    """
    parts = companions(path) if path.is_dir() else [path, *companions(path)]
    stats = tuple(
        (str(p.resolve()), st.st_size, st.st_mtime_ns, st.st_ino)
        for p in parts
        for st in [p.stat()]
    )
    if stats not in _DIGESTS:
        digest = hashlib.sha256()
        for i, part in enumerate(parts):
            if i or path.is_dir():  # a file is identified by its content alone
                digest.update(b"\0" + part.name.encode())
            with part.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        _DIGESTS[stats] = digest.hexdigest()
    return _DIGESTS[stats]


def produced(column: str, options: RawOptions | None = None) -> list[str]:
    """Return the marker columns a path column's file gives.

    Parameters
    ----------
    column : str
        A path column (``"tms_eeg_path"``, ...).
    options : RawOptions or None, default=None
        For the connectivity pairs' output columns.

    Returns
    -------
    columns : list of str
    """
    options = options or RawOptions()
    if column == "tms_eeg_path":
        return list(TMS_EEG_MARKERS)
    if column == "rest_eeg_path":
        return list(REST_EEG_MARKERS)
    if column == "fc_matrix_path":
        return list(options.connectivity.pairs)
    if column == "bold_path":
        return list(options.bold.pairs)
    if column == "mri_stats_dir":
        return list(MRI_STATS_MARKERS)
    return ["emg_mep_amp_mv", *RATIOS.values()]


def _check_ranges(extraction: Extraction, path: Path) -> None:
    """Refuse markers outside the contract's plausible ranges (a bad recording)."""
    for column, value in extraction.markers.items():
        spec = spec_for(column)
        if spec is None or value is None or math.isnan(value):
            continue
        if (spec.low is not None and value < spec.low) or (
            spec.high is not None and value > spec.high
        ):
            raise RawFileError(
                f"File '{path}' gives {column} = {value:g}, outside the contract's "
                f"plausible {spec.range_text()}: the recording is too noisy or "
                "not in the expected units."
            )


def _extract(column: str, path: Path, options: RawOptions) -> Extraction:
    if column == "mri_stats_dir" and not path.is_dir():
        raise RawFileError(f"Folder '{path}' does not exist or is not a folder.")
    if column != "mri_stats_dir" and not path.is_file():
        raise RawFileError(f"File '{path}' does not exist or is not a file.")
    key_ = _OPTION_OF[column]
    limit = getattr(options.max_mb, key_)
    check_size(path, companions(path), limit, key_, RAW_LABELS[column])
    sub = getattr(options, key_)
    # The same bytes read as another format (.vhdr, -epo.fif) are another file.
    form = "".join(path.suffixes[-2:]).lower()
    key = (file_digest(path), form, f"{column}:{sub.model_dump_json()}")
    if key not in _CACHE:
        try:
            try:
                extraction = _readers()[column](path, sub)
            except RawFileError:
                raise
            except Exception as exc:  # a reader's library failing on odd data
                raise RawFileError(
                    f"File '{path}' could not be turned into markers "
                    f"({type(exc).__name__}; the library's message, which can "
                    f"quote the file, is not shown): expected a {RAW_LABELS[column]} "
                    "file in one of the formats the cohort contract lists."
                ) from exc
            _check_ranges(extraction, path)
            if not any(math.isfinite(v) for v in extraction.markers.values()):
                raise RawFileError(
                    f"File '{path}' gives no finite marker value: the recording "
                    "is empty, flat or not finite."
                )
        except RawFileError as exc:  # a bad file stays bad: not read again
            _CACHE[key] = (exc, path)
            raise
        _CACHE[key] = extraction
    cached = _CACHE[key]
    if isinstance(cached, tuple):  # named for this file, not its identical twin
        error, first = cached
        if first == path:
            raise error
        raise RawFileError(str(error).replace(f"'{first}'", f"'{path}'")) from None
    return cached


def _resolve(value: str, base_dir: Path | None, root: Path) -> Path:
    path = contain(value, root, base_dir)
    contain_companions(companions(path), root)  # what the reader opens too
    return path


def extract_markers(
    table: pd.DataFrame,
    options: RawOptions | None = None,
    *,
    base_dir: str | Path | None = None,
    data_root: str | Path | None = None,
) -> tuple[pd.DataFrame, RawReport]:
    """Return the table with markers read from its raw files, and a report.

    Parameters
    ----------
    table : pandas.DataFrame
        A validated cohort table (``Cohort.data``), indexed by patient id.
    options : RawOptions or None, default=None
        Reader options; defaults when ``None``.
    base_dir : str, path-like or None, default=None
        Folder relative paths are resolved against (the table's folder);
        the working directory when ``None``.
    data_root : str, path-like or None, default=None
        Folder every path must stay inside: ``options.root``, else
        ``base_dir``, else the working directory when ``None``.

    Returns
    -------
    table : pandas.DataFrame
        A copy with each file's markers in its modality's contract columns
        (added when absent); a failed file's modality is missing in that row
        when ``on_error`` is ``"missing"``.
    report : RawReport
        Files read, failures and quality-control figures.

    Raises
    ------
    RawExtractionError
        With ``on_error: "error"``, for the first file that gives no markers,
        naming the patient, the path column and the file; whatever
        ``on_error``, for a path that leaves the data root (naming the patient
        and the column only).
    """
    options = options or RawOptions()
    base = Path(base_dir) if base_dir is not None else None
    root = Path(data_root or options.root or base or Path.cwd())
    out = table.copy()
    report = RawReport()
    qc: dict[str, dict[str, Any]] = {}
    for column in PATH_COLUMNS:
        if column not in table.columns:
            continue
        values = table[column]
        rows = [i for i, v in enumerate(values.to_numpy()) if isinstance(v, str) and v]
        report.read[column] = 0
        report.failed[column] = []
        for i in rows:
            pid = str(table.index[i])
            try:
                path = _resolve(values.iloc[i], base, root)
                extraction = _extract(column, path, options)
            except RawFileError as exc:
                if isinstance(exc, PathRefusedError):
                    raise RawExtractionError(
                        f"Patient {pid}: column '{column}' names a file that is "
                        f"not read. {exc}"
                    ) from None
                if options.on_error == "error":
                    raise RawExtractionError(
                        f"Patient {pid}: column '{column}' names a file that gives "
                        f"no markers. {exc} Fix or remove the file, or set "
                        "`raw: {on_error: missing}` to score this modality as "
                        "missing for such patients."
                    ) from exc
                report.failed[column].append((pid, str(exc)))
                for name in produced(column, options):  # the modality is missing
                    if name in out.columns:
                        out.iloc[i, out.columns.get_loc(name)] = np.nan
                continue
            for name, value in extraction.markers.items():
                if name not in out.columns:
                    out[name] = np.nan
                out.iloc[i, out.columns.get_loc(name)] = value
            report.read[column] += 1
            for key, figure in extraction.qc.items():
                qc.setdefault(pid, {})[f"{column}:{key}"] = figure
            if extraction.signals:
                report.signals.setdefault(pid, {})[column] = extraction.signals
    if qc:
        report.qc = pd.DataFrame.from_dict(qc, orient="index")
        report.qc.index.name = table.index.name
    return out, report


def read_raw_markers(
    cohort: Cohort,
    options: RawOptions | None = None,
    *,
    data_root: str | Path | None = None,
) -> tuple[Cohort, RawReport | None]:
    """Return the cohort with markers from its raw files, and the report.

    What :meth:`predict.cohort.Cohort.read_raw` (and ``read_cohort(...,
    raw=...)``) runs; use those.

    Parameters
    ----------
    cohort : Cohort
        A validated cohort; relative paths resolve against its
        :attr:`~predict.cohort.Cohort.base_dir`.
    options : RawOptions or None, default=None
        Reader options; defaults when ``None``.
    data_root : str, path-like or None, default=None
        Folder path columns must stay inside (``options.root``, else the
        table's folder, when ``None``).

    Returns
    -------
    cohort : Cohort
        Re-validated with the extracted markers (so each modality counts as
        present for patients whose file gave markers), with ``raw_options``
        and ``raw_report`` set.
    report : RawReport or None
        ``None``, with the table unchanged, when it has no path columns.

    Raises
    ------
    RawExtractionError
        With ``on_error: "error"``, for the first file that gives no markers.
    """
    from predict.cohort import read_cohort
    from predict.cohort._visits import read_visit_markers

    options = options if options is not None else RawOptions()
    if cohort.visits is not None and cohort.visits.path_columns:
        visits = read_visit_markers(cohort.visits, options)  # visits' own files
        cohort = dataclasses.replace(cohort, visits=visits)
    if not cohort.path_columns:
        return dataclasses.replace(cohort, raw_options=options, raw_report=None), None
    table, report = extract_markers(
        cohort.data, options, base_dir=cohort.base_dir, data_root=data_root
    )
    derived = [c for c in table.columns if spec_for(str(c)) is None]  # pct_change
    filled = read_cohort(
        table.drop(columns=derived), primary_scale=cohort.primary_scale
    )
    return dataclasses.replace(
        filled,
        source=cohort.source,
        visits=cohort.visits,
        folder=cohort.folder,
        raw_options=options,
        raw_report=report,
    ), report
