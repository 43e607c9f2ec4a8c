"""Feature builders by the names configs use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sklearn.utils._param_validation import InvalidParameterError

from predict.cohort._messages import did_you_mean
from predict.exceptions import ConfigError
from predict.features._base import FeatureBuilder
from predict.features._bdnf import BDNFFeatures
from predict.features._change import ChangeFeatures, EarlyImprovementFeatures
from predict.features._clinical import ClinicalFeatures
from predict.features._connectivity import ConnectivityFeatures
from predict.features._rest_eeg import RestEEGFeatures
from predict.features._tms_eeg import TMSEEGFeatures
from predict.features._tms_emg import TMSEMGFeatures

__all__ = ["BUILDERS", "get_builder", "list_builders"]

#: Builder classes by config name, in the order features are concatenated.
BUILDERS: dict[str, type[FeatureBuilder]] = {
    cls.modality: cls
    for cls in (
        ClinicalFeatures,
        TMSEEGFeatures,
        TMSEMGFeatures,
        RestEEGFeatures,
        ConnectivityFeatures,
        BDNFFeatures,
        ChangeFeatures,
        EarlyImprovementFeatures,
    )
}


def list_builders() -> list[str]:
    """Return the names of the available feature builders.

    Examples
    --------
    >>> list_builders()[:4]
    ['bdnf', 'change', 'clinical', 'connectivity']
    """
    return sorted(BUILDERS)


def get_builder(name: str, options: Mapping[str, Any] | None = None) -> FeatureBuilder:
    """Build a feature builder by name, checking its options.

    Parameters
    ----------
    name : str
        A name from :func:`list_builders`.
    options : mapping or None, default=None
        Keyword arguments of the builder.

    Returns
    -------
    builder : FeatureBuilder
        Unfitted.

    Raises
    ------
    ConfigError
        For an unknown name or option (listing the valid ones) or an invalid
        value.

    Examples
    --------
    >>> get_builder("tms_emg", {"log_ratios": False})
    TMSEMGFeatures(log_ratios=False)
    """
    if name not in BUILDERS:
        raise ConfigError(
            f"Unknown feature builder '{name}'.{did_you_mean(name, list(BUILDERS))} "
            f"Valid builders: {', '.join(list_builders())}."
        )
    cls = BUILDERS[name]
    options = dict(options or {})
    valid = sorted(cls._get_param_names())
    unknown = sorted(set(options) - set(valid))
    if unknown:
        listed = ", ".join(valid) if valid else "none"
        hint = did_you_mean(unknown[0], valid) if valid else ""
        raise ConfigError(
            f"Unknown option '{unknown[0]}' for feature builder '{name}'.{hint} "
            f"Valid options: {listed}."
        )
    builder = cls(**options)
    try:
        builder._validate_params()
    except InvalidParameterError as exc:
        raise ConfigError(f"Feature builder '{name}': {exc}") from None
    return builder
