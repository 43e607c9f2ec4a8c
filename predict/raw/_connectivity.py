"""Functional connectivity files to the ``fc_*`` marker columns."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from predict.raw._common import Extraction, RawFileError, check_file, check_shape

__all__ = ["ConnectivityOptions", "extract_connectivity"]

#: Most ROIs a connectivity table may have (Schaefer-1000 twice over).
MAX_ROIS = 2000

#: File endings read by :func:`extract_connectivity`.
SUFFIXES = (".csv", ".tsv", ".npy")


class ConnectivityOptions(BaseModel):
    """Which ROI pairs become ``fc_*`` markers, and how a table is read.

    A table (CSV/TSV, or ``.npy`` with its labels) is read as one of:

    - a **correlation matrix** (r): square, symmetric and with a unit
      diagonal; its off-diagonal values are Fisher z-transformed
      (``arctanh``);
    - a **Fisher z matrix**: square, symmetric, with a diagonal of 0, inf or
      NaN (``arctanh(1)`` is infinite, so z matrices store one of those);
      values are used as they are;
    - otherwise **ROI time series**: rows are time points, columns ROIs; the
      Pearson correlation of the two ROIs (over the rows where both are
      finite) is Fisher z-transformed.

    A correlation of exactly +-1 between two different ROIs has no Fisher z
    and is an error (it means duplicated or broken signals), as is any
    off-diagonal value beyond +-1 in a correlation matrix; values are never
    clipped. A requested value that is NaN gives a NaN marker.

    Parameters
    ----------
    pairs : dict of str to (str, str), default={"fc_sgacc_dlpfc_z": ...}
        Output column -> ``(seed label, target label)``; the default is
        ``{"fc_sgacc_dlpfc_z": ("sgACC", "DLPFC_L")}``. Labels are matched
        case-insensitively, ignoring surrounding spaces. Output names must
        start with ``fc_``.
    values : {"auto", "r", "z"}, default="auto"
        What a square symmetric table holds: ``"auto"`` tells r from z by
        the diagonal as above; ``"r"`` or ``"z"`` force the reading (for
        example an r matrix whose diagonal was zeroed).
    min_timepoints : int, default=10
        Fewest complete time points for a time-series correlation.
    tolerance : float, default=1e-6
        Absolute tolerance of the symmetry and unit-diagonal tests.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    pairs: dict[str, tuple[str, str]] = Field(
        default_factory=lambda: {"fc_sgacc_dlpfc_z": ("sgACC", "DLPFC_L")},
        min_length=1,
    )
    values: Literal["auto", "r", "z"] = "auto"
    min_timepoints: int = Field(10, ge=3)
    tolerance: float = Field(1e-6, ge=0)

    @field_validator("pairs")
    @classmethod
    def _check_pairs(
        cls, pairs: dict[str, tuple[str, str]]
    ) -> dict[str, tuple[str, str]]:
        for name, (seed, target) in pairs.items():
            if not name.startswith("fc_"):
                raise ValueError(f"pair name {name!r} must start with 'fc_'.")
            if seed.strip().lower() == target.strip().lower():
                raise ValueError(f"pair {name!r} correlates {seed!r} with itself.")
        return pairs


