"""Estimators and their Optuna search spaces, found by the names configs use."""

from predict.models._interactions import ProtocolInteractions
from predict.models._registry import MODELS, get_model, list_models
from predict.models._spec import ModelSpec, Task, build_pipeline, unwrap_calibrated
from predict.models._spline import SplineBasis
from predict.models._stack import (
    DEFAULT_CANDIDATES,
    ENSEMBLES,
    StackedClassifier,
    StackedRegressor,
    fit_stack,
)

__all__ = [
    "DEFAULT_CANDIDATES",
    "ENSEMBLES",
    "MODELS",
    "ModelSpec",
    "ProtocolInteractions",
    "SplineBasis",
    "StackedClassifier",
    "StackedRegressor",
    "Task",
    "build_pipeline",
    "fit_stack",
    "get_model",
    "list_models",
    "unwrap_calibrated",
]
