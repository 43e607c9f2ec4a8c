"""Brain-derived neurotrophic factor: serum level and Val66Met genotype."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from predict.cohort._contract import CATEGORIES
from predict.features._base import (
    Columns,
    FeatureBuilder,
    Recipe,
    missing,
    numeric,
    safe_log,
)

__all__ = ["BDNFFeatures", "HIGH_FREQUENCY_PROTOCOLS"]

#: Excitatory, high-frequency protocols: 10 Hz rTMS, intermittent theta burst
#: and deep TMS (18 Hz). Met carriers responded less to these in Cheng et al.
#: (2022); 1 Hz rTMS and continuous theta burst are inhibitory.
HIGH_FREQUENCY_PROTOCOLS: tuple[str, ...] = ("10Hz", "iTBS", "dTMS")

_MET_ALLELES = {"Val/Val": 0.0, "Val/Met": 1.0, "Met/Met": 2.0}


class BDNFFeatures(FeatureBuilder):
    """BDNF features.

    Numeric ``bdnf_*`` columns pass through (``bdnf_serum_ng_ml`` in ng/mL).
    Derived:

    - ``log_serum``: natural log of serum BDNF in ng/mL (NaN for 0, below
      detection).
    - ``met_carrier``: 1 for Val/Met or Met/Met, 0 for Val/Val (dominant
      coding); NaN for a missing genotype.
    - ``met_alleles``: 0, 1 or 2 Met alleles (additive coding); NaN if missing.
    - ``met_x_high_freq``: ``met_carrier`` times 1 for a high-frequency
      protocol (see ``high_freq_protocols``), the moderation reported by Cheng
      et al. (2022); NaN when genotype or protocol is missing.
    - ``present``: 1 when the patient has any BDNF value.

    Parameters
    ----------
    high_freq_protocols : tuple of str or None, default=None
        Protocols counted as high frequency; ``None`` uses
        :data:`HIGH_FREQUENCY_PROTOCOLS`.

    Attributes
    ----------
    columns_ : list of str
        ``bdnf_*`` columns found in the training table.
    derived_ : list of str
        Derived features whose source columns were present.
    feature_names_out_ : ndarray of str
        Output feature names.
    n_features_in_ : int
        Number of columns seen in ``fit``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"bdnf_val66met": ["Val/Met", "Val/Val", None],
    ...                       "protocol": ["10Hz", "10Hz", "10Hz"]})
    >>> out = BDNFFeatures().set_output(transform="pandas").fit_transform(table)
    >>> out["met_x_high_freq"].tolist()
    [1.0, 0.0, nan]
    """

    modality: ClassVar[str] = "bdnf"
    prefix: ClassVar[str | None] = "bdnf_"
    label: ClassVar[str] = "BDNF"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "high_freq_protocols": [tuple, list, None],
    }

    def __init__(self, *, high_freq_protocols: tuple[str, ...] | None = None) -> None:
        self.high_freq_protocols = high_freq_protocols

    def _passthrough(self) -> list[str]:
        return [c for c in self.columns_ if c != "bdnf_val66met"]

    def _learn(self, frame: pd.DataFrame) -> None:
        protocols = self.high_freq_protocols
        protocols = HIGH_FREQUENCY_PROTOCOLS if protocols is None else protocols
        unknown = sorted(set(protocols) - set(CATEGORIES["protocol"]))
        if unknown:
            raise ValueError(
                "The 'high_freq_protocols' parameter of BDNFFeatures names unknown "
                f"protocols {unknown}: expected some of "
                f"{', '.join(CATEGORIES['protocol'])}."
            )
        self.high_freq_protocols_ = tuple(protocols)

    def _recipes(self) -> dict[str, Recipe]:
        genotype = "bdnf_val66met"
        return {
            "log_serum": (
                ("bdnf_serum_ng_ml",),
                lambda f: safe_log(numeric(f, "bdnf_serum_ng_ml")),
            ),
            "met_carrier": ((genotype,), _met_carrier),
            "met_alleles": ((genotype,), _met_alleles),
            "met_x_high_freq": ((genotype, "protocol"), self._interaction),
        }

    def _interaction(self, columns: Columns) -> np.ndarray:
        protocol = columns["protocol"]
        high = np.isin(protocol, list(self.high_freq_protocols_)).astype(float)
        return _met_carrier(columns) * np.where(missing(protocol), np.nan, high)


def _met_alleles(columns: Columns) -> np.ndarray:
    return np.array(
        [
            _MET_ALLELES.get(g, np.nan) if isinstance(g, str) else np.nan
            for g in columns["bdnf_val66met"]
        ],
        dtype=float,
    )


def _met_carrier(columns: Columns) -> np.ndarray:
    alleles = _met_alleles(columns)
    return np.where(np.isnan(alleles), np.nan, (alleles > 0).astype(float))
