"""Model bundles and scoring new patients."""

from predict.scoring._bundle import (
    TRUSTED_TYPES,
    Bundle,
    BundleError,
    XGBoostRef,
    load_bundle,
    save_bundle,
)
from predict.scoring._manifest import verify_bundle, write_manifest
from predict.scoring._predictor import ResponsePredictor, load_model

__all__ = [
    "Bundle",
    "BundleError",
    "ResponsePredictor",
    "TRUSTED_TYPES",
    "XGBoostRef",
    "load_bundle",
    "load_model",
    "save_bundle",
    "verify_bundle",
    "write_manifest",
]