def extract_connectivity(
    path: str | Path, options: ConnectivityOptions | None = None
) -> Extraction:
    """Fisher z connectivity of the configured ROI pairs.

    Parameters
    ----------
    path : str or path-like
        ``.csv``/``.tsv`` whose header row holds the ROI labels, or ``.npy``
        (a 2-D array) with a sidecar label list: ``<stem>.labels.txt`` (one
        label per line) or, when absent, ``<stem>.json`` (a JSON list of
        labels, or an object with a ``"labels"`` list). A CSV/TSV whose first
        column has an empty header or holds text is taken as row labels and
        ignored (``pandas.DataFrame.to_csv`` writes its index that way).
    options : ConnectivityOptions or None, default=None
        Pairs and reading rules; ``None`` uses the defaults.

    Returns
    -------
    extraction : Extraction
        One marker per pair. QC: ``kind`` (``"r_matrix"``, ``"z_matrix"`` or
        ``"timeseries"``), ``n_rois``, ``n_rows`` and ``rois`` (the labels
        used).

    Raises
    ------
    RawFileError
        If the file is missing, of another format, unreadable, not numeric,
        lacks a label (the message lists the file's labels), or holds a
        correlation that has no Fisher z.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(folder.name) / "fc.csv"
    >>> pd.DataFrame([[1.0, -0.3], [-0.3, 1.0]],
    ...              columns=["sgACC", "DLPFC_L"]).to_csv(path, index=False)
    >>> round(extract_connectivity(path).markers["fc_sgacc_dlpfc_z"], 6)
    -0.30952
    >>> folder.cleanup()
    """
    options = ConnectivityOptions() if options is None else options
    path = check_file(path, SUFFIXES)
    labels, values = _read(path)
    source = f"Connectivity file '{path}'"
    keys = [label.strip().lower() for label in labels]
    duplicated = sorted(
        {lab for lab, k in zip(labels, keys, strict=True) if keys.count(k) > 1}
    )
    if duplicated:
        raise RawFileError(
            f"{source} has duplicated ROI labels {duplicated}: expected one column "
            f"per ROI."
        )
    kind = _kind(values, options, source)
    if kind == "timeseries" and values.shape[0] < options.min_timepoints:
        raise RawFileError(
            f"{source} has {values.shape[0]} rows and {values.shape[1]} columns: it is "
            f"not a symmetric square matrix, and as ROI time series it needs at least "
            f"{options.min_timepoints} time points."
        )
    if kind == "r_matrix":
        off = values[~np.eye(len(values), dtype=bool)]
        if np.any(np.abs(off[np.isfinite(off)]) > 1 + options.tolerance):
            raise RawFileError(
                f"{source} looks like a correlation matrix (unit diagonal) but has "
                f"off-diagonal values beyond +-1; set values='z' if it holds Fisher z."
            )
    markers: dict[str, float] = {}
    used: list[str] = []
    for name, pair in options.pairs.items():
        i, j = (_index(label, labels, keys, source) for label in pair)
        used += [labels[i], labels[j]]
        if kind == "z_matrix":
            markers[name] = float(values[i, j])
            continue
        if kind == "r_matrix":
            r = float(values[i, j])
        else:
            r = _correlate(values[:, i], values[:, j], options, source, pair)
        if abs(r) >= 1:
            raise RawFileError(
                f"{source}: the correlation of {pair[0]!r} and {pair[1]!r} is {r}, "
                f"which has no Fisher z; expected |r| < 1 (duplicated signals?)."
            )
        markers[name] = math.atanh(r) if math.isfinite(r) else math.nan
    qc: dict[str, float | int | str] = {
        "kind": kind,
        "n_rois": len(labels),
        "n_rows": int(values.shape[0]),
        "rois": ",".join(dict.fromkeys(used)),
    }
    return Extraction(markers=markers, qc=qc)


def _read(path: Path) -> tuple[list[str], np.ndarray]:
    """ROI labels and the numeric table of a connectivity file."""
    if path.suffix.lower() == ".npy":
        return _read_npy(path)
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    # A parcellation of 2,000 ROIs (and a label column), or ROI time series.
    check_shape(
        path,
        f"Connectivity file '{path}'",
        sep=sep,
        max_columns=MAX_ROIS + 1,
        max_rows=100_000,
        max_cells=4_000_000,
    )
    try:
        frame = pd.read_csv(path, sep=sep)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise RawFileError(
            f"Cannot read connectivity file '{path}' ({type(exc).__name__}). "
            "Expected a UTF-8 header row "
            f"of ROI labels above numbers."
        ) from exc
    if len(frame.columns) and _row_labels(frame, frame.columns[0]):
        frame = frame.drop(columns=frame.columns[0])
    if frame.shape[1] < 2 or frame.shape[0] < 2:
        raise RawFileError(
            f"Connectivity file '{path}' has {frame.shape[1]} ROI columns and "
            f"{frame.shape[0]} rows: expected at least 2 of each."
        )
    for k, column in enumerate(frame.columns):
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = numbers.isna() & frame[column].notna()
        if bad.any():
            lines = ", ".join(str(i + 2) for i in np.flatnonzero(bad.to_numpy())[:5])
            raise RawFileError(
                f"Connectivity file '{path}': column {k + 1} holds non-numeric "
                f"values (lines {lines}); expected numbers under the ROI labels."
            )
        frame[column] = numbers
    labels = [str(c).strip() for c in frame.columns]
    return labels, frame.to_numpy(dtype=float)


