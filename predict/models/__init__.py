"""Estimators and their Optuna search spaces, found by the names configs use."""

from predict.models._interactions import ProtocolInteractions
from predict.models._registry import MODELS, get_model, list_models
from predict.models._spec import ModelSpec, Task, build_pipeline, unwrap_calibrated
from predict.models._spline import SplineBasis

__all__ = [
    "MODELS",
    "ModelSpec",
    "ProtocolInteractions",
    "SplineBasis",
    "Task",
    "build_pipeline",
    "get_model",
    "list_models",
    "unwrap_calibrated",
]
