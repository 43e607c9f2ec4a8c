"""Experiment configuration: the YAML files in ``configs/`` as pydantic models.

Unknown keys are errors everywhere; builder names and options are checked
against the feature-builder registry.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

__all__ = ["ExperimentConfig"]


class ExperimentConfig(BaseModel):
    """One experiment: which features to build from which cohort columns.

    Parameters
    ----------
    name : str or None, default=None
        Experiment name; the CLI defaults it to the config file's stem.
    description : str, default=""
        Free text shown in summaries.
    primary_scale : {"hamd17", "madrs"} or None, default=None
        Scale the outcomes and baseline severity come from; ``None`` follows
        the contract (HAMD-17 when present).
    features : dict of str to dict
        Feature builder name -> its options (``{}`` or null for defaults).

    Examples
    --------
    >>> config = ExperimentConfig(features={"clinical": {}, "bdnf": None})
    >>> sorted(config.features)
    ['bdnf', 'clinical']
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    description: str = ""
    primary_scale: Literal["hamd17", "madrs"] | None = None
    features: dict[str, dict[str, Any]]

    @field_validator("features", mode="before")
    @classmethod
    def _options_default_to_empty(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value

    @field_validator("features")
    @classmethod
    def _builders_exist(
        cls, value: dict[str, dict[str, Any]]
    ) -> dict[str, dict[str, Any]]:
        from predict.features import get_builder

        if not value:
            raise ValueError("at least one feature builder is needed")
        for name, options in value.items():
            get_builder(name, options)  # raises ConfigError naming the problem
        return value
