"""Estimators and their Optuna search spaces, found by the names configs use."""

from predict.models._registry import MODELS, get_model, list_models
from predict.models._spec import ModelSpec, Task, build_pipeline, unwrap_calibrated

__all__ = [
    "MODELS",
    "ModelSpec",
    "Task",
    "build_pipeline",
    "get_model",
    "list_models",
    "unwrap_calibrated",
]
