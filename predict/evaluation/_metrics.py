"""Discrimination, calibration and regression metrics, bootstrap CIs, decision curves.

Pure functions on 1-d arrays. Outcomes are coded 0/1 and ``y_prob`` is the predicted
probability of class 1. A metric that is undefined on the data at hand (PPV with no
predicted positive, AUC with one class, ...) is ``nan``: never an exception and
never a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from numbers import Integral, Real
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import optimize, special, stats
from sklearn.metrics import roc_curve

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = [
    "binary_metrics",
    "bootstrap_ci",
    "calibration_intercept_slope",
    "decision_curve",
    "regression_metrics",
    "youden_threshold",
]

#: Probabilities are clipped to ``[_P_CLIP, 1 - _P_CLIP]`` before the logit.
_P_CLIP = 1e-6
_NAN = float("nan")


def _as_1d(values: ArrayLike, name: str, func: str, finite: bool = True) -> np.ndarray:
    """Return ``values`` as a 1-d (finite float) array or raise a ValueError."""
    arr = np.asarray(values, dtype=float if finite else None)
    if arr.ndim != 1:
        raise ValueError(f"{func}: '{name}' must be 1-d; got shape {arr.shape}.")
    if finite and not np.all(np.isfinite(arr)):
        n_bad = int(np.sum(~np.isfinite(arr)))
        raise ValueError(f"{func}: '{name}' has {n_bad} NaN or infinite values.")
    return arr


def _check_lengths(func: str, **arrays: np.ndarray) -> None:
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1 or 0 in lengths.values():
        got = ", ".join(f"{name}={n}" for name, n in lengths.items())
        raise ValueError(f"{func}: needs equal, non-zero lengths; got {got}.")


def _check_binary(
    y_true: ArrayLike, y_prob: ArrayLike, func: str
) -> tuple[np.ndarray, np.ndarray]:
    """Validate 0/1 labels and probabilities in [0, 1] of equal length."""
    y, p = _as_1d(y_true, "y_true", func), _as_1d(y_prob, "y_prob", func)
    _check_lengths(func, y_true=y, y_prob=p)
    if not np.all((y == 0) | (y == 1)):
        bad = np.unique(y[(y != 0) & (y != 1)])[:5].tolist()
        raise ValueError(f"{func}: 'y_true' must hold only 0 and 1; got also {bad}.")
    if np.any((p < 0) | (p > 1)):
        raise ValueError(
            f"{func}: 'y_prob' must hold probabilities in [0, 1]; got values in "
            f"[{p.min():g}, {p.max():g}]. Pass predict_proba(X)[:, 1], not scores."
        )
    return y, p


def youden_threshold(y_true: ArrayLike, y_prob: ArrayLike) -> float:
    """Return the probability threshold maximising Youden's J on the ROC curve.

    J = sensitivity + specificity - 1, with a patient predicted positive when
    ``y_prob >= threshold``. Among tied maxima the first threshold in
    :func:`sklearn.metrics.roc_curve` order (the highest) wins.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed outcomes, 0 or 1.
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of class 1.

    Returns
    -------
    threshold : float
        A finite threshold in [0, 1]: 0.5 when ``y_true`` holds one class, 1.0
        when no threshold beats chance (J <= 0 everywhere).

    Examples
    --------
    >>> from predict.evaluation._metrics import youden_threshold
    >>> youden_threshold([0, 0, 1, 1], [0.1, 0.3, 0.35, 0.8])
    0.35
    """
    y, p = _check_binary(y_true, y_prob, "youden_threshold")
    if np.unique(y).size < 2:
        return 0.5
    fpr, tpr, thresholds = roc_curve(y, p, drop_intermediate=False)
    return float(np.clip(thresholds[int(np.argmax(tpr - fpr))], 0.0, 1.0))


def _intercept_in_the_large(y: np.ndarray, lp: np.ndarray) -> float:
    """Solve sum(y - expit(a + lp)) = 0 for ``a`` (both classes present)."""
    n1, base = y.sum(), special.logit(y.mean())
    # sum(expit(a + lp)) increases with a: below n1 at ``low``, above it at ``high``
    low, high = base - lp.max() - 1.0, base - lp.min() + 1.0
    return float(optimize.brentq(lambda a: n1 - special.expit(a + lp).sum(), low, high))


def _calibration_slope(y: np.ndarray, lp: np.ndarray) -> float:
    """Maximum-likelihood ``b`` of y ~ a + b * lp, or nan if the MLE does not exist."""
    # In one dimension the MLE exists iff the classes overlap on lp (no complete or
    # quasi-complete separation); this also rules out a constant lp.
    lp0, lp1 = lp[y == 0], lp[y == 1]
    if not (lp0.max() > lp1.min() and lp1.max() > lp0.min()):
        return _NAN
    X = np.column_stack([np.ones_like(lp), lp])

    def score(beta: np.ndarray) -> np.ndarray:  # gradient of the negative loglik
        return X.T @ (special.expit(X @ beta) - y)

    def hessian(beta: np.ndarray) -> np.ndarray:
        mu = special.expit(X @ beta)
        return (X * (mu * (1.0 - mu))[:, None]).T @ X

    def nll(beta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = X @ beta
        return float(np.sum(np.logaddexp(0.0, eta) - y * eta)), score(beta)

    # The log-likelihood is strictly concave, so its one stationary point is the
    # MLE: MINPACK's hybrid method finds it fast; trust-exact is the fallback.
    root = optimize.root(score, [0.0, 1.0], jac=hessian, method="hybr")
    if root.success:
        return float(root.x[1])
    fit = optimize.minimize(
        nll, [0.0, 1.0], jac=True, hess=hessian, method="trust-exact"
    )
    return float(fit.x[1]) if fit.success else _NAN


def _calibration(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    if np.unique(y).size < 2:
        return _NAN, _NAN
    lp = special.logit(np.clip(p, _P_CLIP, 1.0 - _P_CLIP))
    return _intercept_in_the_large(y, lp), _calibration_slope(y, lp)


def calibration_intercept_slope(
    y_true: ArrayLike, y_prob: ArrayLike
) -> tuple[float, float]:
    """Return the calibration intercept and slope (logistic recalibration).

    With ``lp = logit(y_prob)`` (``y_prob`` clipped to [1e-6, 1 - 1e-6]), the
    slope is ``b`` in the unpenalised logistic model ``y ~ a + b * lp`` (below 1:
    overconfident, too extreme predictions) and the intercept, or
    calibration-in-the-large, is ``a`` in ``y ~ a + offset(lp)`` (negative:
    predictions too high on average). Van Calster et al. (2016), J Clin
    Epidemiol 74:167-176; (2019), BMC Med 17:230.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed outcomes, 0 or 1.
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of class 1.

    Returns
    -------
    intercept : float
        Calibration-in-the-large; nan when ``y_true`` holds one class.
    slope : float
        Calibration slope; nan when ``y_true`` holds one class or the classes do
        not overlap on ``y_prob`` (separation, including a constant ``y_prob``),
        where its maximum-likelihood estimate does not exist.

    Examples
    --------
    >>> from predict.evaluation._metrics import calibration_intercept_slope
    >>> a, b = calibration_intercept_slope([0, 1, 0, 1], [0.2, 0.3, 0.6, 0.7])
    >>> round(a, 3), round(b, 3)
    (0.243, 0.617)
    """
    return _calibration(*_check_binary(y_true, y_prob, "calibration_intercept_slope"))


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator > 0 else _NAN


def binary_metrics(
    y_true: ArrayLike, y_prob: ArrayLike, y_class: ArrayLike
) -> dict[str, float]:
    """Return discrimination, classification and calibration metrics.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed outcomes, 0 or 1.
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of class 1.
    y_class : array-like of shape (n_samples,)
        Predicted classes, 0 or 1, at the chosen threshold.

    Returns
    -------
    metrics : dict of str to float
        ``auc`` (ties count 1/2), ``balanced_accuracy`` (mean of sensitivity and
        specificity), ``sensitivity``, ``specificity``, ``ppv``, ``npv``,
        ``brier``, ``log_loss`` (natural log, ``y_prob`` clipped to machine
        epsilon as in scikit-learn), ``calibration_intercept`` and
        ``calibration_slope`` (:func:`calibration_intercept_slope`). A value with
        an empty denominator is nan: AUC, balanced accuracy and calibration with
        one class, sensitivity without positives, specificity without negatives,
        PPV without predicted positives, NPV without predicted negatives.

    Examples
    --------
    >>> from predict.evaluation._metrics import binary_metrics
    >>> m = binary_metrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.8], [0, 1, 0, 1])
    >>> m["auc"], m["sensitivity"], m["ppv"], round(m["brier"], 4)
    (0.75, 0.5, 0.5, 0.1925)
    """
    func = "binary_metrics"
    y, p = _check_binary(y_true, y_prob, func)
    c = _as_1d(y_class, "y_class", func)
    _check_lengths(func, y_true=y, y_class=c)
    if not np.all((c == 0) | (c == 1)):
        raise ValueError(f"{func}: 'y_class' must hold only 0 and 1.")
    pos, pred = y == 1, c == 1
    tp, fn = np.sum(pos & pred), np.sum(pos & ~pred)
    fp, tn = np.sum(~pos & pred), np.sum(~pos & ~pred)
    n1, n0 = tp + fn, fp + tn
    sensitivity, specificity = _ratio(tp, n1), _ratio(tn, n0)
    auc = _NAN
    if n1 > 0 and n0 > 0:  # Mann-Whitney U over the n1 * n0 pairs
        auc = float((stats.rankdata(p)[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))
    q = np.clip(p, np.finfo(float).eps, 1.0 - np.finfo(float).eps)
    intercept, slope = _calibration(y, p)
    return {
        "auc": auc,
        "balanced_accuracy": (sensitivity + specificity) / 2.0,
        "sensitivity": sensitivity,
        "specificity": specificity,
        "ppv": _ratio(tp, tp + fp),
        "npv": _ratio(tn, tn + fn),
        "brier": float(np.mean((p - y) ** 2)),
        "log_loss": float(-np.mean(y * np.log(q) + (1.0 - y) * np.log1p(-q))),
        "calibration_intercept": intercept,
        "calibration_slope": slope,
    }


def regression_metrics(y_true: ArrayLike, y_pred: ArrayLike) -> dict[str, float]:
    """Return R², MAE, RMSE and Pearson's r of continuous predictions.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed values (for example the percentage HAMD-17 change).
    y_pred : array-like of shape (n_samples,)
        Predicted values.

    Returns
    -------
    metrics : dict of str to float
        ``r2`` (1 - SS_res / SS_tot about the mean of ``y_true``; nan when
        ``y_true`` is constant), ``mae``, ``rmse`` and ``pearson_r`` (nan when
        either array is constant, including a single value).

    Examples
    --------
    >>> from predict.evaluation._metrics import regression_metrics
    >>> m = regression_metrics([1, 2, 3, 4], [1, 3, 2, 4])
    >>> round(m["r2"], 3), m["mae"], round(m["pearson_r"], 3)
    (0.6, 0.5, 0.8)
    """
    func = "regression_metrics"
    y, f = _as_1d(y_true, "y_true", func), _as_1d(y_pred, "y_pred", func)
    _check_lengths(func, y_true=y, y_pred=f)
    resid, dy, df = y - f, y - y.mean(), f - f.mean()
    ss_tot, ss_pred = float(dy @ dy), float(df @ df)
    r2 = 1.0 - float(resid @ resid) / ss_tot if ss_tot > 0 else _NAN
    pearson = _NAN
    if ss_tot > 0 and ss_pred > 0:
        pearson = float(np.clip((dy @ df) / np.sqrt(ss_tot * ss_pred), -1.0, 1.0))
    return {
        "r2": r2,
        "mae": float(np.mean(np.abs(resid))),
        "rmse": float(np.sqrt(np.mean(resid**2))),
        "pearson_r": pearson,
    }


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool | np.bool_)


def _is_int(value: object) -> bool:
    return isinstance(value, Integral) and _is_number(value)


def _invalid(name: str, value: object, expected: str) -> ValueError:
    return ValueError(
        f"The '{name}' parameter of bootstrap_ci must be {expected}. "
        f"Got {value!r} instead."
    )


def _bootstrap_indices(
    n: int, n_bootstrap: int, rng: np.random.Generator, stratify: np.ndarray | None
) -> np.ndarray:
    """Return an (n_bootstrap, n) matrix of row indices drawn with replacement."""
    if stratify is None:
        return rng.integers(0, n, size=(n_bootstrap, n))
    blocks = []
    for label in np.unique(stratify):  # resample each class within itself
        rows = np.flatnonzero(stratify == label)
        blocks.append(rows[rng.integers(0, rows.size, (n_bootstrap, rows.size))])
    return np.concatenate(blocks, axis=1)


def bootstrap_ci(
    metric_fn: Callable[..., Mapping[str, float]],
    arrays: Sequence[ArrayLike],
    *,
    n_bootstrap: int = 1000,
    ci: float = 0.95,
    seed: int | None = 0,
    stratify: ArrayLike | None = None,
) -> pd.DataFrame:
    """Return metrics with percentile bootstrap confidence intervals.

    Parameters
    ----------
    metric_fn : callable
        ``metric_fn(*arrays)`` returns a dict of metric name to float, for
        example :func:`binary_metrics` or :func:`regression_metrics`.
    arrays : tuple of array-like of shape (n_samples,)
        The arguments of ``metric_fn``, resampled together (same rows).
    n_bootstrap : int, default=1000
        Number of resamples with replacement.
    ci : float, default=0.95
        Coverage of the interval, in (0, 1).
    seed : int or None, default=0
        Seed of :func:`numpy.random.default_rng`: a seed gives the same table.
    stratify : array-like of shape (n_samples,), default=None
        Class labels: resample within each class, so that every resample keeps
        the class counts (and so both classes) of the data.

    Returns
    -------
    table : pandas.DataFrame
        One row per metric (index named ``metric``) with columns ``value``
        (``metric_fn`` on the original arrays), ``ci_low`` and ``ci_high``.
        Replicates where a metric is nan are ignored; bounds are nan if all are.

    Examples
    --------
    >>> from predict.evaluation._metrics import bootstrap_ci, regression_metrics
    >>> y = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    >>> table = bootstrap_ci(regression_metrics, (y, y), n_bootstrap=20)
    >>> table.loc["mae"].tolist()
    [0.0, 0.0, 0.0]
    """
    func = "bootstrap_ci"
    if not callable(metric_fn):
        raise _invalid("metric_fn", metric_fn, "a callable")
    if not isinstance(arrays, tuple | list) or len(arrays) == 0:
        raise _invalid("arrays", arrays, "a non-empty tuple of 1-d arrays")
    if not _is_int(n_bootstrap) or n_bootstrap < 1:
        raise _invalid("n_bootstrap", n_bootstrap, "an int in the range [1, inf)")
    if not (_is_number(ci) and 0.0 < float(ci) < 1.0):
        raise _invalid("ci", ci, "a float in the range (0, 1)")
    if seed is not None and not _is_int(seed):
        raise _invalid("seed", seed, "an int or None")
    data = [_as_1d(a, f"arrays[{i}]", func, finite=False) for i, a in enumerate(arrays)]
    named = {f"arrays[{i}]": a for i, a in enumerate(data)}
    strata = None
    if stratify is not None:
        strata = named["stratify"] = _as_1d(stratify, "stratify", func, finite=False)
    _check_lengths(func, **named)

    value = {name: float(v) for name, v in metric_fn(*data).items()}
    rng = np.random.default_rng(seed)
    indices = _bootstrap_indices(data[0].size, int(n_bootstrap), rng, strata)
    replicates = np.full((indices.shape[0], len(value)), np.nan)
    for b, rows in enumerate(indices):
        result = metric_fn(*(a[rows] for a in data))
        replicates[b] = [result.get(name, _NAN) for name in value]

    alpha = 100.0 * (1.0 - float(ci)) / 2.0
    bounds = np.full((len(value), 2), np.nan)
    for j, column in enumerate(replicates.T):
        kept = column[~np.isnan(column)]
        if kept.size:
            bounds[j] = np.percentile(kept, [alpha, 100.0 - alpha])
    table = np.column_stack([list(value.values()), bounds])
    index = pd.Index(list(value), name="metric")
    return pd.DataFrame(table, index=index, columns=["value", "ci_low", "ci_high"])


def decision_curve(
    y_true: ArrayLike, y_prob: ArrayLike, thresholds: ArrayLike | None = None
) -> pd.DataFrame:
    """Return the net benefit of the model, of treating all and of treating none.

    Decision-curve analysis (Vickers & Elkin 2006, Med Decis Making 26:565): at
    threshold probability ``pt``, treating patients with ``y_prob >= pt`` has net
    benefit ``TP / n - FP / n * pt / (1 - pt)``, treating everyone
    ``prevalence - (1 - prevalence) * pt / (1 - pt)`` and treating no one 0.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Observed outcomes, 0 or 1.
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of class 1.
    thresholds : array-like of shape (n_thresholds,), default=None
        Threshold probabilities in [0, 1); by default 0.01, 0.02, ..., 0.99.

    Returns
    -------
    curve : pandas.DataFrame
        One row per threshold, columns ``threshold``, ``model``, ``treat_all``
        and ``treat_none``.

    Examples
    --------
    >>> from predict.evaluation._metrics import decision_curve
    >>> curve = decision_curve([1, 0, 1, 0], [0.9, 0.6, 0.4, 0.2], [0.5])
    >>> curve.iloc[0].tolist()
    [0.5, 0.0, 0.0, 0.0]
    """
    func = "decision_curve"
    y, p = _check_binary(y_true, y_prob, func)
    if thresholds is None:
        pt = np.round(np.arange(0.01, 1.0, 0.01), 2)
    else:
        pt = _as_1d(thresholds, "thresholds", func)
        if np.any((pt < 0) | (pt >= 1)):
            raise ValueError(f"{func}: 'thresholds' must lie in [0, 1); got {pt}.")
    n, prevalence, odds = y.size, y.mean(), pt / (1.0 - pt)
    # positives (negatives) with y_prob >= pt, counted by binary search
    p1, p0 = np.sort(p[y == 1]), np.sort(p[y == 0])
    tp = p1.size - np.searchsorted(p1, pt, side="left")
    fp = p0.size - np.searchsorted(p0, pt, side="left")
    return pd.DataFrame(
        {
            "threshold": pt,
            "model": tp / n - fp / n * odds,
            "treat_all": prevalence - (1.0 - prevalence) * odds,
            "treat_none": np.zeros_like(pt),
        }
    )
