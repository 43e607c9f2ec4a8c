"""The base class every feature builder shares.

A builder is a scikit-learn transformer that takes the whole cohort table
(``Cohort.data``), picks the columns of its modality, and returns numeric
features: the modality's markers passed through, features derived from them,
and a presence indicator. Everything it learns (which columns exist, category
levels) is learned in ``fit`` from the training rows only, and ``transform``
works row by row, so a builder can sit inside cross-validation without leaking.

Given a NumPy array instead of a table, a builder has no column names to go by
and passes every column through as a numeric marker of its modality.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

from predict.cohort._contract import PATH_COLUMNS

__all__ = [
    "Columns",
    "FeatureBuilder",
    "Recipe",
    "missing",
    "numeric",
    "safe_log",
    "safe_ratio",
]

#: Columns of a table as NumPy arrays (float for numbers, object for text).
Columns = Mapping[str, np.ndarray]
#: A derived feature: the columns it needs and how to compute it from them.
Recipe = tuple[tuple[str, ...], Callable[[Columns], np.ndarray]]


def numeric(columns: Columns, name: str) -> np.ndarray:
    """Return a column as a float array."""
    return np.asarray(columns[name], dtype=float)


def safe_ratio(num: np.ndarray, den: np.ndarray, min_abs: float = 0.0) -> np.ndarray:
    """Return ``num / den``, NaN where ``|den| <= min_abs`` or either is missing."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.abs(den) > min_abs, num / den, np.nan)


def safe_log(values: np.ndarray) -> np.ndarray:
    """Return the natural log, NaN for values that are not strictly positive."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(values > 0, np.log(np.where(values > 0, values, 1.0)), np.nan)


def missing(values: np.ndarray) -> np.ndarray:
    """Return where an array (numbers or text) holds a missing value."""
    return np.asarray(pd.isna(values), dtype=bool)


class FeatureBuilder(TransformerMixin, BaseEstimator):
    """Base class of the modality feature builders.

    Subclasses set :attr:`modality` and :attr:`prefix` and return their
    derived features from :meth:`_recipes`; a derived feature is built when
    every column it needs was in the training table. Markers of the modality
    pass through as numeric features.
    """

    #: Name of the modality, used in feature names and configs.
    modality: ClassVar[str] = ""
    #: Column prefix of the modality's markers; ``None`` for clinical covariates.
    prefix: ClassVar[str | None] = None
    #: Human name of the modality, in summaries and warnings ("TMS-EEG").
    label: ClassVar[str] = ""
    #: Whether the builder reads the ``visit__*`` columns of a cohort at a
    #: prediction time (see :meth:`predict.cohort.Cohort.at`).
    reads_visits: ClassVar[bool] = False
    #: Columns read by name, for a builder without a prefix (clinical).
    named_columns: ClassVar[tuple[str, ...]] = ()
    #: Whether to add a ``present`` column (1 when any marker is present).
    has_indicator: ClassVar[bool] = True
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {}

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.requires_fit = True
        return tags

    # -- helpers ---------------------------------------------------------
    def _frame(self, X: Any, *, reset: bool) -> pd.DataFrame:
        if isinstance(X, pd.DataFrame) and X.shape[0] > 0:
            # A table keeps its column types; only names and width are checked.
            validate_data(self, X, reset=reset, skip_check_array=True)
            return X
        index = X.index if isinstance(X, pd.DataFrame) else None
        array = validate_data(
            self,
            X,
            reset=reset,
            dtype=None,
            ensure_all_finite="allow-nan",
        )
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            names = [f"x{i}" for i in range(array.shape[1])]
        return pd.DataFrame(array, columns=list(names), index=index)

    def _owns(self, column: str) -> bool:
        """Whether a column is one of this builder's markers."""
        if not hasattr(self, "feature_names_in_"):
            return True
        if column in PATH_COLUMNS:  # raw-recording paths are not markers
            return False
        return self.prefix is not None and column.startswith(self.prefix)

    # -- to be implemented by subclasses ---------------------------------
    def _learn(self, frame: pd.DataFrame) -> None:
        """Learn state beyond the marker columns (levels, scales)."""

    def _recipes(self) -> dict[str, Recipe]:
        """Return the derived features by output name, with the columns they need."""
        return {}

    def _passthrough(self) -> list[str]:
        """Marker columns passed through unchanged (default: all of them)."""
        return list(self.columns_)

    # -- scikit-learn API -----------------------------------------------
    def fit(self, X: Any, y: Any = None) -> FeatureBuilder:
        """Learn which markers the table has, and any levels to encode.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_patients, n_columns) or array-like
            The cohort table (``Cohort.data``) of the training patients.
        y : None
            Ignored.

        Returns
        -------
        self : FeatureBuilder
            The fitted builder.
        """
        self._validate_params()
        frame = self._frame(X, reset=True)
        self.columns_ = [c for c in frame.columns if self._owns(str(c))]
        for column in self._passthrough():
            np.asarray(frame[column].to_numpy(), dtype=float)  # TypeError on text
        self._learn(frame)
        present = (
            set(map(str, frame.columns))
            if hasattr(self, "feature_names_in_")
            else set()
        )
        self.derived_ = [
            name
            for name, (needs, _) in self._recipes().items()
            if all(column in present for column in needs)
        ]
        names = [*self._passthrough(), *self.derived_]
        if self.has_indicator:
            names.append("present")
        self.feature_names_out_ = np.asarray(names, dtype=object)
        return self

    def _build(self, frame: pd.DataFrame) -> np.ndarray:
        """Compute the output columns, in ``feature_names_out_`` order."""
        recipes = self._recipes()
        needed = [*self.columns_]
        for name in self.derived_:
            needed.extend(recipes[name][0])
        columns = {c: frame[c].to_numpy() for c in dict.fromkeys(needed)}
        return self.build_columns(columns, len(frame))

    def build_columns(self, columns: Mapping[str, np.ndarray], n: int) -> np.ndarray:
        """Compute the output columns from the input columns as arrays.

        :meth:`transform` without pandas or scikit-learn's input checks, for
        input already parsed by the cohort validator (fast scoring).

        Parameters
        ----------
        columns : mapping of str to ndarray of shape (n,)
            Parsed input columns; must hold every column seen in ``fit``.
        n : int
            Number of patients.

        Returns
        -------
        features : ndarray of shape (n, n_features_out)
        """
        recipes = self._recipes()
        parts = [numeric(columns, c) for c in self._passthrough()]
        parts += [
            np.asarray(recipes[n][1](columns), dtype=float) for n in self.derived_
        ]
        if self.has_indicator:
            present = np.zeros(n, dtype=bool)
            for column in self.columns_:
                present |= ~missing(columns[column])
            parts.append(present.astype(float))
        if not parts:
            return np.empty((n, 0))
        return np.column_stack(parts).astype(np.float64, copy=False)

    def transform(self, X: Any) -> np.ndarray:
        """Compute the modality's features for each patient.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_patients, n_columns) or array-like
            A cohort table with the columns seen in ``fit``.

        Returns
        -------
        features : ndarray of shape (n_patients, n_features_out)
            NaN where a marker is missing; use ``set_output(transform="pandas")``
            to get a DataFrame named by :meth:`get_feature_names_out`.
        """
        check_is_fitted(self)
        return self._build(self._frame(X, reset=False))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the features :meth:`transform` returns.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Checked against the names seen in ``fit``.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        _check_feature_names_in(self, input_features)
        return self.feature_names_out_.copy()
