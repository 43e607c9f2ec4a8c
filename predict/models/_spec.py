"""What a model is to the engine: an estimator factory and its search space."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from predict.exceptions import ConfigError

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
        when a parameter is neither tuned nor fixed. A family that is itself
        a chain (for example a spline basis, scaling and a linear model)
        returns a :class:`~sklearn.pipeline.Pipeline` whose last step is
        named ``"model"``; :func:`build_pipeline` splices its steps in, and
        its parameters are named ``step__param`` (``"basis__n_knots"``).
    search_space : callable
        ``search_space(trial, task) -> dict`` of parameters of ``make``'s
        result drawn from an Optuna trial.
    handles_missing : bool
        Whether the estimator takes NaN; if not, the pipeline imputes the
        median, fit on the training rows only.
    needs_scaling : bool
        Whether the pipeline standardises features before the estimator.
    linear : bool, default=False
        Whether the estimator is linear in what it is given (``coef_``), so
        that protocol interaction columns can be added before it.
    """

    name: str
    description: str
    make: Callable[[Task, int], BaseEstimator]
    search_space: Callable[[optuna.Trial, Task], dict[str, Any]]
    handles_missing: bool
    needs_scaling: bool
    linear: bool = False


def build_pipeline(
    features: BaseEstimator,
    spec: ModelSpec,
    task: Task,
    *,
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
    interactions: str | None = None,
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
        Parameters of ``spec.make``'s result, for example from tuning:
        unprefixed for an estimator, ``step__param`` for a chain.
    interactions : {"protocol"} or None, default=None
        ``"protocol"`` adds marker x protocol products
        (:class:`~predict.models.ProtocolInteractions`) just before a linear
        model.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Steps ``features``, optionally ``impute`` and ``scale``, the
        family's own steps, optionally ``interactions``, and ``model``.

    Raises
    ------
    ConfigError
        For interactions with a model that is not linear, or an unknown kind
        of interactions.

    Examples
    --------
    >>> from predict.features import make_features
    >>> from predict.models import get_model
    >>> pipe = build_pipeline(make_features({"clinical": {}}), get_model("elastic_net"),
    ...                       "binary")
    >>> [name for name, _ in pipe.steps]
    ['features', 'impute', 'scale', 'model']
    """
    _check_interactions(spec, interactions)
    made = spec.make(task, seed)
    if params:
        made.set_params(**dict(params))
    own = list(made.steps) if isinstance(made, Pipeline) else [("model", made)]
    steps: list[tuple[str, Any]] = [("features", features)]
    if not spec.handles_missing:
        steps.append(
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True))
        )
    if spec.needs_scaling:
        steps.append(("scale", StandardScaler()))
    steps.extend(own[:-1])
    if interactions == "protocol":
        from predict.models._interactions import ProtocolInteractions

        # it finds protocol and marker columns by name: carry names to it
        for _, step in steps[1:]:
            if hasattr(step, "set_output"):
                step.set_output(transform="pandas")
        steps.append(("interactions", ProtocolInteractions()))
    steps.append(("model", own[-1][1]))
    return Pipeline(steps)


def _check_interactions(spec: ModelSpec, interactions: str | None) -> None:
    if interactions is None:
        return
    if interactions != "protocol":
        raise ConfigError(
            f"Unknown interactions '{interactions}': the only kind is 'protocol' "
            "(marker x protocol products), or leave it unset."
        )
    if not spec.linear:
        raise ConfigError(
            "interactions need a linear family (elastic_net, spline_logistic); "
            f"model '{spec.name}' is not one."
        )


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
