"""Experiment configuration, read at the edge into pydantic models."""

from predict.config._load import load_config, parse_config
from predict.config._schema import ExperimentConfig, HarmonizeConfig
from predict.config._study import StudyConfig, load_study

__all__ = [
    "ExperimentConfig",
    "HarmonizeConfig",
    "StudyConfig",
    "load_config",
    "load_study",
    "parse_config",
]
