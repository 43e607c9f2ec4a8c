"""Resting-state EEG (``eeg_*`` columns) and the IAF-protocol match."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from predict.cohort._contract import CATEGORIES
from predict.features._base import Columns, FeatureBuilder, Recipe, numeric

__all__ = ["DEFAULT_TARGETS", "RestEEGFeatures"]

#: Stimulation rhythm (Hz) an individual alpha frequency is compared with, per
#: protocol. 10 Hz rTMS targets alpha directly (Corlier 2019, Roelofs 2021);
#: theta burst delivers its bursts at the 5 Hz theta rhythm (Huang 2005). 1 Hz
#: rTMS and deep TMS (18 Hz H1 coil) have no alpha-band target: their patients
#: get no distance (NaN, imputed or handled by the model as missing).
DEFAULT_TARGETS: dict[str, float] = {"10Hz": 10.0, "iTBS": 5.0, "cTBS": 5.0}


class RestEEGFeatures(FeatureBuilder):
    """Resting-state EEG features.

    Every ``eeg_*`` column passes through (``eeg_iaf_hz``,
    ``eeg_theta_frontal_rel``, ``eeg_alpha_asym``, extras). Derived:

    - ``iaf_target_distance``: ``|eeg_iaf_hz - target(protocol)|`` in Hz, how
      far the patient's individual alpha frequency is from the rhythm of the
      protocol (see :data:`DEFAULT_TARGETS`); NaN for protocols without a
      target (1 Hz, dTMS) and for a missing protocol.
    - ``present``: 1 when the patient has any resting-EEG marker.

    Parameters
    ----------
    targets : dict of str to float or None, default=None
        Protocol -> target frequency in Hz; ``None`` uses
        :data:`DEFAULT_TARGETS`. Protocols left out get no distance.

    Attributes
    ----------
    columns_ : list of str
        ``eeg_*`` columns found in the training table.
    targets_ : dict of str to float
        Targets in use.
    derived_ : list of str
        Derived features whose source columns were present.
    feature_names_out_ : ndarray of str
        Output feature names.
    n_features_in_ : int
        Number of columns seen in ``fit``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"eeg_iaf_hz": [9.0, 9.0, 9.0],
    ...                       "protocol": ["10Hz", "iTBS", "1Hz"]})
    >>> out = RestEEGFeatures().set_output(transform="pandas").fit_transform(table)
    >>> out["iaf_target_distance"].tolist()
    [1.0, 4.0, nan]
    """

    modality: ClassVar[str] = "rest_eeg"
    prefix: ClassVar[str | None] = "eeg_"
    label: ClassVar[str] = "resting EEG"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "targets": [dict, None],
    }

    def __init__(self, *, targets: dict[str, float] | None = None) -> None:
        self.targets = targets

    def _learn(self, frame: pd.DataFrame) -> None:
        targets = DEFAULT_TARGETS if self.targets is None else self.targets
        unknown = sorted(set(targets) - set(CATEGORIES["protocol"]))
        if unknown:
            valid = ", ".join(CATEGORIES["protocol"])
            raise ValueError(
                f"The 'targets' parameter of RestEEGFeatures names unknown protocols "
                f"{unknown}: expected some of {valid}."
            )
        self.targets_ = {k: float(v) for k, v in targets.items()}

    def _recipes(self) -> dict[str, Recipe]:
        return {
            "iaf_target_distance": (("eeg_iaf_hz", "protocol"), self._distance),
        }

    def _distance(self, columns: Columns) -> np.ndarray:
        targets = self.targets_
        target = np.array(
            [
                targets.get(p, np.nan) if isinstance(p, str) else np.nan
                for p in columns["protocol"]
            ],
            dtype=float,
        )
        return np.abs(numeric(columns, "eeg_iaf_hz") - target)
