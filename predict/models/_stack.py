"""Stacking of tuned model families: ``auto`` and ``select``.

``auto`` combines the candidate families by a meta-model fit on their inner
out-of-fold predictions: a logistic regression on the members' log-odds
(binary) or a linear regression on their predictions (percent change), with
non-negative weights, so that a family that does not help gets weight 0.
``select`` keeps the single family with the best inner score (weight 1).
Both are fit by the engine inside each outer training part (see
:func:`predict.evaluation._nested.fit_tuned`); the estimators here only
apply fixed weights to members they fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.optimize import minimize, nnls
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone

__all__ = [
    "DEFAULT_CANDIDATES",
    "ENSEMBLES",
    "StackedClassifier",
    "StackedRegressor",
    "fit_stack",
    "member_logits",
]

#: Model names that combine candidate families instead of naming one.
ENSEMBLES = ("auto", "select")

#: Families of ``auto`` and ``select`` when the config lists none, with their
#: trials per study: a linear model, its additive spline twin, and boosted
#: trees for thresholds and interactions.
DEFAULT_CANDIDATES: dict[str, int] = {
    "elastic_net": 12,
    "spline_logistic": 8,
    "hist_gradient_boosting": 8,
}

# Member probabilities are clipped before the log-odds, so a member that is
# certain cannot dominate the stack with an infinite value.
_EPS = 1e-6


def member_logits(probabilities: np.ndarray) -> np.ndarray:
    """Return the log-odds of member probabilities, clipped to (1e-6, 1 - 1e-6)."""
    return np.asarray(logit(np.clip(probabilities, _EPS, 1 - _EPS)), dtype=float)


def fit_stack(
    oof: np.ndarray, y: np.ndarray, task: str, *, ridge: float = 1e-3
) -> tuple[np.ndarray, float]:
    """Fit the non-negative meta-model on inner out-of-fold predictions.

    Parameters
    ----------
    oof : ndarray of shape (n_patients, n_members)
        Each member's inner out-of-fold prediction: probability of response
        (binary) or percent change (regression).
    y : ndarray of shape (n_patients,)
        Target of the same patients.
    task : {"binary", "regression"}
        Logistic meta-model on the members' log-odds, or least squares.
    ridge : float, default=1e-3
        A small L2 penalty on the weights (binary), which keeps them finite
        when the members' predictions are collinear.

    Returns
    -------
    weights : ndarray of shape (n_members,)
        Non-negative.
    intercept : float

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> truth = rng.normal(size=500)
    >>> y = (rng.random(500) < expit(truth)).astype(float)
    >>> good, noise = expit(truth), expit(rng.normal(size=500))
    >>> weights, _ = fit_stack(np.column_stack([good, noise]), y, "binary")
    >>> bool(weights[0] > 0.5 and weights[1] < 0.1)
    True
    """
    oof = np.asarray(oof, dtype=float)
    y = np.asarray(y, dtype=float)
    k = oof.shape[1]
    if task != "binary":
        means = oof.mean(axis=0)
        weights, _ = nnls(oof - means, y - y.mean())
        return weights, float(y.mean() - weights @ means)
    z = member_logits(oof)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:k], theta[k]
        eta = z @ w + b
        p = expit(eta)
        # mean negative log-likelihood, computed stably
        nll = float(np.mean(np.logaddexp(0.0, eta) - y * eta)) + ridge * float(w @ w)
        residual = (p - y) / len(y)
        grad = np.append(z.T @ residual + 2 * ridge * w, residual.sum())
        return nll, grad

    rate = float(np.clip(y.mean(), _EPS, 1 - _EPS))
    start = np.append(np.full(k, 1.0 / k), 0.0)
    start[k] = float(logit(rate))
    bounds = [(0.0, None)] * k + [(None, None)]
    fitted = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
    weights = np.maximum(fitted.x[:k], 0.0)
    return weights, float(fitted.x[k])


def _probability(member: Any, X: Any) -> np.ndarray:
    """Return a member's probability of response; boosted trees all at once.

    scikit-learn's histogram boosting predicts with one Python call per tree,
    which dominates scoring one patient; :func:`hist_predict` gives the same
    values in a few NumPy steps.
    """
    from sklearn.pipeline import Pipeline

    from predict.models._hist import hist_predict

    steps = member.steps if isinstance(member, Pipeline) else [("model", member)]
    estimator = steps[-1][1]
    if len(steps) == 1:  # no imputation or scaling before the trees
        fast = hist_predict(estimator, X)
        if fast is not None:
            return fast
    return np.asarray(member.predict_proba(X)[:, 1], dtype=float)


class _Stacked(BaseEstimator):
    """Members fit on the same data, combined with fixed weights.

    Parameters
    ----------
    members : list of (str, estimator)
        Family name and its unfitted pipeline (the steps after the feature
        builders), with the tuned parameters set.
    weights : sequence of float
        Non-negative weight of each member (from :func:`fit_stack`).
    intercept : float, default=0.0
        The meta-model's intercept.
    """

    def __init__(
        self,
        members: list[tuple[str, Any]],
        weights: Sequence[float],
        intercept: float = 0.0,
    ) -> None:
        self.members = members
        self.weights = weights
        self.intercept = intercept

    def fit(self, X: Any, y: Any) -> _Stacked:
        """Fit every member with a positive weight on ``X`` and ``y``."""
        weights = np.asarray(self.weights, dtype=float)
        if len(weights) != len(self.members) or (weights < 0).any():
            raise ValueError(
                f"expected {len(self.members)} non-negative weights, got "
                f"{list(weights)}"
            )
        kept = [
            (name, clone(member).fit(X, y))
            for (name, member), w in zip(self.members, weights, strict=True)
            if w > 0
        ]
        self.members_ = kept
        self.weights_ = weights[weights > 0]
        self.intercept_ = float(self.intercept)
        self.n_features_in_ = int(np.shape(X)[1])
        return self

    def _member_predictions(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    def _link(self, X: Any) -> np.ndarray:
        """Return the meta-model's linear predictor (log-odds, or percent change)."""
        if not self.members_:
            return np.full(np.shape(X)[0], self.intercept_)
        return self._member_predictions(X) @ self.weights_ + self.intercept_


