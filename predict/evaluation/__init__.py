"""Nested cross-validation, metrics, calibration and decision curves."""

from predict.evaluation._compare import compare_results, paired_difference
from predict.evaluation._metrics import (
    binary_metrics,
    bootstrap_ci,
    calibration_intercept_slope,
    decision_curve,
    regression_metrics,
    youden_threshold,
)
from predict.evaluation._progress import ProgressReporter, RichProgress
from predict.evaluation._result import ExperimentResult
from predict.evaluation._shared import create_studies
from predict.evaluation._train import train
from predict.evaluation._worker import list_studies, run_worker

__all__ = [
    "ExperimentResult",
    "ProgressReporter",
    "RichProgress",
    "binary_metrics",
    "bootstrap_ci",
    "calibration_intercept_slope",
    "compare_results",
    "create_studies",
    "decision_curve",
    "list_studies",
    "paired_difference",
    "regression_metrics",
    "run_worker",
    "train",
    "youden_threshold",
]
