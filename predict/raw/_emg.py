"""TMS-EMG trial tables to the ``emg_*`` marker columns."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from predict.exceptions import UsageError
from predict.raw._common import Extraction, RawFileError, check_file, check_shape

__all__ = ["CONDITIONS", "EmgOptions", "extract_emg", "write_emg"]

#: Trial conditions of the contract: test pulse alone, then paired pulses.
CONDITIONS = ("test", "sici", "icf", "lici")
#: Marker of each conditioned (paired-pulse) condition.
RATIOS = {"sici": "emg_sici_ratio", "icf": "emg_icf_ratio", "lici": "emg_lici_ratio"}
REQUIRED = ("condition", "isi_ms", "mep_amp_mv")
#: Inter-stimulus intervals (ms) the writer draws from, per condition.
_ISI_MS = {"sici": (2.0, 2.5, 3.0), "icf": (10.0, 12.0, 15.0), "lici": (100.0,)}


class EmgOptions(BaseModel):
    """How MEP trials become excitability markers.

    Parameters
    ----------
    min_mep_mv : float, default=0.0
        Smallest kept MEP amplitude (mV, inclusive). Peak-to-peak amplitudes
        cannot be negative; the default keeps tiny conditioned MEPs, since
        dropping them would understate strong inhibition (SICI/LICI).
    max_mep_mv : float, default=20.0
        Largest kept MEP amplitude (mV, inclusive), the contract's upper
        plausible MEP; larger values are artefacts or unit errors (µV).
    min_trials : int, default=5
        Fewest kept trials for a condition to count. Fewer test trials reject
        the file; fewer conditioned trials make that ratio NaN.
    statistic : {"mean", "median"}, default="mean"
        Summary of each condition's kept amplitudes. The mean is the usual
        paired-pulse convention (ratio of mean conditioned to mean test MEP);
        the median resists outlying trials.
    aliases : dict of str to str, default={}
        Further condition labels of the file and the contract condition each
        means, for example ``{"ts": "test", "sici_2ms": "sici"}``. Labels are
        matched case-insensitively; the contract names always work.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_mep_mv: float = Field(0.0, ge=0)
    max_mep_mv: float = Field(20.0, gt=0)
    min_trials: int = Field(5, ge=1)
    statistic: Literal["mean", "median"] = "mean"
    aliases: dict[str, str] = Field(default_factory=dict)

    @field_validator("aliases")
    @classmethod
    def _check_aliases(cls, aliases: dict[str, str]) -> dict[str, str]:
        for label, condition in aliases.items():
            if condition not in CONDITIONS:
                raise ValueError(
                    f"alias {label!r} maps to {condition!r}; expected one of "
                    f"{', '.join(CONDITIONS)}."
                )
        return {k.strip().lower(): v for k, v in aliases.items()}

    @model_validator(mode="after")
    def _check_bounds(self) -> EmgOptions:
        if self.min_mep_mv >= self.max_mep_mv:
            raise ValueError(
                f"min_mep_mv ({self.min_mep_mv}) must be below max_mep_mv "
                f"({self.max_mep_mv})."
            )
        return self