class StackedClassifier(ClassifierMixin, _Stacked):
    """Probability of response from members' log-odds with fixed weights.

    ``predict_proba`` is ``expit(intercept + sum_k w_k logit(p_k))``, where
    ``p_k`` is member ``k``'s probability. See :class:`_Stacked` for the
    parameters.

    Attributes
    ----------
    members_ : list of (str, estimator)
        The fitted members with a positive weight.
    weights_ : ndarray
        Their weights.
    intercept_ : float
    classes_ : ndarray
    """

    def fit(self, X: Any, y: Any) -> StackedClassifier:
        """Fit the members (see :meth:`_Stacked.fit`)."""
        super().fit(X, y)
        self.classes_ = np.unique(np.asarray(y))
        return self

    def _member_predictions(self, X: Any) -> np.ndarray:
        return np.column_stack(
            [member_logits(_probability(m, X)) for _, m in self.members_]
        )

    def predict_proba(self, X: Any) -> np.ndarray:
        """Return ``[P(non-response), P(response)]`` per patient."""
        p = expit(self._link(X))
        return np.column_stack([1 - p, p])

    def decision_function(self, X: Any) -> np.ndarray:
        """Return the stack's log-odds of response."""
        return self._link(X)

    def predict(self, X: Any) -> np.ndarray:
        """Return the class with probability at least 0.5."""
        return np.asarray(self.classes_)[(self.predict_proba(X)[:, 1] >= 0.5) * 1]


class StackedRegressor(RegressorMixin, _Stacked):
    """Percent change as ``intercept + sum_k w_k prediction_k``.

    See :class:`_Stacked` for the parameters and :class:`StackedClassifier`
    for the attributes (no ``classes_``).
    """

    def _member_predictions(self, X: Any) -> np.ndarray:
        return np.column_stack([m.predict(X) for _, m in self.members_])

    def predict(self, X: Any) -> np.ndarray:
        """Return the predicted percent change."""
        return self._link(X)
