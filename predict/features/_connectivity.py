"""Functional connectivity (``fc_*`` columns)."""

from __future__ import annotations

from typing import ClassVar

from predict.features._base import FeatureBuilder

__all__ = ["ConnectivityFeatures"]


class ConnectivityFeatures(FeatureBuilder):
    """Functional connectivity features.

    Every ``fc_*`` column passes through as a Fisher-z value. Sign convention,
    kept from the data: a more negative ``fc_sgacc_dlpfc_z`` means the
    subgenual cingulate and the left DLPFC are more anticorrelated, which Fox
    et al. (2012, Biol Psychiatry 72:595-603) linked to better rTMS response;
    no sign is flipped. ``present`` is 1 when the patient has any connectivity
    value.

    Attributes
    ----------
    columns_ : list of str
        ``fc_*`` columns found in the training table.
    feature_names_out_ : ndarray of str
        Output feature names.
    n_features_in_ : int
        Number of columns seen in ``fit``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"fc_sgacc_dlpfc_z": [-0.3, None]})
    >>> ConnectivityFeatures().fit(table).get_feature_names_out().tolist()
    ['fc_sgacc_dlpfc_z', 'present']
    """

    modality: ClassVar[str] = "connectivity"
    prefix: ClassVar[str | None] = "fc_"
    label: ClassVar[str] = "connectivity"

    def __init__(self) -> None:
        pass
