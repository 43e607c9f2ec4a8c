"""Spline (GAM-style) elastic net: each continuous marker becomes a smooth curve."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

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

__all__ = [
    "SPLINE_LOGISTIC",
    "SplineBasis",
    "SplineTables",
    "spline_basis",
    "spline_tables",
]


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
        Fitted on the continuous columns; ``None`` when there are none. Its
        basis is computed for all columns at once (:func:`spline_basis`),
        the same numbers as its own ``transform``, which evaluates one SciPy
        spline per column and dominated the time to score one patient.
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
            tables = _tables_if_exact(self.spline_, cont)
            # a dict of arrays: what a skops bundle stores without new types
            self._tables = None if tables is None else tables._asdict()
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
            cont = X[:, self.continuous_]
            tables = getattr(self, "_tables", None)
            pieces.append(
                self.spline_.transform(cont)
                if tables is None
                else spline_basis(SplineTables(**tables), cont)
            )
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


class SplineTables(NamedTuple):
    """A fitted ``SplineTransformer``'s knots and boundary values, per column.

    ``low``/``high`` and ``n_linear`` are what scikit-learn's ``transform``
    uses for each column (scikit-learn 1.9 raises ``degree`` 1 to 2 inside
    its column loop, so from the second column on a degree-1 basis takes its
    range from the second knot to the second last, and continues two
    splines linearly beyond it).
    """

    knots: np.ndarray  # (columns, knots + 2 * degree)
    degree: int
    low: np.ndarray  # (columns,)
    high: np.ndarray
    f_low: np.ndarray  # (columns, splines): basis values at low
    f_high: np.ndarray
    d_low: np.ndarray  # (columns, splines): basis slopes at low
    d_high: np.ndarray
    n_linear: np.ndarray  # (columns,): splines continued beyond each end


def spline_tables(spline: SplineTransformer) -> SplineTables:
    """Return the tables :func:`spline_basis` needs, as ``transform`` finds them.

    Parameters
    ----------
    spline : SplineTransformer
        Fitted with ``extrapolation="linear"``.

    Returns
    -------
    tables : SplineTables
    """
    degree = int(spline.degree)
    rows: list[tuple[Any, ...]] = []
    for bspline in spline.bsplines_:  # as scikit-learn's column loop does
        low, high = bspline.t[degree], bspline.t[-degree - 1]
        values = bspline(low), bspline(high), bspline(low, nu=1), bspline(high, nu=1)
        if degree <= 1:
            degree += 1
        rows.append((low, high, *values, degree))
    low, high, f_low, f_high, d_low, d_high, n_linear = zip(*rows, strict=True)
    return SplineTables(
        np.vstack([b.t for b in spline.bsplines_]),
        int(spline.degree),
        np.array(low),
        np.array(high),
        np.vstack(f_low),
        np.vstack(f_high),
        np.vstack(d_low),
        np.vstack(d_high),
        np.array(n_linear, dtype=int),
    )


def spline_basis(tables: SplineTables, X: np.ndarray) -> np.ndarray:
    """Return the spline basis of every column of ``X`` at once.

    The arithmetic of SciPy's B-spline evaluation (de Boor's recursion in
    the order of ``scipy.interpolate.BSpline``) and scikit-learn's linear
    continuation beyond the range, over all columns and rows together, for a
    ``SplineTransformer`` with linear extrapolation and no bias column.

    Parameters
    ----------
    tables : SplineTables
        From :func:`spline_tables`.
    X : ndarray of shape (n_samples, n_columns)
        Finite values.

    Returns
    -------
    basis : ndarray of shape (n_samples, n_columns * (n_splines - 1))
    """
    t, k = tables.knots, tables.degree
    n, p = X.shape
    n_splines = t.shape[1] - k - 1
    inside = (X >= tables.low) & (X <= tables.high)
    x = np.where(inside, X, tables.low)
    # the knot interval t[ell] <= x < t[ell + 1], the last one closed
    ell = (x[:, :, None] >= t[None, :, k : n_splines + 1]).sum(axis=2) - 1 + k
    ell = np.minimum(ell, n_splines - 1)
    column = np.arange(p)
    h = np.zeros((k + 1, n, p))
    h[0] = 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        for j in range(1, k + 1):
            hh = h[:j].copy()
            h[0] = 0.0
            for m in range(1, j + 1):
                xb, xa = t[column, ell + m], t[column, ell + m - j]
                w = hh[m - 1] / (xb - xa)
                tied = xb == xa
                h[m - 1] = np.where(tied, h[m - 1], h[m - 1] + w * (xb - x))
                h[m] = np.where(tied, 0.0, w * (x - xa))
    out = np.zeros((n, p, n_splines))
    rows = np.arange(n)[:, None]
    for a in range(k + 1):
        out[rows, column, ell - k + a] = np.where(inside, h[a], 0.0)
    for j in range(int(tables.n_linear.max())):
        below = (X < tables.low) & (j < tables.n_linear)
        r, c = np.nonzero(below)
        out[r, c, j] = (
            tables.f_low[c, j] + (X[r, c] - tables.low[c]) * tables.d_low[c, j]
        )
        above = (X > tables.high) & (j < tables.n_linear)
        r, c = np.nonzero(above)
        i = n_splines - 1 - j
        step = X[r, c] - tables.high[c]
        out[r, c, i] = tables.f_high[c, i] + step * tables.d_high[c, i]
    return out[:, :, :-1].reshape(n, p * (n_splines - 1))


def _tables_if_exact(spline: SplineTransformer, X: np.ndarray) -> SplineTables | None:
    """Return the tables if :func:`spline_basis` gives ``transform``'s numbers.

    Checked on the training rows and on rows beyond either end, so a
    scikit-learn or SciPy that computes its basis otherwise keeps its own
    ``transform`` (slower, never different).
    """
    tables = spline_tables(spline)
    span = np.ptp(X, axis=0) + 1.0
    probe = np.vstack([X, X.min(axis=0) - span, X.max(axis=0) + span])
    if np.array_equal(spline_basis(tables, probe), spline.transform(probe)):
        return tables
    return None


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
