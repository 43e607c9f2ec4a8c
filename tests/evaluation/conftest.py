"""Small, fast experiment configs for engine tests."""

from __future__ import annotations

from typing import Any

import pytest

from predict import read_cohort, simulate_cohort
from predict.config import ExperimentConfig

MARKERS = ["clinical", "tms_eeg", "tms_emg", "rest_eeg", "connectivity", "bdnf"]


def fast_config(**overrides: Any) -> ExperimentConfig:
    """A config that trains in seconds: few trials, 3 inner folds, no permutations."""
    document: dict[str, Any] = {
        "name": "fast",
        "features": {m: {} for m in MARKERS},
        "model": {"name": "elastic_net"},
        "cv": {"outer": {"n_splits": 3}, "inner": {"n_splits": 3}},
        "tuning": {"n_trials": 4},
        "evaluation": {"n_bootstrap": 100, "n_permutations": 0},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(document.get(key), dict):
            document[key] = {**document[key], **value}
        else:
            document[key] = value
    return ExperimentConfig.model_validate(document)


@pytest.fixture(scope="session")
def cohort_150():
    return read_cohort(simulate_cohort(150, seed=3))
