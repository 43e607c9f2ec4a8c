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
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from predict.cohort._contract import NOT_INPUT
from predict.scoring._ignored import warn_ignored

if TYPE_CHECKING:
    pass

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
    visits: Any = None,
    *,
    data_root: str | Path | None = None,
    allow_raw_paths: bool = True,
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Validate new patients (and their visits) and read their raw files.

    Parameters
    ----------
    data : pandas.DataFrame, mapping or path
        Patients in the contract's columns: a table, a file, or one patient
        as a mapping of column to value.
    metadata : mapping
        The bundle's metadata; its ``config["raw"]`` block sets the raw-file
        options (defaults for bundles without one; its ``root`` is the training
        machine's and is not used); its ``predict_at`` the model's prediction
        time.
    visits : pandas.DataFrame, path or None, default=None
        The patients' visits, for a model that predicts at a time during the
        course (they go through the same validation, raw stage and
        :meth:`~predict.cohort.Cohort.at` as in training).
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
        Patient id -> raw files that gave no markers (``on_error: missing``)
        and the visit a patient lacks, for the output's warnings.

    Raises
    ------
    CohortError
        When the input breaks the cohort contract.
    RawExtractionError
        When a raw file gives no markers and ``on_error`` is ``"error"``, or
        a path leaves the data root.
    UsageError
        When path columns are filled and ``allow_raw_paths`` is ``False``.

    Warns
    -----
    IgnoredModalityWarning
        Once, when patients bring a modality the model was trained without.
    """
    from predict.cohort import read_cohort
    from predict.exceptions import UsageError
    from predict.raw import RawOptions
    from predict.raw._step import RAW_LABELS

    time_point = metadata.get("predict_at")
    if visits is not None and time_point is None:
        raise UsageError(
            f"Model '{metadata.get('name')}' predicts from baseline only: it uses no "
            "visits. Score without visits, or use a model trained with predict_at."
        )
    table = _frame(data)
    table = table.drop(columns=[c for c in NOT_INPUT if c in table.columns])
    base_dir = Path(data).parent if isinstance(data, str | Path) else None
    cohort = read_cohort(table, visits=visits, base_dir=base_dir)
    named = [
        *cohort.path_columns,
        *(cohort.visits.path_columns if cohort.visits else ()),
    ]
    if named and not allow_raw_paths:
        raise UsageError(
            f"Column '{named[0]}' names raw files, which this model "
            "server does not read: send the markers instead (or start it with "
            "--allow-raw-paths and a --data-root)."
        )
    options = RawOptions.model_validate(metadata.get("config", {}).get("raw", {}))
    # The training machine's root is not this one's: the table's folder, the
    # working directory for a DataFrame, or the data_root given.
    root = None if data_root is None else str(data_root)
    # The raw stage, for the patients' and their visits' files.
    cohort = cohort.read_raw(options.model_copy(update={"root": root}))
    notes: dict[str, list[str]] = {}
    report = cohort.raw_report
    for column, failures in (report.failed if report else {}).items():
        for pid, reason in failures:
            notes.setdefault(pid, []).append(
                f"{RAW_LABELS[column]} file gave no markers ({reason})"
            )
    warn_ignored(metadata, cohort.data, stacklevel=4)
    if time_point is None:
        return cohort.data, notes
    from predict.cohort import TimePoint
    from predict.cohort._timepoint import visit_notes

    cohort = cohort.at(time_point=TimePoint.from_dict(time_point))
    for pid, lines in visit_notes(cohort).items():
        notes.setdefault(pid, []).extend(lines)
    return cohort.data, notes