def extract_emg(path: str | Path, options: EmgOptions | None = None) -> Extraction:
    """Test MEP amplitude and SICI/ICF/LICI ratios from a trial table.

    Parameters
    ----------
    path : str or path-like
        ``.csv`` with one row per MEP trial and the columns ``condition``
        (``test``, ``sici``, ``icf``, ``lici``), ``isi_ms`` (empty for test
        pulses) and ``mep_amp_mv`` (peak-to-peak, mV). Column names are
        matched case-insensitively; other columns are ignored.
    options : EmgOptions or None, default=None
        Bounds, minimum trials and statistic; ``None`` uses the defaults.

    Returns
    -------
    extraction : Extraction
        ``emg_mep_amp_mv`` (statistic of the kept test MEPs) and
        ``emg_sici_ratio``, ``emg_icf_ratio``, ``emg_lici_ratio``
        (statistic of the kept conditioned MEPs / that of the test MEPs;
        NaN when the condition is absent or has fewer than ``min_trials``
        kept trials). QC per condition: ``<condition>_kept`` and
        ``<condition>_dropped`` (outside the bounds or empty amplitude), and
        ``<condition>_isi_ms`` (median ISI of the kept trials) for the paired
        conditions present.

    Raises
    ------
    RawFileError
        If the file is missing, not ``.csv``, unreadable, lacks a required
        column, has unknown conditions or non-numeric values (with their
        line numbers), or has fewer than ``min_trials`` valid test trials.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = write_emg(pathlib.Path(folder.name) / "trials.csv",
    ...                  {"emg_mep_amp_mv": 1.2, "emg_sici_ratio": 0.5}, seed=0)
    >>> markers = extract_emg(path).markers
    >>> round(markers["emg_mep_amp_mv"], 9), round(markers["emg_sici_ratio"], 9)
    (1.2, 0.5)
    >>> markers["emg_icf_ratio"]
    nan
    >>> folder.cleanup()
    """
    options = EmgOptions() if options is None else options
    path = check_file(path, (".csv",))
    source = f"EMG trial file '{path}'"
    frame = _read(path, source)
    condition = _conditions(frame["condition"], options, source)
    amplitude = _numeric(frame["mep_amp_mv"], "mep_amp_mv", source)
    isi = _numeric(frame["isi_ms"], "isi_ms", source)
    kept = amplitude.between(options.min_mep_mv, options.max_mep_mv)
    qc: dict[str, float | int | str] = {}
    summary: dict[str, float] = {}
    for name in CONDITIONS:
        rows = condition == name
        qc[f"{name}_kept"] = int((rows & kept).sum())
        qc[f"{name}_dropped"] = int((rows & ~kept).sum())
        values = amplitude[rows & kept]
        if name != "test" and rows.any():
            qc[f"{name}_isi_ms"] = float(isi[rows & kept].median())
        if len(values) >= options.min_trials:
            summary[name] = float(getattr(values, options.statistic)())
    test_kept = int(qc["test_kept"])
    if "test" not in summary or summary["test"] <= 0:
        raise RawFileError(
            f"{source} has {test_kept} valid test trials (amplitude within "
            f"{options.min_mep_mv}-{options.max_mep_mv} mV, {qc['test_dropped']} "
            f"dropped): expected at least {options.min_trials} with a positive "
            f"{options.statistic}, which every ratio divides by."
        )
    markers = {"emg_mep_amp_mv": summary["test"]}
    for name, marker in RATIOS.items():
        markers[marker] = summary.get(name, math.nan) / summary["test"]
    return Extraction(markers=markers, qc=qc)


