"""Compose builders into one transformer, and build a feature matrix."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd
from sklearn.pipeline import FeatureUnion

from predict.cohort._contract import NOT_INPUT
from predict.features._registry import get_builder
from predict.features._resolve import requested_builders, resolve_features

if TYPE_CHECKING:
    from predict.cohort import Cohort
    from predict.config import ExperimentConfig

__all__ = ["FeatureSet", "build_features", "make_features"]


class FeatureSet(FeatureUnion):
    """The config's feature builders side by side (a :class:`FeatureUnion`).

    Two differences from scikit-learn's FeatureUnion:

    - Input columns are learned in ``fit`` without the outcome columns; at
      transform time a column seen in training but absent from the table is
      added as missing, so new patients are scored without their outcomes and
      a modality missing from the input is scored as missing.
    - Its saved state leaves out a cache of pandas column indexes that
      FeatureUnion keeps for transformers without ``get_feature_names_out``
      (every builder has one): skops, the package's safe format, cannot save
      pandas objects.
    """

    def _inputs(self, X: Any, *, fit: bool) -> Any:
        if not isinstance(X, pd.DataFrame):
            return X
        if fit:
            self.input_columns_ = [c for c in X.columns if c not in NOT_INPUT]
        return X.reindex(columns=self.input_columns_)

    def fit(self, X: Any, y: Any = None, **params: Any) -> FeatureSet:
        """Fit every builder on the training table's input columns."""
        return super().fit(self._inputs(X, fit=True), y, **params)

    def fit_transform(self, X: Any, y: Any = None, **params: Any) -> Any:
        """Fit every builder and return the features of the training table."""
        return super().fit_transform(self._inputs(X, fit=True), y, **params)

    def transform(self, X: Any, **params: Any) -> Any:
        """Return the features of a table (absent input columns as missing)."""
        return super().transform(self._inputs(X, fit=False), **params)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_transformers_feature_names_out", None)
        return state


def make_features(
    features: str | Mapping[str, Mapping[str, Any] | None],
    *,
    primary_scale: str | None = None,
) -> FeatureSet:
    """Build one transformer from a ``features:`` block.

    Parameters
    ----------
    features : "auto" or mapping of str to mapping or None
        Builder name -> its options, as in a config's ``features:`` block
        (an ``optional`` key is ignored); ``"auto"`` takes every registered
        builder. :func:`resolve_features` keeps those the data have.
    primary_scale : {"hamd17", "madrs"} or None, default=None
        Passed to the ``clinical`` builder unless its options name one.

    Returns
    -------
    union : FeatureSet
        A :class:`~sklearn.pipeline.FeatureUnion`, unfitted, with pandas
        output; feature names are ``builder__feature`` (for example
        ``bdnf__met_x_high_freq``).

    Examples
    --------
    >>> union = make_features({"clinical": {}, "bdnf": None})
    >>> [name for name, _ in union.transformer_list]
    ['clinical', 'bdnf']
    """
    steps = []
    for name, options, _ in requested_builders(features):
        if name == "clinical" and primary_scale is not None:
            options.setdefault("primary_scale", primary_scale)
        steps.append((name, get_builder(name, options)))
    return FeatureSet(steps).set_output(transform="pandas")


def build_features(config: ExperimentConfig, cohort: Cohort) -> pd.DataFrame:
    """Fit a config's feature builders on a cohort and return the features.

    The builders the cohort has data for (see :func:`resolve_features`; with
    ``features: auto`` the others are left out), and ComBat when the config
    has a ``harmonize:`` block, are fit on every patient given: use this to
    inspect or export features.
    Training and evaluation fit them inside each cross-validation fold instead.

    Parameters
    ----------
    config : ExperimentConfig
        A validated configuration (see :func:`predict.config.load_config`).
    cohort : Cohort
        A validated cohort (see :func:`predict.read_cohort`); files named by
        its path columns are read with ``config.raw`` unless it was read with
        those options already.

    Returns
    -------
    features : pandas.DataFrame of shape (n_patients, n_features)
        Indexed by ``patient_id``; columns named ``builder__feature``.

    Examples
    --------
    >>> from predict import read_cohort, simulate_cohort
    >>> from predict.config import ExperimentConfig
    >>> config = ExperimentConfig(features={"bdnf": {}})
    >>> X = build_features(config, read_cohort(simulate_cohort(30, seed=0)))
    >>> "bdnf__met_x_high_freq" in X.columns
    True
    """
    from predict.cohort._timepoint import cohort_for

    cohort = cohort_for(config, cohort)  # the markers and visits training sees
    used = resolve_features(config, cohort).used
    union: Any = make_features(used, primary_scale=config.primary_scale)
    if config.harmonize is not None:
        from predict.harmonize import HarmonizedFeatures, make_harmonizer

        scale = config.primary_scale or cohort.primary_scale
        harmonizer = make_harmonizer(config.harmonize, scale)
        union = HarmonizedFeatures([("harmonize", harmonizer), ("build", union)])
    out = union.fit_transform(cohort.data)
    out.index = cohort.data.index
    return out
