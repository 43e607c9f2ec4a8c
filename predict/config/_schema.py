"""Experiment configuration: the YAML files in ``configs/`` as pydantic models.

Unknown keys are errors everywhere; builder and model names and their options
are checked against the registries.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from predict.raw._step import RawOptions

__all__ = [
    "CVConfig",
    "CandidateConfig",
    "EvaluationConfig",
    "ExperimentConfig",
    "HarmonizeConfig",
    "InnerCVConfig",
    "ModelConfig",
    "OuterCVConfig",
    "PredictAtConfig",
    "TrackingConfig",
    "TuningConfig",
]

_STRICT = ConfigDict(extra="forbid", frozen=True)


class CandidateConfig(BaseModel):
    """One model family that ``auto`` or ``select`` tunes in the inner loop.

    Parameters
    ----------
    n_trials : int or None, default=None
        Optuna trials of this family per study; ``None`` uses
        ``tuning.n_trials``.
    params : dict, default={}
        Estimator parameters held fixed for this family.
    """

    model_config = _STRICT

    n_trials: int | None = Field(None, ge=1)
    params: dict[str, Any] = Field(default_factory=dict)


def _check_params(name: str, params: dict[str, Any]) -> None:
    """Raise for a fixed parameter the model ``name`` does not have."""
    from predict.cohort._messages import did_you_mean
    from predict.models import get_model

    spec = get_model(name)  # ConfigError (a ValueError) for unknown names
    valid = sorted(spec.make("binary", 0).get_params())
    for key in params:
        if key not in valid:
            raise ValueError(
                f"unknown parameter '{key}' for model '{name}'."
                f"{did_you_mean(key, valid)} Valid parameters: {', '.join(valid)}"
            )


class ModelConfig(BaseModel):
    """Which model, which parameters are fixed, and optional calibration.

    Parameters
    ----------
    name : str, default="xgboost"
        A name from :func:`predict.models.list_models`, or ``auto`` (every
        candidate family tuned on the same inner folds, combined by stacking
        with non-negative weights) or ``select`` (the candidate with the best
        inner score).
    params : dict, default={}
        Estimator parameters held fixed (removed from the search space); for
        ``auto`` and ``select`` give them per candidate instead.
    calibration : {"sigmoid", "isotonic"} or None, default=None
        Probability calibration, fit inside the inner cross-validation.
    interactions : {"protocol"} or None, default=None
        ``protocol``: linear families also get each marker feature times each
        protocol indicator, regularised with the rest (for ``auto`` and
        ``select``: their linear candidates).
    candidates : dict of str to CandidateConfig, default={}
        Families of ``auto`` and ``select`` with their trials; empty uses
        elastic_net, spline_logistic and hist_gradient_boosting.
    """

    model_config = _STRICT

    name: str = "xgboost"
    params: dict[str, Any] = Field(default_factory=dict)
    calibration: Literal["sigmoid", "isotonic"] | None = None
    interactions: Literal["protocol"] | None = None
    candidates: dict[str, CandidateConfig] = Field(default_factory=dict)

    @field_validator("candidates", mode="before")
    @classmethod
    def _candidate_defaults(cls, value: Any) -> Any:
        if isinstance(value, list):  # [elastic_net, xgboost]
            return {name: {} for name in value}
        if isinstance(value, dict):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _model_exists(self) -> ModelConfig:
        from predict.models import ENSEMBLES, get_model

        if self.name not in ENSEMBLES:
            _check_params(self.name, self.params)
            if self.candidates:
                raise ValueError(
                    f"'candidates' are for model 'auto' or 'select', not '{self.name}'"
                )
            if self.interactions and not get_model(self.name).linear:
                raise ValueError(_interactions_need_linear(self.name))
            return self
        if self.params:
            raise ValueError(
                f"model '{self.name}' takes fixed parameters per candidate "
                "(candidates: {elastic_net: {params: {l1_ratio: 0.5}}}), not in "
                "'params'"
            )
        for name, candidate in self.candidates.items():
            if name in ENSEMBLES or name == "prior":
                raise ValueError(
                    f"candidate '{name}' is not a model family: use families such "
                    "as elastic_net, spline_logistic, hist_gradient_boosting, xgboost"
                )
            _check_params(name, candidate.params)
        return self


def _interactions_need_linear(name: str) -> str:
    from predict.models import MODELS

    linear = ", ".join(n for n, s in sorted(MODELS.items()) if s.linear)
    return f"'interactions' need a linear family ({linear}), not '{name}'"


class OuterCVConfig(BaseModel):
    """Outer cross-validation: how the honest estimate is split.

    Parameters
    ----------
    scheme : {"stratified", "leave_site_out", "group"}, default="stratified"
        Repeated stratified K-fold (K-fold for percent change), one fold per
        site, or group K-fold on ``group_column``.
    n_splits : int, default=5
        Folds (ignored by ``leave_site_out``).
    n_repeats : int, default=1
        Repeats of a stratified split with different shuffles.
    group_column : str or None, default=None
        Column whose values keep patients together (scheme ``group``).
    """

    model_config = _STRICT

    scheme: Literal["stratified", "leave_site_out", "group"] = "stratified"
    n_splits: int = Field(5, ge=2)
    n_repeats: int = Field(1, ge=1)
    group_column: str | None = None

    @model_validator(mode="after")
    def _group_needs_column(self) -> OuterCVConfig:
        if self.scheme == "group" and not self.group_column:
            raise ValueError("scheme 'group' needs 'group_column' (for example site)")
        return self


class InnerCVConfig(BaseModel):
    """Inner cross-validation on each outer training part, for tuning."""

    model_config = _STRICT

    n_splits: int = Field(5, ge=2)


class CVConfig(BaseModel):
    """Outer and inner cross-validation."""

    model_config = _STRICT

    outer: OuterCVConfig = Field(default_factory=OuterCVConfig)
    inner: InnerCVConfig = Field(default_factory=InnerCVConfig)


class TuningConfig(BaseModel):
    """Optuna tuning inside every outer fold.

    Parameters
    ----------
    n_trials : int, default=30
        Trials per study (one study per outer fold and one for the final model).
    timeout : float or None, default=None
        Seconds per study; a timeout makes results depend on machine speed.
    metric : {"log_loss", "brier", "roc_auc", "mse", "r2"} or None, default=None
        What the trials are scored by on the inner folds. ``None``: log loss
        for response and remission, mean squared error for percent change;
        proper scores choose regularisation for calibrated predictions (AUC
        stays the reported headline). Studies maximise, so losses are
        negated, as in scikit-learn's ``neg_log_loss``.
    pruning : bool, default=True
        Stop weak trials early (median pruner on the running inner mean).
    storage : str or None, default=None
        SQLAlchemy URL of an Optuna storage (``postgresql://host/db``,
        ``sqlite:///studies.db``) that keeps the studies, so that
        ``rtms-predict worker`` processes can join them and a rerun resumes;
        ``None`` keeps them in memory. ``--storage`` overrides it. Keep the
        password out of the URL (``~/.pgpass`` or ``PGPASSWORD``).
    """

    model_config = _STRICT

    n_trials: int = Field(30, ge=1)
    timeout: float | None = Field(None, gt=0)
    metric: Literal["log_loss", "brier", "roc_auc", "mse", "r2"] | None = None
    pruning: bool = True
    storage: str | None = None

    @field_validator("storage")
    @classmethod
    def _storage_is_url(cls, value: str | None) -> str | None:
        if value is not None and "://" not in value:
            raise ValueError(
                f"'{value}' is not a database URL: expected for example "
                "'postgresql://user@host/db' or 'sqlite:///studies.db'"
            )
        return value


class EvaluationConfig(BaseModel):
    """Metrics, confidence intervals, permutation test and threshold.

    Parameters
    ----------
    threshold : "youden" or float, default="youden"
        Decision threshold for the class metrics: chosen in the inner loop
        (Youden's J on the inner out-of-fold predictions) or fixed.
    n_bootstrap : int, default=1000
        Bootstrap resamples for the 95 % confidence intervals.
    ci : float, default=0.95
        Confidence level.
    n_permutations : int, default=100
        Label permutations for the p-value of the headline metric (0: none).
    permutation : {"fixed_params", "full"}, default="fixed_params"
        ``full`` re-runs the whole nested procedure per permutation;
        ``fixed_params`` re-fits each outer fold with its tuned parameters.
    """

    model_config = _STRICT

    threshold: Literal["youden"] | float = "youden"
    n_bootstrap: int = Field(1000, ge=0)
    ci: float = Field(0.95, gt=0, lt=1)
    n_permutations: int = Field(100, ge=0)
    permutation: Literal["fixed_params", "full"] = "fixed_params"

    @field_validator("threshold")
    @classmethod
    def _threshold_in_range(cls, value: str | float) -> str | float:
        if not isinstance(value, str) and not 0 < value < 1:
            raise ValueError(f"a fixed threshold must be in (0, 1), got {value}")
        return value


class HarmonizeConfig(BaseModel):
    """Site harmonisation of the markers, fit inside every training part.

    Parameters
    ----------
    method : {"combat"}, default="combat"
        ComBat (empirical Bayes location/scale), one model per modality.
    covariates : list of {"age", "sex", "baseline"}, default=all three
        Biological covariates whose effect on the markers is kept.
    modalities : "all" or list of str, default="all"
        Modalities whose markers are harmonised.
    eb : bool, default=True
        Empirical-Bayes shrinkage of the site estimates.
    unseen_site : {"estimate", "none"}, default="estimate"
        A site not seen in training: estimate its location and scale from a
        batch of at least ``min_batch`` of its patients with the training fit
        frozen (fewer: no adjustment, with a warning), or never adjust.
    min_batch : int, default=10
        Fewest patients of an unseen site needed to estimate its effects.
    """

    model_config = _STRICT

    method: Literal["combat"] = "combat"
    covariates: list[Literal["age", "sex", "baseline"]] = Field(
        default_factory=lambda: ["age", "sex", "baseline"]  # type: ignore[arg-type]
    )
    modalities: (
        Literal["all"]
        | list[Literal["tms_eeg", "tms_emg", "rest_eeg", "connectivity", "bdnf", "mri"]]
    ) = "all"
    eb: bool = True
    unseen_site: Literal["estimate", "none"] = "estimate"
    min_batch: int = Field(10, ge=2)

    @field_validator("modalities")
    @classmethod
    def _some_modality(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list) and not value:
            raise ValueError("'modalities' needs at least one modality, or 'all'")
        return value


class TrackingConfig(BaseModel):
    """Where runs are tracked.

    Parameters
    ----------
    uri : str or None, default=None
        MLflow tracking URI; ``None`` uses ``MLFLOW_TRACKING_URI`` or the
        local ``sqlite:///mlflow.db``. ``--tracking-uri`` overrides both.
    experiment : str or None, default=None
        MLflow experiment name; ``None`` uses ``rtms-predict``.
    """

    model_config = _STRICT

    uri: str | None = None
    experiment: str | None = None


class PredictAtConfig(BaseModel):
    """When the model predicts: a day of the course or a visit label.

    Features may use the baseline table and the visits at or before this
    time, nothing later (see :meth:`predict.cohort.Cohort.at`).

    Parameters
    ----------
    day : float or None, default=None
        Days since the first treatment session (0 = right after it), 0-365.
    visit : str or None, default=None
        A visit label of the visits table (``w1``): each patient's own day
        of that visit.
    """

    model_config = _STRICT

    day: float | None = Field(None, ge=0, le=365)
    visit: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _one_of(self) -> PredictAtConfig:
        if (self.day is None) == (self.visit is None):
            raise ValueError("give either 'day' or 'visit', for example {day: 7}")
        return self


class ExperimentConfig(BaseModel):
    """One experiment: data, features, model, cross-validation and tuning.

    Parameters
    ----------
    name : str or None, default=None
        Experiment name; :func:`load_config` defaults it to the file stem.
    description : str, default=""
        Free text shown in summaries.
    target : {"response", "remission", "pct_change"}, default="response"
        Binary response or remission, or percent change (regression).
    primary_scale : {"hamd17", "madrs"} or None, default=None
        Scale the outcomes and baseline severity come from; ``None`` follows
        the contract (HAMD-17 when present).
    features : "auto" or dict of str to dict
        ``auto``: every registered builder whose modality the data have
        (the others are left out, saying why). Or builder name -> its options
        (``{}`` or null for defaults); ``optional: true`` among a builder's
        options leaves it out when no patient has its data, where a builder
        without it stops training (see :func:`predict.features.resolve_features`).
    model : ModelConfig
        See :class:`ModelConfig`.
    cv : CVConfig
        See :class:`OuterCVConfig` and :class:`InnerCVConfig`.
    tuning : TuningConfig
        See :class:`TuningConfig`.
    evaluation : EvaluationConfig
        See :class:`EvaluationConfig`.
    harmonize : HarmonizeConfig or None, default=None
        Site harmonisation of the markers before the feature builders (see
        :class:`HarmonizeConfig`); ``None``: none.
    tracking : TrackingConfig
        See :class:`TrackingConfig`.
    raw : RawOptions
        How raw-recording files named by a cohort's path columns become
        markers (see :class:`predict.raw.RawOptions`).
    predict_at : PredictAtConfig or None, default=None
        Predict at a time during the course from baseline and the visits up
        to it (see :class:`PredictAtConfig`); ``None``: from baseline only.
    seed : int, default=0
        Seeds splits, tuning, models and resampling: same seed, same result.
    n_jobs : int, default=1
        Outer folds run in parallel (-1: all cores).

    Examples
    --------
    >>> config = ExperimentConfig(features={"clinical": {}, "bdnf": None})
    >>> sorted(config.features), config.model.name, config.cv.outer.n_splits
    (['bdnf', 'clinical'], 'xgboost', 5)
    """

    model_config = _STRICT

    name: str | None = None
    description: str = ""
    target: Literal["response", "remission", "pct_change"] = "response"
    primary_scale: Literal["hamd17", "madrs"] | None = None
    features: Literal["auto"] | dict[str, dict[str, Any]]
    model: ModelConfig = Field(default_factory=ModelConfig)
    cv: CVConfig = Field(default_factory=CVConfig)
    tuning: TuningConfig = Field(default_factory=TuningConfig)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    harmonize: HarmonizeConfig | None = None
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)
    raw: RawOptions = Field(default_factory=RawOptions)
    predict_at: PredictAtConfig | None = None
    seed: int = Field(0, ge=0)
    n_jobs: int = Field(1, ge=-1)

    @field_validator("features", mode="before")
    @classmethod
    def _options_default_to_empty(cls, value: Any) -> Any:
        if isinstance(value, str) and value != "auto":
            raise ValueError(
                f"expected 'auto' or a mapping of builder names to options, got "
                f"'{value}'"
            )
        if isinstance(value, dict):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value

    @field_validator("features")
    @classmethod
    def _builders_exist(
        cls, value: str | dict[str, dict[str, Any]]
    ) -> str | dict[str, dict[str, Any]]:
        from predict.features import get_builder

        if isinstance(value, str):
            return value
        if not value:
            raise ValueError("at least one feature builder is needed, or 'auto'")
        for name, options in value.items():
            optional = options.get("optional", False)
            if not isinstance(optional, bool):
                raise ValueError(
                    f"'optional' of feature builder '{name}' must be true or false, "
                    f"got {optional!r}"
                )
            get_builder(name, options)  # raises ConfigError naming the problem
        return value

    @model_validator(mode="after")
    def _visit_builders_need_a_time(self) -> ExperimentConfig:
        from predict.features import BUILDERS

        if self.predict_at is None and not isinstance(self.features, str):
            for name in self.features:
                if getattr(BUILDERS.get(name), "reads_visits", False):
                    raise ValueError(
                        f"feature builder '{name}' reads visits: set 'predict_at' "
                        "(for example {visit: w1}) to say up to when"
                    )
        return self

    @model_validator(mode="after")
    def _metric_fits_target(self) -> ExperimentConfig:
        metric = self.tuning.metric
        binary = ("log_loss", "brier", "roc_auc")
        if metric is not None and (metric in binary) != (self.task == "binary"):
            valid = binary if self.task == "binary" else ("mse", "r2")
            raise ValueError(
                f"tuning.metric '{metric}' does not fit target '{self.target}': "
                f"expected one of {', '.join(valid)}"
            )
        if self.model.name in ("auto", "select") and self.tuning.storage is not None:
            raise ValueError(
                f"model '{self.model.name}' tunes its candidate families in this "
                "process: 'tuning.storage' (shared studies for workers) needs a "
                "single family such as elastic_net"
            )
        return self

    @property
    def tuning_metric(self) -> str:
        """The inner-fold score: ``tuning.metric`` or the target's default."""
        if self.tuning.metric is not None:
            return self.tuning.metric
        return "log_loss" if self.task == "binary" else "mse"

    @property
    def task(self) -> Literal["binary", "regression"]:
        """``"regression"`` for ``pct_change``, ``"binary"`` otherwise."""
        return "regression" if self.target == "pct_change" else "binary"
