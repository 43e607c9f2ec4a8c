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
from predict.evaluation._train import train

__all__ = [
    "ExperimentResult",
    "ProgressReporter",
    "RichProgress",
    "binary_metrics",
    "bootstrap_ci",
    "calibration_intercept_slope",
    "compare_results",
    "decision_curve",
    "paired_difference",
    "regression_metrics",
    "train",
    "youden_threshold",
]
