"""Marker x protocol products, so a linear model can weigh markers per protocol."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

__all__ = ["ProtocolInteractions"]


class ProtocolInteractions(TransformerMixin, BaseEstimator):
    """Append each marker column times each protocol indicator column.

    Protocol indicators are the columns whose names start with ``prefix``;
    markers are the columns not starting with ``"clinical__"`` and not ending
    with ``"__present"``. The output is the input columns followed by, for
    each marker in column order, its product with each indicator. With no
    indicator (a single-protocol cohort) it passes the input through.

    Parameters
    ----------
    prefix : str, default="clinical__protocol_"
        Start of the protocol indicator columns' names.

    Attributes
    ----------
    protocols_ : ndarray of int
        Indices of the indicator columns.
    markers_ : ndarray of int
        Indices of the marker columns (none when there are no indicators).
    feature_sources_ : ndarray of int
        For each output column, the input column it came from: itself for the
        input columns, the marker for a product.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"clinical__protocol_10Hz": [1.0, 0.0],
    ...                   "clinical__protocol_iTBS": [0.0, 1.0],
    ...                   "tms_eeg__tep_n100_amp_uv": [2.0, 3.0]})
    >>> step = ProtocolInteractions().fit(X)
    >>> step.transform(X.to_numpy()).tolist()
    [[1.0, 0.0, 2.0, 2.0, 0.0], [0.0, 1.0, 3.0, 0.0, 3.0]]
    >>> step.get_feature_names_out()[-1]
    'tms_eeg__tep_n100_amp_uv*clinical__protocol_iTBS'
    """

    def __init__(self, prefix: str = "clinical__protocol_") -> None:
        self.prefix = prefix

    def fit(self, X: Any, y: Any = None) -> ProtocolInteractions:
        """Find the indicator and marker columns by name.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_samples, n_features)
            Named columns (an array only when the names were set before).
        y : ignored

        Returns
        -------
        self : ProtocolInteractions

        Raises
        ------
        ValueError
            When ``X`` has no column names.
        """
        named = getattr(self, "feature_names_in_", None)
        validate_data(self, X, dtype=float, ensure_all_finite="allow-nan")
        names = getattr(self, "feature_names_in_", None)
        if names is None and named is not None and len(named) == self.n_features_in_:
            names = self.feature_names_in_ = named
        if names is None:
            raise ValueError(
                "ProtocolInteractions finds protocol and marker columns by name, "
                "but was fit on an array without column names: fit it on a "
                "DataFrame (set_output(transform='pandas') on the steps before it)."
            )
        names = [str(n) for n in names]
        self.protocols_ = np.array(
            [j for j, n in enumerate(names) if n.startswith(self.prefix)], dtype=int
        )
        markers = [
            j
            for j, n in enumerate(names)
            if not n.startswith("clinical__") and not n.endswith("__present")
        ]
        self.markers_ = np.array(markers if self.protocols_.size else [], dtype=int)
        self.feature_sources_ = np.concatenate(
            [
                np.arange(self.n_features_in_),
                np.repeat(self.markers_, self.protocols_.size),
            ]
        ).astype(int)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Return the input columns followed by the marker x protocol products.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Columns in the order seen at fit (names are not needed).

        Returns
        -------
        Xt : ndarray of shape (n_samples, len(feature_sources_))
        """
        check_is_fitted(self, "feature_sources_")
        X = validate_data(
            self, X, dtype=float, reset=False, ensure_all_finite="allow-nan"
        )
        products = (X[:, self.markers_, None] * X[:, None, self.protocols_]).reshape(
            len(X), -1
        )
        return np.hstack([X, products])

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return the input names, then ``"<marker>*<protocol>"`` per product.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Defaults to ``feature_names_in_``.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self, "feature_sources_")
        names = [str(n) for n in _check_feature_names_in(self, input_features)]
        products = [
            f"{names[m]}*{names[p]}" for m in self.markers_ for p in self.protocols_
        ]
        return np.asarray(names + products, dtype=object)
