"""MLflow tracking: runs, artifacts, plots and the model registry."""

from predict.tracking._log import (
    DEFAULT_TRACKING_URI,
    flatten_config,
    hash_ids,
    log_training,
    resolve_tracking_uri,
    tracking_run,
)
from predict.tracking._plots import save_figures

__all__ = [
    "DEFAULT_TRACKING_URI",
    "flatten_config",
    "hash_ids",
    "log_training",
    "resolve_tracking_uri",
    "save_figures",
    "tracking_run",
]
