"""Scoring a few patients without pandas: parsed cells to built features.

:class:`ResponsePredictor` scores through here when the input is small and
clean (see :func:`predict.cohort._record.parse_records`) and the model is a
plain pipeline whose first step is the package's :class:`FeatureSet`. The
feature builders then compute from the parsed arrays directly
(:meth:`FeatureBuilder.build_columns`), which gives the same matrix as
``FeatureSet.transform`` without its per-call pandas and input-check cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from predict.features import FeatureSet
from predict.features._base import FeatureBuilder

__all__ = ["FastFeatures"]


class FastFeatures:
    """The features step of a fitted pipeline, computed from parsed arrays.

    Parameters
    ----------
    features : FeatureSet
        Fitted, with only the package's builders (or ``"drop"``) inside and
        no transformer weights.

    Attributes
    ----------
    input_columns : list of str
        Columns the feature set was fitted on; absent ones count as missing.
    names : list of str
        Output feature names, in column order.
    """

    def __init__(self, features: FeatureSet) -> None:
        self.builders = [
            step for _, step in features.transformer_list if step != "drop"
        ]
        self.input_columns = list(features.input_columns_)
        self.names = [str(n) for n in features.get_feature_names_out()]

    @classmethod
    def of(cls, model: Any) -> FastFeatures | None:
        """Return the fast features of ``model``, ``None`` if it has none.

        Parameters
        ----------
        model : estimator
            A bundle's fitted model.

        Returns
        -------
        fast : FastFeatures or None
            ``None`` unless ``model`` is a pipeline whose first step is a
            fitted :class:`FeatureSet` of the package's builders.
        """
        if not isinstance(model, Pipeline) or len(model.steps) < 2:
            return None
        features = model.steps[0][1]
        if not isinstance(features, FeatureSet) or features.transformer_weights:
            return None
        if not hasattr(features, "input_columns_"):
            return None
        steps = [s for _, s in features.transformer_list if s != "drop"]
        if not all(isinstance(s, FeatureBuilder) for s in steps):
            return None
        return cls(features)

    def build(self, parsed: Mapping[str, np.ndarray], n: int) -> np.ndarray:
        """Return the feature matrix of ``n`` patients' parsed columns.

        Parameters
        ----------
        parsed : mapping of str to ndarray of shape (n,)
            Parsed columns; columns seen in training but absent here are
            missing for every patient.
        n : int
            Number of patients.

        Returns
        -------
        built : ndarray of shape (n, n_features)
        """
        missing = np.full(n, np.nan)
        columns = {c: parsed.get(c, missing) for c in self.input_columns}
        parts = [builder.build_columns(columns, n) for builder in self.builders]
        if not parts:
            return np.empty((n, 0))
        return np.hstack(parts)
