"""rtms-predict: honest prediction of rTMS response from neuroplasticity markers.

The entry points users type are loaded lazily, so ``import predict`` and the
command line start fast; pandas, scikit-learn and friends are imported on first
use.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("rtms-predict")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

if TYPE_CHECKING:
    from predict.cohort import Cohort, read_cohort, simulate_cohort
    from predict.config import ExperimentConfig, load_config
    from predict.evaluation import ExperimentResult, train
    from predict.features import build_features
    from predict.scoring import ResponsePredictor, load_model

__all__ = [
    "Cohort",
    "ExperimentConfig",
    "ExperimentResult",
    "ResponsePredictor",
    "__version__",
    "build_features",
    "load_config",
    "load_model",
    "read_cohort",
    "simulate_cohort",
    "train",
]

_LAZY: dict[str, str] = {
    "Cohort": "predict.cohort",
    "ExperimentConfig": "predict.config",
    "ExperimentResult": "predict.evaluation",
    "build_features": "predict.features",
    "load_config": "predict.config",
    "load_model": "predict.scoring",
    "ResponsePredictor": "predict.scoring",
    "read_cohort": "predict.cohort",
    "simulate_cohort": "predict.cohort",
    "train": "predict.evaluation",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'predict' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
