"""TMS-EEG evoked potentials at the stimulated DLPFC (``tep_*`` columns)."""

from __future__ import annotations

from numbers import Real
from typing import Any, ClassVar

from sklearn.utils._param_validation import Interval

from predict.features._base import FeatureBuilder, Recipe, numeric, safe_ratio

__all__ = ["TMSEEGFeatures"]


class TMSEEGFeatures(FeatureBuilder):
    """TMS-evoked potential features.

    Every ``tep_*`` column passes through (amplitudes in µV, latencies in ms,
    ``tep_gmfp_auc`` the global mean field power area in µV·s). Derived:

    - ``n45_n100_ratio``: ``tep_n45_amp_uv / tep_n100_amp_uv``, the balance of
      the GABA-A-related N45 to the GABA-B-related N100 (both usually
      negative, so the ratio is usually positive). NaN when
      ``|N100| <= min_n100_uv``, where the ratio is unstable.
    - ``p60_n100_p2p``: ``tep_p60_amp_uv - tep_n100_amp_uv``, the P60-N100
      peak-to-peak amplitude in µV.
    - ``present``: 1 when the patient has any TMS-EEG marker, 0 otherwise.

    Parameters
    ----------
    min_n100_uv : float, default=0.5
        Smallest N100 magnitude (µV) for which the N45/N100 ratio is computed.

    Attributes
    ----------
    columns_ : list of str
        ``tep_*`` columns found in the training table.
    derived_ : list of str
        Derived features whose source columns were present.
    feature_names_out_ : ndarray of str
        Output feature names.
    n_features_in_ : int
        Number of columns seen in ``fit``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"tep_n45_amp_uv": [-3.0], "tep_p60_amp_uv": [4.0],
    ...                       "tep_n100_amp_uv": [-6.0]})
    >>> TMSEEGFeatures().set_output(transform="pandas").fit_transform(table)[
    ...     ["n45_n100_ratio", "p60_n100_p2p"]].iloc[0].tolist()
    [0.5, 10.0]
    """

    modality: ClassVar[str] = "tms_eeg"
    prefix: ClassVar[str | None] = "tep_"
    label: ClassVar[str] = "TMS-EEG"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "min_n100_uv": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, *, min_n100_uv: float = 0.5) -> None:
        self.min_n100_uv = min_n100_uv

    def _recipes(self) -> dict[str, Recipe]:
        n45, p60, n100 = "tep_n45_amp_uv", "tep_p60_amp_uv", "tep_n100_amp_uv"
        return {
            "n45_n100_ratio": (
                (n45, n100),
                lambda f: safe_ratio(
                    numeric(f, n45), numeric(f, n100), self.min_n100_uv
                ),
            ),
            "p60_n100_p2p": ((p60, n100), lambda f: numeric(f, p60) - numeric(f, n100)),
        }