def write_emg(
    path: str | Path,
    markers: Mapping[str, float],
    *,
    seed: int | np.random.Generator,
    trials_per_condition: int = 15,
) -> Path:
    """Write a trial table whose means are exactly the given markers.

    Each condition's amplitudes come in pairs ``m * (1 + d)`` and
    ``m * (1 - d)`` (``d`` drawn in 0.05-0.5, shrunk so no trial exceeds 20
    mV), plus one trial at ``m`` when the count is odd, so their mean is the
    target ``m``: ``emg_mep_amp_mv`` for test pulses, the ratio times it for
    the paired conditions. ISIs are typical: SICI 2-3 ms, ICF 10-15 ms, LICI
    100 ms, empty for test pulses. Rows are shuffled (interleaved
    conditions) and numbered in a ``trial`` column.

    Parameters
    ----------
    path : str or path-like
        ``.csv`` file to write.
    markers : mapping of str to float
        ``emg_mep_amp_mv`` (finite, 0-20 mV, required) and any of
        ``emg_sici_ratio``, ``emg_icf_ratio``, ``emg_lici_ratio`` (0-5); a
        ratio that is absent or NaN leaves its condition out of the table.
    seed : int or numpy.random.Generator
        Random state.
    trials_per_condition : int, default=15
        Trials per condition (at least 5, the default ``min_trials``).

    Returns
    -------
    path : pathlib.Path
        The file written.

    Raises
    ------
    predict.exceptions.UsageError
        If a marker is missing or out of range, a conditioned mean would
        exceed 20 mV, or the path does not end in ``.csv``.
    """
    path = Path(path)
    if path.suffix.lower() != ".csv":
        raise UsageError(f"EMG trial file '{path}' must end in '.csv'.")
    if trials_per_condition < 5:
        raise UsageError(
            f"trials_per_condition must be at least 5; got {trials_per_condition}."
        )
    means = _means(markers)
    rng = np.random.default_rng(seed)
    rows = []
    for name, mean in means.items():
        half = trials_per_condition // 2
        spread = rng.uniform(0.05, 0.5, size=half) * min(1.0, 20.0 / mean - 1.0)
        values = [mean * (1 + d) for d in spread] + [mean * (1 - d) for d in spread]
        values += [mean] * (trials_per_condition % 2)
        isi = float(rng.choice(_ISI_MS[name])) if name in _ISI_MS else math.nan
        rows += [(name, isi, value) for value in values]
    frame = pd.DataFrame(rows, columns=list(REQUIRED)).iloc[rng.permutation(len(rows))]
    frame.insert(0, "trial", np.arange(1, len(frame) + 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def _means(markers: Mapping[str, float]) -> dict[str, float]:
    """Target mean amplitude per condition written, or a UsageError."""
    test = float(markers.get("emg_mep_amp_mv", math.nan))
    if not 0 < test <= 20:
        raise UsageError(f"write_emg needs emg_mep_amp_mv in (0, 20] mV; got {test}.")
    means = {"test": test}
    for name, marker in RATIOS.items():
        ratio = float(markers.get(marker, math.nan))
        if math.isnan(ratio):
            continue
        if not 0 < ratio <= 5 or test * ratio > 20:
            raise UsageError(
                f"write_emg cannot simulate {marker}={ratio} with emg_mep_amp_mv="
                f"{test}: expected a ratio in (0, 5] and a conditioned mean MEP up "
                f"to 20 mV."
            )
        means[name] = test * ratio
    return means


def _read(path: Path, source: str) -> pd.DataFrame:
    """Read the trial table, lower-case its column names and check required ones."""
    check_shape(
        path, source, sep=",", max_columns=64, max_rows=100_000, max_cells=2_000_000
    )
    try:
        frame = pd.read_csv(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise RawFileError(
            f"Cannot read {source} ({type(exc).__name__}). Expected a UTF-8 CSV "
            "with the columns "
            f"{', '.join(REQUIRED)}."
        ) from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise RawFileError(
            f"{source} lacks the column(s) {', '.join(missing)}. Expected one row "
            "per MEP trial with "
            f"{', '.join(REQUIRED)}."
        )
    if frame.empty:
        raise RawFileError(f"{source} has no trials: expected one row per MEP trial.")
    return frame


def _lines(mask: pd.Series) -> str:
    """File line numbers (header = line 1) of the first five true rows."""
    return ", ".join(str(i + 2) for i in np.flatnonzero(mask.to_numpy())[:5])


def _conditions(column: pd.Series, options: EmgOptions, source: str) -> pd.Series:
    """Contract condition of each trial, or an error listing unknown labels."""
    labels = column.astype("string").str.strip().str.lower()
    lookup = {c: c for c in CONDITIONS} | options.aliases
    mapped = labels.map(lookup)
    unknown = mapped.isna()
    if unknown.any():
        raise RawFileError(
            f"{source} has {int(unknown.sum())} trial(s) with an unknown condition "
            f"(lines {_lines(unknown)}): expected {', '.join(CONDITIONS)} "
            f"(or an alias set in the EMG options)."
        )
    return mapped.astype(str)


def _numeric(column: pd.Series, name: str, source: str) -> pd.Series:
    """``column`` as floats (empty cells NaN), or an error naming bad lines."""
    numbers = pd.to_numeric(column, errors="coerce").astype(float)
    bad = numbers.isna() & column.notna()
    if bad.any():
        unit = "mV" if name == "mep_amp_mv" else "ms"
        raise RawFileError(
            f"{source}: column {name!r} holds non-numeric values (lines "
            f"{_lines(bad)}); expected numbers in {unit}."
        )
    return numbers