def _row_labels(frame: pd.DataFrame, first: object) -> bool:
    """Whether the first column holds row labels rather than an ROI."""
    if str(first).startswith("Unnamed: 0"):
        return True
    cells = frame[first].dropna()
    return len(cells) > 0 and bool(pd.to_numeric(cells, errors="coerce").isna().all())


def _read_npy(path: Path) -> tuple[list[str], np.ndarray]:
    """Read a 2-D ``.npy`` array and the labels of its sidecar file."""
    try:
        values = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise RawFileError(
            f"Cannot read connectivity file '{path}' ({type(exc).__name__}): "
            "expected a 2-D numeric .npy array saved without pickle."
        ) from exc
    if values.ndim != 2 or not np.issubdtype(values.dtype, np.number):
        raise RawFileError(
            f"Connectivity file '{path}' holds a {values.ndim}-D {values.dtype} array: "
            f"expected a 2-D numeric array (ROI x ROI or time x ROI)."
        )
    stem = path.name[: -len(path.suffix)]
    text, sidecar = path.with_name(f"{stem}.labels.txt"), path.with_name(f"{stem}.json")
    if text.is_file():
        labels = [
            line.strip() for line in text.read_text().splitlines() if line.strip()
        ]
    elif sidecar.is_file():
        try:
            loaded = json.loads(sidecar.read_text())
        except (ValueError, OSError) as exc:
            raise RawFileError(
                f"Cannot read label file '{sidecar}' ({type(exc).__name__})."
            ) from exc
        if isinstance(loaded, dict):
            loaded = loaded.get("labels")
        if not isinstance(loaded, list) or not all(isinstance(x, str) for x in loaded):
            raise RawFileError(
                f"Label file '{sidecar}' must hold a JSON list of ROI labels (or an "
                f"object with a 'labels' list)."
            )
        labels = [x.strip() for x in loaded]
    else:
        raise RawFileError(
            f"Connectivity file '{path}' has no label list: expected '{text.name}' "
            f"(one label per line) or '{sidecar.name}' (JSON list) beside it."
        )
    if len(labels) != values.shape[1]:
        raise RawFileError(
            f"Connectivity file '{path}' has {values.shape[1]} columns but its label "
            f"list has {len(labels)} labels: expected one label per column."
        )
    return labels, values.astype(float)


def _kind(values: np.ndarray, options: ConnectivityOptions, source: str) -> str:
    """``"r_matrix"``, ``"z_matrix"`` or ``"timeseries"`` (see the options)."""
    n_rows, n_cols = values.shape
    tol = options.tolerance
    if n_rows != n_cols or not np.allclose(values, values.T, atol=tol, equal_nan=True):
        return "timeseries"
    if options.values != "auto":
        return f"{options.values}_matrix"
    diagonal = np.diag(values)
    if np.allclose(diagonal, 1, atol=tol):
        return "r_matrix"
    if np.all(np.isnan(diagonal) | np.isinf(diagonal) | (diagonal == 0)):
        return "z_matrix"
    raise RawFileError(
        f"{source} is a symmetric {n_rows} x {n_cols} matrix whose diagonal is "
        f"neither 1 (correlations) nor 0, inf or NaN (Fisher z): set the "
        f"connectivity option values='r' or 'z'."
    )


def _index(label: str, labels: list[str], keys: list[str], source: str) -> int:
    """Column of ``label`` (case-insensitive), or an error listing the labels."""
    key = label.strip().lower()
    if key in keys:
        return keys.index(key)
    # the file's labels are its content: not quoted (it may be anyone's file)
    raise RawFileError(
        f"{source} has no ROI labelled {label!r} among its {len(labels)} labels: "
        "set the connectivity option pairs to labels the file holds."
    )


def _correlate(
    x: np.ndarray,
    y: np.ndarray,
    options: ConnectivityOptions,
    source: str,
    pair: tuple[str, str],
) -> float:
    """Pearson r of two time series over their common finite time points."""
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < options.min_timepoints:
        raise RawFileError(
            f"{source}: ROIs {pair[0]!r} and {pair[1]!r} share {int(keep.sum())} "
            f"finite time points; expected at least {options.min_timepoints}."
        )
    x, y = x[keep], y[keep]
    for label, series in zip(pair, (x, y), strict=True):
        if np.ptp(series) == 0:
            raise RawFileError(
                f"{source}: the time series of ROI {label!r} is constant, so its "
                f"correlation is undefined; expected a signal."
            )
    return float(np.corrcoef(x, y)[0, 1])
