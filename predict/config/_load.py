"""Read a YAML config file into an :class:`ExperimentConfig`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from predict.config._schema import ExperimentConfig
from predict.exceptions import ConfigError

__all__ = ["load_config", "parse_config"]


def _describe(exc: ValidationError) -> list[str]:
    lines = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        if error["type"] == "extra_forbidden":
            valid = ", ".join(sorted(ExperimentConfig.model_fields))
            scope = (
                f" (valid top-level keys: {valid})" if len(error["loc"]) == 1 else ""
            )
            lines.append(f"unknown key '{where}'{scope}")
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"'{where}': {message}")
    return lines


def parse_config(data: Any, *, source: str = "config") -> ExperimentConfig:
    """Validate a config given as a mapping (as read from YAML).

    Parameters
    ----------
    data : mapping
        The parsed YAML document.
    source : str, default="config"
        Name used in error messages (the file path).

    Returns
    -------
    config : ExperimentConfig

    Raises
    ------
    ConfigError
        Naming every unknown key, builder, option or invalid value.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of keys to values at the top.")
    try:
        return ExperimentConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {'; '.join(_describe(exc))}") from None


def load_config(path: str | Path) -> ExperimentConfig:
    r"""Read and validate a YAML experiment config.

    Parameters
    ----------
    path : str or path-like
        A YAML file such as ``configs/default.yaml``.

    Returns
    -------
    config : ExperimentConfig
        With ``name`` defaulting to the file's stem.

    Raises
    ------
    ConfigError
        When the file is missing, is not YAML, or breaks the schema.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "mine.yaml"
    >>> _ = path.write_text("features:\n  clinical: {}\n")
    >>> load_config(path).name
    'mine'
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Config file '{path}' does not exist.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    config = parse_config(data, source=str(path))
    if config.name is None:
        config = config.model_copy(update={"name": path.stem})
    return config
