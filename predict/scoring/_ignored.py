"""Warn when patients bring a modality the model was trained without.

A bundle trained with ``features: auto`` (or ``optional: true``) on a cohort
without, say, connectivity has no connectivity builder: a new patient's
``fc_*`` values cannot reach the model. They are ignored, and the caller is
told once per scoring call: by :func:`~predict.scoring._input.read_input` for
the full path (``predict``, ``explain``, the MLflow pyfunc) and by
:meth:`ResponsePredictor.predict` for the fast path, which skips it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import pandas as pd

from predict.cohort._contract import PATH_COLUMNS
from predict.exceptions import IgnoredModalityWarning

__all__ = ["ignored_modalities", "left_out_limitations", "warn_ignored"]


def ignored_modalities(
    metadata: Mapping[str, Any], columns: Mapping[str, Any] | pd.DataFrame
) -> list[tuple[str, str]]:
    """Return the left-out modalities with a value in the input.

    Parameters
    ----------
    metadata : mapping
        A bundle's metadata; its ``features["left_out"]`` names the builders
        left out in training with the columns they read.
    columns : mapping of str to array-like
        The parsed input columns (markers from raw files included).

    Returns
    -------
    ignored : list of (label, columns)
        For example ``[("connectivity", "fc_*")]``.

    Examples
    --------
    >>> meta = {"features": {"left_out": {"connectivity": {
    ...     "label": "connectivity", "prefix": "fc_", "columns": []}}}}
    >>> ignored_modalities(meta, {"fc_sgacc_dlpfc_z": [-0.2], "age": [40]})
    [('connectivity', 'fc_*')]
    """
    left_out = (metadata.get("features") or {}).get("left_out") or {}
    out = []
    for name, info in left_out.items():
        prefix = info.get("prefix")
        named = set(info.get("columns") or [])
        mine = [
            str(c)
            for c in columns
            if c not in PATH_COLUMNS
            and (c in named or (prefix and str(c).startswith(prefix)))
        ]
        if any(not pd.isna(pd.Series(columns[c], dtype=object)).all() for c in mine):
            what = f"{prefix}*" if prefix else ", ".join(sorted(mine))
            out.append((str(info.get("label") or name), what))
    return out


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def warn_ignored(
    metadata: Mapping[str, Any],
    columns: Mapping[str, Any] | pd.DataFrame,
    *,
    stacklevel: int = 3,
) -> None:
    """Warn once if the input has values of a modality the model was trained without.

    Parameters
    ----------
    metadata : mapping
        A bundle's metadata.
    columns : mapping of str to array-like
        The parsed input columns (a table too).
    stacklevel : int, default=3
        Where the warning points: 3 is the caller of the function calling this.

    Warns
    -----
    IgnoredModalityWarning
        ``"The model was trained without connectivity; fc_* columns
        ignored."``
    """
    ignored = ignored_modalities(metadata, columns)
    if not ignored:
        return
    labels = _join([label for label, _ in ignored])
    what = _join([cols for _, cols in ignored])
    warnings.warn(
        f"The model was trained without {labels}; {what} columns ignored.",
        IgnoredModalityWarning,
        stacklevel=stacklevel,
    )


def left_out_limitations(metadata: Mapping[str, Any]) -> list[str]:
    """Return the model card's limitation for each modality left out in training.

    Examples
    --------
    >>> meta = {"features": {"left_out": {"bdnf": {
    ...     "label": "BDNF", "prefix": "bdnf_", "reason": "none measured"}}}}
    >>> left_out_limitations(meta)[0]
    "Trained without BDNF (none measured): new patients' bdnf_* columns are ignored."
    """
    left_out = (metadata.get("features") or {}).get("left_out") or {}
    out = []
    for name, info in left_out.items():
        what = f"{info['prefix']}*" if info.get("prefix") else name
        out.append(
            f"Trained without {info['label']} ({info['reason']}): new patients' "
            f"{what} columns are ignored."
        )
    return out
