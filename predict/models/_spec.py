"""What a model is to the engine: an estimator factory and its search space."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

if TYPE_CHECKING:
    import optuna
    from sklearn.base import BaseEstimator

__all__ = ["ModelSpec", "Task", "build_pipeline", "unwrap_calibrated"]

#: ``"binary"`` for response/remission, ``"regression"`` for percent change.
Task = Literal["binary", "regression"]


@dataclass(frozen=True)
class ModelSpec:
    """A model the config can name.

    Attributes
    ----------
    name : str
        Name used in configs (``model: {name: ...}``).
    description : str
        One line for ``--help`` and summaries.
    make : callable
        ``make(task, seed) -> estimator``, unfitted, with the defaults used
        when a parameter is neither tuned nor fixed.
    search_space : callable
        ``search_space(trial, task) -> dict`` of estimator parameters drawn
        from an Optuna trial.
    handles_missing : bool
        Whether the estimator takes NaN; if not, the pipeline imputes the
        median, fit on the training rows only.
    needs_scaling : bool
        Whether the pipeline standardises features before the estimator.
    """

    name: str
    description: str
    make: Callable[[Task, int], BaseEstimator]
    search_space: Callable[[optuna.Trial, Task], dict[str, Any]]
    handles_missing: bool
    needs_scaling: bool


def build_pipeline(
    features: BaseEstimator,
    spec: ModelSpec,
    task: Task,
    *,
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
) -> Pipeline:
    """Chain feature builders, imputation, scaling and a model.

    Imputation (median, computed on the rows the pipeline is fit on) and
    scaling are steps of the pipeline, so inside cross-validation they learn
    from the training folds only.

    Parameters
    ----------
    features : transformer
        The feature builders (see :func:`predict.features.make_features`).
    spec : ModelSpec
        The model.
    task : {"binary", "regression"}
        Classification of response/remission or regression of percent change.
    seed : int, default=0
        Random state of the estimator.
    params : mapping or None, default=None
        Estimator parameters to set (unprefixed), for example from tuning.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Steps ``features``, optionally ``impute`` and ``scale``, and ``model``.

    Examples
    --------
    >>> from predict.features import make_features
    >>> from predict.models import get_model
    >>> pipe = build_pipeline(make_features({"clinical": {}}), get_model("elastic_net"),
    ...                       "binary")
    >>> [name for name, _ in pipe.steps]
    ['features', 'impute', 'scale', 'model']
    """
    estimator = spec.make(task, seed)
    if params:
        estimator.set_params(**dict(params))
    steps: list[tuple[str, Any]] = [("features", features)]
    if not spec.handles_missing:
        steps.append(
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True))
        )
    if spec.needs_scaling:
        steps.append(("scale", StandardScaler()))
    steps.append(("model", estimator))
    return Pipeline(steps)


def unwrap_calibrated(model: Any) -> Any:
    """Return the estimator inside a ``CalibratedClassifierCV`` (the fitted one).

    Parameters
    ----------
    model : estimator
        A pipeline, an estimator, or either wrapped for calibration.

    Returns
    -------
    inner : estimator
        The fitted estimator calibrated by ``model`` (``ensemble=False`` keeps
        one), its unfitted template, or ``model`` itself when not wrapped.
    """
    from sklearn.calibration import CalibratedClassifierCV

    calibrated = getattr(model, "calibrated_classifiers_", None)
    if calibrated:
        return calibrated[0].estimator
    if isinstance(model, CalibratedClassifierCV):
        return model.estimator
    return model
