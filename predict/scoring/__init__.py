"""Model bundles and scoring new patients."""

from predict.scoring._bundle import (
    TRUSTED_TYPES,
    Bundle,
    BundleError,
    XGBoostRef,
    load_bundle,
    save_bundle,
)

__all__ = [
    "Bundle",
    "BundleError",
    "TRUSTED_TYPES",
    "XGBoostRef",
    "load_bundle",
    "save_bundle",
]
