"""The validated cohort and :func:`read_cohort`, the package's one way in."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from predict.cohort._contract import (
    MODALITY_PREFIXES,
    NOT_INPUT,
    OUTCOME_COLUMNS,
    PATH_COLUMNS,
    modality_of,
)
from predict.cohort._outcomes import (
    check_endpoints,
    derive_outcomes,
    find_primary_scale,
)
from predict.cohort._read import read_table
from predict.cohort._validate import validate_table
from predict.exceptions import CohortError, CohortWarning

if TYPE_CHECKING:
    from predict.cohort._timepoint import TimePoint
    from predict.cohort._visits import Visits
    from predict.raw import RawOptions, RawReport

__all__ = ["CLINICAL_COLUMNS", "Cohort", "read_cohort"]

#: Columns of the ``clinical`` modality.
CLINICAL_COLUMNS: tuple[str, ...] = (
    "age",
    "sex",
    "diagnosis",
    "protocol",
    "n_prior_treatments",
    "baseline_hamd17",
    "baseline_madrs",
)


@dataclass(frozen=True, eq=False)
class Cohort:
    """A cohort table that follows the contract, and what was found in it.

    Build one with :func:`read_cohort`; the attributes describe the table so
    feature builders, the engine and the CLI need not rediscover it.

    Attributes
    ----------
    data : pandas.DataFrame of shape (n_patients, n_columns)
        Parsed table indexed by ``patient_id``: numbers as float, categories in
        their canonical spelling, derived ``response``, ``remission`` and
        ``pct_change`` where the scores allow. Ignored columns are dropped.
    modalities : tuple of str
        Modalities with at least one value (``"clinical"``, ``"tms_eeg"``,
        ``"tms_emg"``, ``"rest_eeg"``, ``"connectivity"``, ``"bdnf"``).
    marker_columns : mapping of str to tuple of str
        Marker columns per modality present in the table.
    primary_scale : {"hamd17", "madrs"} or None
        Scale the outcomes are derived from.
    outcome_columns : tuple of str
        Outcome columns with at least one value.
    site_column : str or None
        ``"site"`` when the table has sites.
    path_columns : tuple of str
        Raw-recording path columns with at least one value.
    ignored_columns : tuple of str
        Columns outside the contract, never used as features.
    source : pathlib.Path or None
        The file read, ``None`` for a DataFrame.
    visits : Visits or None
        The visits table read with it (``read_cohort(..., visits=...)``);
        after :meth:`at`, only the visits eligible at the time point.
    time_point : TimePoint or None
        Set by :meth:`at`: when predictions from this cohort are made.
    raw_options : RawOptions or None
        The options its path columns' files were read with (see
        :meth:`read_raw`); ``None`` while they are unread.
    raw_report : RawReport or None
        What reading them gave (files read, failures, quality control);
        ``None`` while unread or without path columns.
    folder : pathlib.Path or None
        Folder relative raw-file paths resolve against, when given to
        :func:`read_cohort` (otherwise the table file's folder).
    missing_spellings : mapping of str to int
        Cells of number and category columns read as missing, per spelling as
        written (``""`` for empty; the others are ``n/a``, ``NA``, ``NaN`` and
        ``NULL`` in any case).
    """

    data: pd.DataFrame
    modalities: tuple[str, ...]
    marker_columns: Mapping[str, tuple[str, ...]]
    primary_scale: str | None
    outcome_columns: tuple[str, ...]
    site_column: str | None
    path_columns: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    source: Path | None
    visits: Visits | None = None
    time_point: TimePoint | None = None
    raw_options: RawOptions | None = None
    raw_report: RawReport | None = None
    folder: Path | None = None
    missing_spellings: Mapping[str, int] = field(default_factory=dict)

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the parsed table, identical for the same data in any format."""
        return _fingerprint(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        where = f", source='{self.source}'" if self.source else ""
        return (
            f"Cohort(n_patients={len(self)}, modalities={list(self.modalities)}, "
            f"primary_scale={self.primary_scale!r}{where})"
        )

    @property
    def patient_ids(self) -> pd.Index:
        """Patient ids in table order."""
        return self.data.index

    @property
    def base_dir(self) -> Path | None:
        """Folder that relative raw-file paths are resolved against."""
        if self.folder is not None:
            return self.folder
        return self.source.parent if self.source is not None else None

    def read_raw(self, options: RawOptions | None = None) -> Cohort:
        """Return the cohort with the markers its path columns' files give.

        The package's one raw stage: :func:`read_cohort` (``raw=``), training,
        feature building, workers and scoring all read files through here, so
        they see the same markers. Reading again with the options already
        used returns the cohort itself (files are cached by content).

        Parameters
        ----------
        options : RawOptions or None, default=None
            Reader options (a config's ``raw:`` block); defaults when ``None``.

        Returns
        -------
        cohort : Cohort
            Re-validated with each file's markers in its modality's columns,
            with :attr:`raw_options` and :attr:`raw_report` set.

        Raises
        ------
        RawExtractionError
            With ``on_error: "error"``, for the first file that gives no
            markers, naming the patient, the path column and the file.
        """
        from predict.raw import RawOptions, read_raw_markers

        options = options if options is not None else RawOptions()
        if self.raw_options == options:
            return self
        return read_raw_markers(self, options)[0]

    @property
    def sites(self) -> list[str]:
        """Sorted distinct sites (empty without a site column)."""
        if self.site_column is None:
            return []
        return sorted(self.data[self.site_column].dropna().unique())

    def at(
        self,
        *,
        day: float | None = None,
        visit: str | None = None,
        time_point: TimePoint | None = None,
    ) -> Cohort:
        """Return the cohort as known at a prediction time.

        The only place visits reach features: later visits are dropped and
        the eligible ones become ``visit__*`` columns of :attr:`data` (see
        :func:`predict.cohort._timepoint.cohort_at`).

        Parameters
        ----------
        day : float or None, default=None
            Days since the first treatment session.
        visit : str or None, default=None
            A visit label (``"w1"``): each patient's own day of it.
        time_point : TimePoint or None, default=None
            A resolved time point (from a bundle) instead of ``day``/``visit``.

        Returns
        -------
        cohort : Cohort

        Examples
        --------
        >>> from predict import read_cohort, simulate_cohort
        >>> from predict.cohort import simulate_visits
        >>> table = simulate_cohort(40, seed=0)
        >>> cohort = read_cohort(table, visits=simulate_visits(40, seed=0))
        >>> "visit__hamd17__last" in cohort.at(visit="w1").data
        True
        """
        from predict.cohort._timepoint import cohort_at

        return cohort_at(self, day=day, visit=visit, time_point=time_point)

    def modality_mask(self, modality: str) -> pd.Series:
        """Return, per patient, whether any value of a modality is present.

        Parameters
        ----------
        modality : str
            A name from :attr:`modalities` (or any known modality).

        Returns
        -------
        present : pandas.Series of bool, indexed by patient_id
        """
        columns = [c for c in self.marker_columns.get(modality, ()) if c in self.data]
        if not columns:
            return pd.Series(False, index=self.data.index)
        return self.data[columns].notna().any(axis=1)

    def modality_coverage(self) -> pd.Series:
        """Return the share of patients that have each modality, in [0, 1]."""
        names = ("clinical", *MODALITY_PREFIXES)
        return pd.Series(
            {m: float(self.modality_mask(m).mean()) for m in names}, name="coverage"
        )


def _marker_columns(table: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {"clinical": []}
    for column in table.columns:
        if column in CLINICAL_COLUMNS:
            found["clinical"].append(column)
        elif (modality := modality_of(column)) is not None:
            found.setdefault(modality, []).append(column)
    return {m: tuple(cols) for m, cols in found.items() if cols}


def _fingerprint(table: pd.DataFrame) -> str:
    """SHA-256 over column names and per-row hashes of the parsed values."""
    ordered = table.sort_index(axis=1)
    digest = hashlib.sha256("\x1f".join(map(str, ordered.columns)).encode("utf-8"))
    rows = pd.util.hash_pandas_object(ordered.astype(object), index=True)
    digest.update(rows.to_numpy().tobytes())
    return digest.hexdigest()


def _warn_empty(table: pd.DataFrame, path: Path | None) -> None:
    """Warn, as for an ignored column, about contract columns a file leaves empty.

    Marker columns of a modality whose path column is in the table are
    skipped (the files fill them), and so are outcomes and endpoints.
    """
    if path is None or len(table) < 2:
        return
    filled = {PATH_COLUMNS[c] for c in PATH_COLUMNS if c in table.columns}
    empty = [
        str(c)
        for c in table.columns
        if c not in NOT_INPUT
        and c not in PATH_COLUMNS
        and (modality_of(str(c)) not in filled or modality_of(str(c)) is None)
        and table[c].isna().all()
    ]
    if empty:
        warnings.warn(
            f"Ignoring {len(empty)} column(s) without any value "
            f"({', '.join(repr(c) for c in empty)}): they are never used as "
            "features. Fill them or leave them out of the table.",
            CohortWarning,
            stacklevel=3,
        )


def read_cohort(
    source: str | Path | pd.DataFrame,
    *,
    primary_scale: str | None = None,
    visits: str | Path | pd.DataFrame | None = None,
    raw: RawOptions | None = None,
    base_dir: str | Path | None = None,
) -> Cohort:
    """Read and validate a cohort table.

    Parameters
    ----------
    source : str, path-like or pandas.DataFrame
        A CSV, TSV (a BIDS ``participants.tsv`` included) or Parquet file, or a
        DataFrame with the contract's columns.
    primary_scale : {"hamd17", "madrs"}, default=None
        Scale the outcomes are derived from; by default HAMD-17 when present,
        MADRS otherwise.
    visits : str, path-like, pandas.DataFrame or None, default=None
        A visits table (one row per patient and visit, see the contract's
        "Visits" section), validated against the cohort's patients and, when
        the table has an ``endpoint_day`` column, its endpoints.
    raw : RawOptions or None, default=None
        Read the files named by the path columns with these options (a
        config's ``raw:`` block, see :meth:`Cohort.read_raw`) and fill their
        markers in; ``None`` leaves the files unread (training and scoring
        read them with their config's options).
    base_dir : str, path-like or None, default=None
        Folder relative raw-file paths resolve against; by default the table
        file's folder (the working directory for a DataFrame).

    Returns
    -------
    cohort : Cohort
        The validated table and what was found in it.

    Raises
    ------
    CohortError
        Listing every problem, each with the column, the first offending
        patient ids and what was expected (a ``VisitsError`` for the
        visits table).
    RawExtractionError
        With ``raw`` given and its ``on_error: "error"``, for the first file
        that gives no markers.

    Warns
    -----
    CohortWarning
        Once, naming the columns outside the contract that are ignored.
    VisitsWarning
        For a visit label used with different days across patients, and for
        visits columns outside the contract.

    Examples
    --------
    >>> from predict import read_cohort, simulate_cohort
    >>> cohort = read_cohort(simulate_cohort(50, seed=0))
    >>> len(cohort), cohort.primary_scale
    (50, 'hamd17')
    """
    if isinstance(source, pd.DataFrame):
        read, path = source, None
    else:
        path = Path(source)
        read = read_table(path)
    result = validate_table(read)
    problems = result.problems
    table = result.table
    scale = None
    if len(table.columns):
        check_endpoints(table, problems)
        scale = find_primary_scale(table, primary_scale, problems)
        table = derive_outcomes(table, scale, problems)
    if problems:
        raise CohortError(problems)
    if result.ignored:
        warnings.warn(
            f"Ignoring {len(result.ignored)} column(s) outside the cohort contract "
            f"({', '.join(repr(c) for c in result.ignored)}): they are never used "
            "as features. Rename a marker with its modality prefix (tep_, emg_, "
            "eeg_, fc_, bdnf_) to use it.",
            CohortWarning,
            stacklevel=2,
        )
    _warn_empty(table, path)
    markers = _marker_columns(table)
    present = tuple(
        m for m, cols in markers.items() if table[list(cols)].notna().any().any()
    )
    modalities = tuple(m for m in ("clinical", *MODALITY_PREFIXES) if m in present)
    visit_table = None
    if visits is not None:
        from predict.cohort._visits import read_visits

        endpoint = table["endpoint_day"] if "endpoint_day" in table else None
        visit_table = read_visits(visits, table.index, endpoint_days=endpoint)
    cohort = Cohort(
        data=table,
        modalities=modalities,
        marker_columns=markers,
        primary_scale=scale,
        outcome_columns=tuple(
            c for c in OUTCOME_COLUMNS if c in table and table[c].notna().any()
        ),
        site_column="site" if "site" in table and table["site"].notna().any() else None,
        path_columns=tuple(
            c for c in PATH_COLUMNS if c in table and table[c].notna().any()
        ),
        ignored_columns=tuple(result.ignored),
        source=path,
        visits=visit_table,
        folder=Path(base_dir) if base_dir is not None else None,
        missing_spellings=result.missing_spellings,
    )
    return cohort if raw is None else cohort.read_raw(raw)
