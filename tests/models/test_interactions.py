"""Marker x protocol products for the linear families."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import FunctionTransformer

from predict.exceptions import ConfigError
from predict.models import ProtocolInteractions, build_pipeline, get_model
from tests.models._data import built_cohort


def _pipeline(name, interactions="protocol", params=None):
    return build_pipeline(
        FunctionTransformer(),
        get_model(name),
        "binary",
        params=params,
        interactions=interactions,
    )


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_products_names_and_sources():
    X, _ = built_cohort(20)
    step = ProtocolInteractions().fit(X)
    names = step.get_feature_names_out().tolist()
    markers = ["tms_eeg__tep_n100_amp_uv", "rest_eeg__iaf_hz", "bdnf__met_carrier"]
    protocols = [
        "clinical__protocol_10Hz",
        "clinical__protocol_iTBS",
        "clinical__protocol_1Hz",
    ]
    assert names[: X.shape[1]] == list(X.columns)
    assert names[X.shape[1] :] == [f"{m}*{p}" for m in markers for p in protocols]
    out = step.transform(np.array(X, dtype=float))  # arrays at transform
    i = names.index("rest_eeg__iaf_hz*clinical__protocol_iTBS")
    np.testing.assert_array_equal(
        out[:, i], X["rest_eeg__iaf_hz"] * X["clinical__protocol_iTBS"]
    )
    src = step.feature_sources_
    assert src[i] == list(X.columns).index("rest_eeg__iaf_hz")
    assert src[: X.shape[1]].tolist() == list(range(X.shape[1]))


def test_single_protocol_passes_through():
    X = pd.DataFrame(
        {"clinical__age": [1.0, 2.0], "tms_eeg__tep_n100_amp_uv": [3.0, 4.0]}
    )
    step = ProtocolInteractions().fit(X)
    np.testing.assert_array_equal(step.transform(X), X.to_numpy())
    assert step.get_feature_names_out().tolist() == list(X.columns)


def test_array_at_fit_is_a_clear_error():
    with pytest.raises(ValueError, match="without column names"):
        ProtocolInteractions().fit(np.ones((3, 2)))


@pytest.mark.parametrize("name", ["elastic_net", "spline_logistic"])
def test_recovers_the_marker_by_protocol_interaction(name):
    X, y = built_cohort(1500, seed=5)
    pipe = _pipeline(name).fit(X, y)
    assert pipe.steps[-2][0] == "interactions"
    names = pipe[1:-1].get_feature_names_out()
    coef = np.abs(np.ravel(pipe[-1].coef_))
    products = [i for i, n in enumerate(names) if "*" in n]
    best = names[products[int(np.argmax(coef[products]))]]
    assert best.startswith("rest_eeg__iaf_hz") and best.endswith(
        "*clinical__protocol_iTBS"
    )


@pytest.mark.parametrize("name", ["xgboost", "svm", "hist_gradient_boosting", "prior"])
def test_non_linear_families_refuse_interactions(name):
    with pytest.raises(ConfigError, match="interactions need a linear family"):
        _pipeline(name)
    with pytest.raises(ConfigError, match="Unknown interactions"):
        _pipeline("elastic_net", interactions="site")
