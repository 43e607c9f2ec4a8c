"""A study: several configs run on one dataset into one MLflow experiment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from predict.exceptions import ConfigError

__all__ = ["StudyConfig", "load_study"]


class StudyConfig(BaseModel):
    """The YAML files in ``experiments/``.

    Parameters
    ----------
    name : str
        MLflow experiment the runs go to.
    description : str, default=""
        Free text.
    configs : list of str
        Experiment config files, relative to the study file.
    baseline : str
        Stem of the config every other is compared with (paired, same folds).
    overrides : dict, default={}
        Keys set on every config (for example a shared ``seed`` or ``cv``), so
        that all configs run on the same outer folds.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    configs: list[str] = Field(min_length=2)
    baseline: str
    overrides: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _baseline_is_listed(self) -> StudyConfig:
        stems = [Path(c).stem for c in self.configs]
        if self.baseline not in stems:
            raise ValueError(
                f"baseline '{self.baseline}' is not one of the configs: "
                f"{', '.join(stems)}"
            )
        return self


def _merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Merge ``update`` into ``base``, section by section.

    A ``model`` section that names another model replaces the base's whole
    (its parameters and candidates belong to the model it replaces).

    Examples
    --------
    >>> base = {"model": {"name": "auto", "candidates": {"xgboost": {}}}, "seed": 0}
    >>> _merge(base, {"model": {"name": "svm"}, "seed": 1})
    {'model': {'name': 'svm'}, 'seed': 1}
    """
    merged = dict(base)
    for key, value in update.items():
        replaced = key == "model" and isinstance(value, dict) and "name" in value
        if replaced and value["name"] != (merged.get(key) or {}).get("name"):
            merged[key] = value
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_study(path: str | Path) -> tuple[StudyConfig, list[Any]]:
    """Read a study and its configs (with the overrides applied).

    Returns
    -------
    study : StudyConfig
    configs : list of ExperimentConfig
        In the study's order, named by their file stems.
    """
    from predict.config._load import load_config, parse_config

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Study file '{path}' does not exist.")
    try:
        study = StudyConfig.model_validate(yaml.safe_load(path.read_text()))
    except (ValidationError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    configs = []
    for entry in study.configs:
        file = (path.parent / entry).resolve()
        config = load_config(file)
        if study.overrides:
            merged = _merge(config.model_dump(mode="json"), study.overrides)
            config = parse_config(merged, source=str(file))
        configs.append(config)
    return study, configs
