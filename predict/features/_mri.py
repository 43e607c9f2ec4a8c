"""Structural MRI from FreeSurfer or FastSurfer (``mri_*`` columns)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from predict.features._base import (
    Columns,
    FeatureBuilder,
    Recipe,
    numeric,
    safe_ratio,
)

__all__ = ["ICV_COLUMN", "MRIFeatures"]

#: The estimated total intracranial volume (FreeSurfer's eTIV), in mm³.
ICV_COLUMN = "mri_icv_mm3"


def _is_volume(column: str) -> bool:
    volume = column.startswith("mri_") and column.endswith("_mm3")
    return volume and column != ICV_COLUMN


class MRIFeatures(FeatureBuilder):
    """Structural MRI features: regional volumes and cortical thickness.

    Columns read: every ``mri_*`` column of the table (canonically
    ``mri_hippocampus_vol_mm3``, ``mri_racc_thickness_mm``,
    ``mri_dlpfc_l_thickness_mm`` and ``mri_icv_mm3``), as FreeSurfer's
    ``aseg.stats`` and ``?h.aparc.stats`` give them (see
    :func:`predict.raw.extract_mri_stats`).

    - Thickness (``*_thickness_mm``) and other non-volume columns pass
      through in mm: thickness does not scale with head size the way volumes
      do.
    - Volumes (``*_mm3`` other than ``mri_icv_mm3``): with ``normalize_icv``
      each becomes ``<name>_icv``, the volume as a share of the estimated
      total intracranial volume (the proportion method; a hippocampus of
      8,000 mm³ in a 1,500,000 mm³ skull is 0.0053), NaN when the ICV is
      missing or not positive; otherwise it passes through in mm³.
    - ``mri_icv_mm3`` passes through (head size, a covariate in itself).
    - ``present``: 1 when the patient has any structural value.

    Parameters
    ----------
    normalize_icv : bool, default=True
        Replace each volume by its share of ``mri_icv_mm3``. Without an ICV
        column in the training table, volumes pass through unchanged.

    Attributes
    ----------
    columns_ : list of str
        ``mri_*`` columns found in the training table.
    derived_ : list of str
        ICV-normalised volumes.
    feature_names_out_ : ndarray of str
        Output feature names.
    n_features_in_ : int
        Number of columns seen in ``fit``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"mri_hippocampus_vol_mm3": [8000.0, None],
    ...                       "mri_icv_mm3": [1_600_000.0, None],
    ...                       "mri_racc_thickness_mm": [2.9, 2.7]})
    >>> out = MRIFeatures().set_output(transform="pandas").fit_transform(table)
    >>> out.columns.tolist()
    ['mri_icv_mm3', 'mri_racc_thickness_mm', 'hippocampus_vol_icv', 'present']
    >>> float(out.loc[0, "hippocampus_vol_icv"]), out["present"].tolist()
    (0.005, [1.0, 1.0])
    """

    modality: ClassVar[str] = "mri"
    label: ClassVar[str] = "structural MRI"
    prefix: ClassVar[str | None] = "mri_"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "normalize_icv": ["boolean"],
    }

    def __init__(self, *, normalize_icv: bool = True) -> None:
        self.normalize_icv = normalize_icv

    def _normalized(self) -> list[str]:
        """Volume columns replaced by their ICV share."""
        if not self.normalize_icv or ICV_COLUMN not in self.columns_:
            return []
        return [c for c in self.columns_ if _is_volume(c)]

    def _passthrough(self) -> list[str]:
        normalized = set(self._normalized())
        return [c for c in self.columns_ if c not in normalized]

    def _recipes(self) -> dict[str, Recipe]:
        if not hasattr(self, "columns_"):
            return {}
        return {
            f"{column[len('mri_') : -len('_mm3')]}_icv": (
                (column, ICV_COLUMN),
                _share_of(column),
            )
            for column in self._normalized()
        }


def _share_of(column: str) -> Callable[[Columns], np.ndarray]:
    return lambda f: _share(numeric(f, column), numeric(f, ICV_COLUMN))


def _share(volume: np.ndarray, icv: np.ndarray) -> np.ndarray:
    """Volume over ICV, NaN where the ICV is missing or not positive."""
    return safe_ratio(volume, np.where(icv > 0, icv, np.nan))
