"""Experiment configuration, read at the edge into pydantic models."""

from predict.config._load import load_config, parse_config
from predict.config._schema import ExperimentConfig

__all__ = ["ExperimentConfig", "load_config", "parse_config"]
