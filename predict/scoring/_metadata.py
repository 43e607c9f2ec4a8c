"""What a bundle's ``metadata.json`` and ``oof.csv`` may hold, checked on load.

A bundle may come from someone else: its metadata is parsed with a size
bound and validated by a pydantic schema (bounded lengths, finite numbers, a
threshold in [0, 1], numbers that are JSON numbers, never text), including
the fields scoring reads (``features``, ``predict_at``, ``visit_columns``);
a malformed field is a :class:`BundleError` naming it.
Fields this schema does not know are kept as they are (newer bundles may add
some) but never interpreted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from predict.scoring._manifest import BundleError, bounded_json

__all__ = ["read_metadata", "read_oof"]

_Name = Annotated[str, Field(max_length=256)]
# Numbers are strict: JSON text ("0.5") or a boolean is not a number here.
_Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]
_Float = Annotated[float, Field(strict=True)]
_Count = Annotated[int, Field(strict=True, ge=0, le=10**9)]
_Probability = Annotated[float, Field(strict=True, ge=0, le=1, allow_inf_nan=False)]
_MAX_ITEMS = 10_000
_MAX_OOF_BYTES = 64 << 20


class _LeftOut(BaseModel):
    """A builder left out at training: scoring recognises its columns."""

    model_config = ConfigDict(extra="allow", frozen=True)

    reason: Annotated[str, Field(max_length=2000)]
    label: _Name
    prefix: _Name | None = None
    columns: list[_Name] = Field(default=[], max_length=_MAX_ITEMS)


class _Features(BaseModel):
    """``ResolvedFeatures.to_dict()``: the builders used and left out."""

    model_config = ConfigDict(extra="allow", frozen=True)

    requested: _Name
    used: list[_Name] = Field(max_length=1000)
    left_out: dict[_Name, _LeftOut] = Field(default={}, max_length=1000)


class _TimePoint(BaseModel):
    """``TimePoint.to_dict()``: when the model predicts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    day: _Finite
    visit: _Name | None = None


class _Metadata(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    format: int = Field(strict=True, ge=1, le=1)
    name: _Name
    package_version: _Name
    task: Literal["binary", "regression"]
    target: _Name
    headline: _Name
    threshold: _Probability | None
    final_params: dict[_Name, Any] = Field(max_length=1000)
    metrics: dict[_Name, dict[_Name, _Float | None]] = Field(max_length=1000)
    permutation_p: _Probability | None = None
    n_patients: _Count
    n_excluded: _Count
    fingerprint: _Name
    primary_scale: _Name | None = None
    modalities: list[_Name] = Field(max_length=100)
    sites: list[_Name] = Field(max_length=_MAX_ITEMS)
    training_ranges: dict[_Name, tuple[_Finite, _Finite]] = Field(max_length=_MAX_ITEMS)
    input_columns: list[_Name] = Field(max_length=_MAX_ITEMS)
    features: _Features | None = None
    predict_at: _TimePoint | None = None
    visit_columns: list[_Name] = Field(default=[], max_length=_MAX_ITEMS)
    config: dict[_Name, Any]

    @field_validator("config")
    @classmethod
    def _sections(cls, config: dict[str, Any]) -> dict[str, Any]:
        for section in ("model", "raw", "features", "cv", "evaluation"):
            if section in config and not isinstance(config[section], dict):
                if section == "features" and config[section] == "auto":
                    continue  # features: auto, resolved in metadata["features"]
                raise ValueError(f"config.{section} must be a mapping")
        model = config.get("model", {})
        if not isinstance(model.get("name", ""), str):
            raise ValueError("config.model.name must be text")
        return config

    @field_validator("training_ranges")
    @classmethod
    def _ordered(
        cls, ranges: dict[str, tuple[float, float]]
    ) -> dict[str, tuple[float, float]]:
        for column, (low, high) in ranges.items():
            if low > high:
                raise ValueError(f"range of {column} has low > high")
        return ranges


def read_metadata(path: Path) -> dict[str, Any]:
    """Return a bundle's ``metadata.json`` after checking every field.

    Parameters
    ----------
    path : pathlib.Path
        The ``metadata.json`` file.

    Returns
    -------
    metadata : dict
        The file's content (training ranges as lists, as written).

    Raises
    ------
    BundleError
        Naming the first malformed field, or when the file is not bounded JSON.
    """
    raw = bounded_json(path)
    if not isinstance(raw, dict):
        raise BundleError(f"Bundle file '{path.name}' must hold a JSON object.")
    try:
        _Metadata.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"]) or "(root)"
        raise BundleError(
            f"Bundle file '{path.name}' has a malformed field '{field}': "
            f"{error['msg']}."
        ) from None
    from predict.raw import RawOptions

    try:
        RawOptions.model_validate(raw["config"].get("raw", {}))
    except (ValidationError, AttributeError):
        raise BundleError(
            f"Bundle file '{path.name}' has a malformed field 'config.raw'."
        ) from None
    return raw


def read_oof(path: Path, task: str) -> pd.DataFrame:
    """Return a bundle's out-of-fold predictions after checking them.

    Parameters
    ----------
    path : pathlib.Path
        The ``oof.csv`` file.
    task : {"binary", "regression"}
        Which prediction column it must hold.

    Returns
    -------
    oof : pandas.DataFrame
        ``repeat``, ``fold``, ``y_true`` and ``y_prob`` (binary) or ``y_pred``.

    Raises
    ------
    BundleError
        When the file is too large, not a CSV, lacks a column or holds
        non-finite numbers (or, for binary targets, values outside 0-1).
    """
    column = "y_prob" if task == "binary" else "y_pred"
    expected = ["repeat", "fold", "y_true", column]
    if path.stat().st_size > _MAX_OOF_BYTES:
        raise BundleError(f"Bundle file '{path.name}' is too large.")
    try:
        oof = pd.read_csv(path, encoding="utf-8")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError):
        raise BundleError(f"Bundle file '{path.name}' is not a CSV table.") from None
    missing = [c for c in expected if c not in oof.columns]
    if missing or oof.empty:
        raise BundleError(
            f"Bundle file '{path.name}' must have the columns "
            f"{', '.join(expected)} and one row per prediction."
        )
    oof = oof[expected]
    try:
        values = oof.to_numpy(dtype=float)
    except (ValueError, TypeError):
        raise BundleError(
            f"Bundle file '{path.name}' holds non-numeric values."
        ) from None
    if not np.isfinite(values).all():
        raise BundleError(f"Bundle file '{path.name}' holds non-finite values.")
    if task == "binary":
        if not ((values[:, 2:] >= 0) & (values[:, 2:] <= 1)).all():
            raise BundleError(
                f"Bundle file '{path.name}' holds outcomes or probabilities "
                "outside 0-1."
            )
    return oof.astype(float)
