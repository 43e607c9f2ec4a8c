"""Models by the names configs use."""

from __future__ import annotations

from predict.cohort._messages import did_you_mean
from predict.exceptions import ConfigError
from predict.models._baseline import PRIOR
from predict.models._forest import RANDOM_FOREST
from predict.models._hist import HIST_GRADIENT_BOOSTING
from predict.models._linear import ELASTIC_NET
from predict.models._spec import ModelSpec
from predict.models._spline import SPLINE_LOGISTIC
from predict.models._svm import SVM
from predict.models._xgboost import XGBOOST

__all__ = ["MODELS", "get_model", "list_models"]

#: Model specs by config name.
MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ELASTIC_NET,
        SPLINE_LOGISTIC,
        SVM,
        RANDOM_FOREST,
        XGBOOST,
        HIST_GRADIENT_BOOSTING,
        PRIOR,
    )
}


def list_models() -> list[str]:
    """Return the names of the available models.

    Examples
    --------
    >>> list_models()  # doctest: +NORMALIZE_WHITESPACE
    ['elastic_net', 'hist_gradient_boosting', 'prior', 'random_forest',
     'spline_logistic', 'svm', 'xgboost']
    """
    return sorted(MODELS)


def get_model(name: str) -> ModelSpec:
    """Return a model spec by name.

    Parameters
    ----------
    name : str
        A name from :func:`list_models`.

    Returns
    -------
    spec : ModelSpec

    Raises
    ------
    ConfigError
        For an unknown name, listing the valid ones.
    """
    if name not in MODELS:
        raise ConfigError(
            f"Unknown model '{name}'.{did_you_mean(name, list(MODELS))} "
            f"Valid models: {', '.join(list_models())}."
        )
    return MODELS[name]
