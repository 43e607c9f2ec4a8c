"""Support vector machine with an RBF kernel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sklearn.calibration import CalibratedClassifierCV
from sklearn.svm import SVC, SVR

from predict.models._spec import ModelSpec, Task

if TYPE_CHECKING:
    import optuna
    from sklearn.base import BaseEstimator

__all__ = ["SVM"]


def _make(task: Task, seed: int) -> BaseEstimator:
    if task == "binary":
        # Platt scaling of the SVM margin, fit on internal 3-fold predictions
        # (scikit-learn's replacement for SVC(probability=True)).
        return CalibratedClassifierCV(
            SVC(kernel="rbf", C=1.0, gamma="scale", random_state=seed),
            method="sigmoid",
            cv=3,
            ensemble=False,
        )
    return SVR(kernel="rbf", C=1.0, gamma="scale")


def _space(trial: optuna.Trial, task: Task) -> dict[str, Any]:
    C = trial.suggest_float("C", 1e-2, 100.0, log=True)
    gamma = trial.suggest_float("gamma", 1e-4, 1.0, log=True)
    if task == "binary":
        return {"estimator__C": C, "estimator__gamma": gamma}
    return {
        "C": C,
        "gamma": gamma,
        "epsilon": trial.suggest_float("epsilon", 0.1, 20.0, log=True),
    }


SVM = ModelSpec(
    name="svm",
    description="RBF-kernel support vector machine (Platt-scaled probabilities)",
    make=_make,
    search_space=_space,
    handles_missing=False,
    needs_scaling=True,
)
