"""TMS-EMG cortical excitability at motor cortex (``emg_*`` columns)."""

from __future__ import annotations

from numbers import Real
from typing import Any, ClassVar

from sklearn.utils._param_validation import Interval

from predict.features._base import FeatureBuilder, Recipe, numeric, safe_log, safe_ratio

__all__ = ["TMSEMGFeatures"]

_RATIOS = ("sici", "icf", "lici")


class TMSEMGFeatures(FeatureBuilder):
    """Motor-cortex excitability features.

    Every ``emg_*`` column passes through (RMT in % MSO, MEP in mV, SICI/ICF/
    LICI as conditioned/test MEP ratios, CSP in ms). Derived:

    - ``log_sici``, ``log_icf``, ``log_lici``: natural log of each ratio, so
      facilitation and inhibition are symmetric around 0 (NaN for a ratio of
      0, which has no log).
    - ``icf_sici_balance``: ``emg_icf_ratio / emg_sici_ratio``, the
      excitation/inhibition balance (NaN when SICI <= ``min_ratio``).
    - ``log_mep``: natural log of the MEP amplitude, whose distribution is
      right-skewed.
    - ``present``: 1 when the patient has any TMS-EMG marker.

    Parameters
    ----------
    log_ratios : bool, default=True
        Add the log-ratios and ``log_mep``.
    min_ratio : float, default=0.01
        Smallest SICI ratio for which the ICF/SICI balance is computed.

    Attributes
    ----------
    columns_ : list of str
        ``emg_*`` columns found in the training table.
    derived_ : list of str
        Derived features whose source columns were present.
    feature_names_out_ : ndarray of str
        Output feature names.
    n_features_in_ : int
        Number of columns seen in ``fit``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"emg_sici_ratio": [0.5], "emg_icf_ratio": [1.5]})
    >>> out = TMSEMGFeatures().set_output(transform="pandas").fit_transform(table)
    >>> float(out.loc[0, "icf_sici_balance"])
    3.0
    """

    modality: ClassVar[str] = "tms_emg"
    prefix: ClassVar[str | None] = "emg_"
    label: ClassVar[str] = "TMS-EMG"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "log_ratios": ["boolean"],
        "min_ratio": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, *, log_ratios: bool = True, min_ratio: float = 0.01) -> None:
        self.log_ratios = log_ratios
        self.min_ratio = min_ratio

    def _recipes(self) -> dict[str, Recipe]:
        recipes: dict[str, Recipe] = {}
        if self.log_ratios:
            for name in _RATIOS:
                column = f"emg_{name}_ratio"
                recipes[f"log_{name}"] = ((column,), _log_of(column))
            recipes["log_mep"] = (("emg_mep_amp_mv",), _log_of("emg_mep_amp_mv"))
        sici, icf = "emg_sici_ratio", "emg_icf_ratio"
        recipes["icf_sici_balance"] = (
            (icf, sici),
            lambda f: safe_ratio(numeric(f, icf), numeric(f, sici), self.min_ratio),
        )
        return recipes


def _log_of(column: str) -> Any:
    return lambda frame: safe_log(numeric(frame, column))
