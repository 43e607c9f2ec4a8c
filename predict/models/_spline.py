"""Spline (GAM-style) elastic net: each continuous marker becomes a smooth curve."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import ElasticNet, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import SplineTransformer, StandardScaler
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

from predict.models._spec import ModelSpec, Task

if TYPE_CHECKING:
    import optuna

__all__ = ["SPLINE_LOGISTIC", "SplineBasis"]


class SplineBasis(TransformerMixin, BaseEstimator):
    """Expand continuous columns into B-spline bases; pass the others through.

    A column is continuous when it has more than two distinct non-NaN values
    on the rows it is fit on; binary and constant columns (indicators,
    ``*__present``) are kept as they are. Knots sit at quantiles of each
    continuous column, or evenly between its minimum and maximum when
    quantiles tie; outside the training range the curves continue linearly.

    Parameters
    ----------
    n_knots : int, default=5
        Knots per continuous column (at least 2).
    degree : int, default=3
        Polynomial degree of the splines.

    Attributes
    ----------
    continuous_ : ndarray of int
        Indices of the input columns expanded into splines.
    passthrough_ : ndarray of int
        Indices of the input columns kept as they are.
    spline_ : SplineTransformer or None
        Fitted on the continuous columns; ``None`` when there are none.
    feature_sources_ : ndarray of int
        For each output column, the index of the input column it came from.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When fit on a DataFrame.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.c_[np.linspace(0, 1, 20), np.tile([0.0, 1.0], 10)]
    >>> basis = SplineBasis(n_knots=4, degree=2).fit(X)
    >>> basis.transform(X).shape
    (20, 5)
    >>> basis.feature_sources_.tolist()
    [0, 0, 0, 0, 1]
    """

    def __init__(self, n_knots: int = 5, degree: int = 3) -> None:
        self.n_knots = n_knots
        self.degree = degree

    def fit(self, X: Any, y: Any = None) -> SplineBasis:
        """Find the continuous columns and fit their spline bases.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Finite values (impute first).
        y : ignored

        Returns
        -------
        self : SplineBasis
        """
        X = validate_data(self, X, dtype=float)
        distinct = np.array(
            [np.unique(col[~np.isnan(col)]).size for col in X.T], dtype=int
        )
        self.continuous_ = np.flatnonzero(distinct > 2)
        self.passthrough_ = np.flatnonzero(distinct <= 2)
        self.spline_ = None
        pieces: list[np.ndarray] = []
        if self.continuous_.size:
            cont = X[:, self.continuous_]
            self.spline_ = SplineTransformer(
                n_knots=self.n_knots,
                degree=self.degree,
                knots=self._knots(cont),
                extrapolation="linear",
                include_bias=False,
            ).fit(cont)
            per_column = self.spline_.n_features_out_ // self.continuous_.size
            pieces.append(np.repeat(self.continuous_, per_column))
        pieces.append(self.passthrough_)
        sources = np.concatenate(pieces).astype(int)
        # keep the input order: each column's splines where the column was
        self._order = np.argsort(sources, kind="stable")
        self.feature_sources_ = sources[self._order]
        return self

    def _knots(self, cont: np.ndarray) -> np.ndarray:
        """Quantile knots per column, uniform ones where quantiles tie."""
        grid = np.linspace(0.0, 1.0, self.n_knots)
        knots = np.quantile(cont, grid, axis=0)
        for j in range(cont.shape[1]):
            if np.any(np.diff(knots[:, j]) <= 0):
                knots[:, j] = np.linspace(cont[:, j].min(), cont[:, j].max(), len(grid))
        return knots

    def transform(self, X: Any) -> np.ndarray:
        """Return the spline bases and the passed-through columns.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Columns in the order seen at fit (names are not needed).

        Returns
        -------
        Xt : ndarray of shape (n_samples, len(feature_sources_))
        """
        check_is_fitted(self, "feature_sources_")
        X = validate_data(self, X, dtype=float, reset=False)
        pieces = []
        if self.spline_ is not None:
            pieces.append(self.spline_.transform(X[:, self.continuous_]))
        pieces.append(X[:, self.passthrough_])
        return np.hstack(pieces)[:, self._order]

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return ``<column>_sp<k>`` for spline columns, the name otherwise.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Defaults to ``feature_names_in_`` (or ``x0, x1, ...``).

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self, "feature_sources_")
        names = _check_feature_names_in(self, input_features)
        continuous = set(self.continuous_.tolist())
        out: list[str] = []
        count: dict[int, int] = {}
        for source in self.feature_sources_.tolist():
            if source in continuous:
                k = count.get(source, 0)
                count[source] = k + 1
                out.append(f"{names[source]}_sp{k}")
            else:
                out.append(str(names[source]))
        return np.asarray(out, dtype=object)


def _make(task: Task, seed: int) -> Pipeline:
    # Scaled after the basis, so the penalty treats spline columns alike.
    model: Any
    if task == "binary":
        model = LogisticRegression(
            C=1.0, l1_ratio=0.5, solver="saga", max_iter=20000, random_state=seed
        )
    else:
        model = ElasticNet(alpha=1.0, l1_ratio=0.5, max_iter=20000, random_state=seed)
    return Pipeline(
        [("basis", SplineBasis()), ("scale", StandardScaler()), ("model", model)]
    )


def _space(trial: optuna.Trial, task: Task) -> dict[str, Any]:
    params: dict[str, Any] = {
        "model__l1_ratio": trial.suggest_float("l1_ratio", 0.0, 1.0),
        "basis__n_knots": trial.suggest_int("n_knots", 3, 8),
        "basis__degree": trial.suggest_int("degree", 1, 3),
    }
    if task == "binary":
        params["model__C"] = trial.suggest_float("C", 1e-3, 10.0, log=True)
    else:
        params["model__alpha"] = trial.suggest_float("alpha", 1e-2, 100.0, log=True)
    return params


SPLINE_LOGISTIC = ModelSpec(
    name="spline_logistic",
    description="Spline elastic-net logistic regression: smooth curve per marker "
    "(elastic-net linear for % change)",
    make=_make,
    search_space=_space,
    handles_missing=False,
    needs_scaling=False,  # its own steps scale after the spline basis
    linear=True,
)
