"""New patients' input, read the way the training cohort was read.

The table goes through the cohort contract (same errors as training), its
outcome columns are dropped, and raw-recording files named by its path
columns are turned into markers with the options the model was trained with.
:class:`ResponsePredictor` and the MLflow ``pyfunc`` flavour both read input
here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from predict.cohort._contract import NOT_INPUT

__all__ = ["read_input"]


def _frame(data: Any) -> pd.DataFrame:
    from predict.cohort._read import read_table

    if isinstance(data, str | Path):
        return read_table(data)
    if isinstance(data, Mapping) and all(np.ndim(v) == 0 for v in data.values()):
        return pd.DataFrame({k: [v] for k, v in data.items()})
    return pd.DataFrame(data)


def read_input(
    data: Any,
    metadata: Mapping[str, Any],
    *,
    data_root: str | Path | None = None,
    allow_raw_paths: bool = True,
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Validate new patients and read their raw files.

    Parameters
    ----------
    data : pandas.DataFrame, mapping or path
        Patients in the contract's columns: a table, a file, or one patient
        as a mapping of column to value.
    metadata : mapping
        The bundle's metadata; its ``config["raw"]`` block sets the raw-file
        options (defaults for bundles without one; its ``root`` is the training
        machine's and is not used).
    data_root : str, path-like or None, default=None
        Folder path columns must stay inside: the table's folder for a file,
        the working directory for a DataFrame, when ``None``.
    allow_raw_paths : bool, default=True
        ``False`` refuses any filled path column (a server whose clients
        send markers, not file names).

    Returns
    -------
    table : pandas.DataFrame
        Parsed input indexed by ``patient_id``, markers from raw files in.
    notes : dict of str to list of str
        Patient id -> raw files that gave no markers (``on_error: missing``),
        for the output's warnings.

    Raises
    ------
    CohortError
        When the input breaks the cohort contract.
    RawExtractionError
        When a raw file gives no markers and ``on_error`` is ``"error"``, or
        a path leaves the data root.
    UsageError
        When path columns are filled and ``allow_raw_paths`` is ``False``.
    """
    from predict.cohort import read_cohort

    table = _frame(data)
    table = table.drop(columns=[c for c in NOT_INPUT if c in table.columns])
    cohort = read_cohort(table)
    notes: dict[str, list[str]] = {}
    if not cohort.path_columns:
        return cohort.data, notes
    from predict.exceptions import UsageError
    from predict.raw import RawOptions, extract_markers
    from predict.raw._step import RAW_LABELS

    if not allow_raw_paths:
        raise UsageError(
            f"Column '{cohort.path_columns[0]}' names raw files, which this model "
            "server does not read: send the markers instead (or start it with "
            "--allow-raw-paths and a --data-root)."
        )
    options = RawOptions.model_validate(metadata.get("config", {}).get("raw", {}))
    options = options.model_copy(update={"root": None})
    base_dir = Path(data).parent if isinstance(data, str | Path) else None
    filled, report = extract_markers(
        cohort.data, options, base_dir=base_dir, data_root=data_root
    )
    for column, failures in report.failed.items():
        for pid, reason in failures:
            notes.setdefault(pid, []).append(
                f"{RAW_LABELS[column]} file gave no markers ({reason})"
            )
    return read_cohort(filled).data, notes
