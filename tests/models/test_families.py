"""The spline and histogram-boosting families on data made in the test."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from predict.config._schema import ModelConfig
from predict.models import SplineBasis, build_pipeline, get_model, list_models
from predict.models._hist import hist_predict
from tests.models._data import built_cohort


def _pipeline(name, task="binary", params=None, interactions=None):
    return build_pipeline(
        FunctionTransformer(),
        get_model(name),
        task,
        seed=0,
        params=params,
        interactions=interactions,
    )


@parametrize_with_checks([SplineBasis(), SplineBasis(n_knots=3, degree=1)])
def test_spline_basis_is_an_estimator(estimator, check):
    check(estimator)


def test_registered_with_linear_flags():
    assert {"spline_logistic", "hist_gradient_boosting"} <= set(list_models())
    linear = {name for name in list_models() if get_model(name).linear}
    assert linear == {"elastic_net", "spline_logistic"}


@pytest.mark.parametrize("name", ["spline_logistic", "hist_gradient_boosting"])
def test_search_space_names_are_settable_and_validated(name):
    import optuna

    study = optuna.create_study()
    regression = get_model(name).search_space(study.ask(), "regression")
    _pipeline(name, "regression", params=regression)
    params = get_model(name).search_space(study.ask(), "binary")
    pipe = _pipeline(name, params=params)
    assert pipe.steps[0][0] == "features" and pipe.steps[-1][0] == "model"
    tunable = pipe[1:].get_params()
    for key, value in params.items():
        flat = key if key in tunable else f"model__{key}"
        assert tunable[flat] == value
    # the config validator accepts the space's names (and rejects others)
    ModelConfig(name=name, params=params)
    with pytest.raises(ValueError, match="unknown parameter"):
        ModelConfig(name=name, params={"n_knotz": 3})


def test_spline_pipeline_steps_and_regression_twin():
    pipe = _pipeline("spline_logistic", params={"basis__n_knots": 4})
    assert [s for s, _ in pipe.steps] == [
        "features",
        "impute",
        "basis",
        "scale",
        "model",
    ]
    assert pipe.named_steps["basis"].n_knots == 4
    reg = _pipeline("spline_logistic", "regression")
    assert type(reg[-1]).__name__ == "ElasticNet"
    X, y = built_cohort(300, seed=3)
    target = 10 * X["tms_eeg__tep_n100_amp_uv"] ** 2 + np.random.default_rng(0).normal(
        size=300
    )
    reg.set_params(model__alpha=0.01).fit(X, target)
    assert reg.score(X, target) > 0.8


def test_spline_beats_elastic_net_on_a_u_shape():
    X, y = built_cohort(2800, seed=1)
    train, test = slice(0, 800), slice(800, None)
    auc = {}
    for name in ("elastic_net", "spline_logistic"):
        pipe = _pipeline(name).fit(X[train], y[train])
        auc[name] = roc_auc_score(y[test], pipe.predict_proba(X[test])[:, 1])
    # measured: elastic net ~0.6 (sees only the iTBS slope), spline ~0.8
    assert auc["spline_logistic"] - auc["elastic_net"] > 0.1, auc


def test_spline_basis_knots_fall_back_to_uniform_and_keep_binary_columns():
    rng = np.random.default_rng(0)
    skewed = np.r_[np.zeros(90), rng.normal(size=10)]  # quantile knots tie at 0
    X = np.c_[skewed, rng.integers(0, 2, 100), np.full(100, 3.0)]
    basis = SplineBasis(n_knots=5, degree=3).fit(X)
    assert basis.continuous_.tolist() == [0]
    out = basis.transform(X)
    np.testing.assert_array_equal(out[:, -2:], X[:, 1:])
    assert out.shape[1] == 5 + 3 - 2 + 2
    assert basis.feature_sources_.tolist() == [0] * 6 + [1, 2]
    assert basis.get_feature_names_out(["a", "b", "c"]).tolist()[-3:] == [
        "a_sp5",
        "b",
        "c",
    ]
    # extrapolation stays finite and linear beyond the training range
    far = basis.transform(np.array([[50.0, 1.0, 3.0], [100.0, 1.0, 3.0]]))
    assert np.isfinite(far).all()


@pytest.mark.parametrize("degree", [1, 2, 3])
@pytest.mark.parametrize("n_knots", [3, 5, 8])
def test_spline_basis_gives_scikit_learns_very_numbers(degree, n_knots):
    """Inside, on and beyond the knots: equal to the bit, so training is unchanged."""
    rng = np.random.default_rng(n_knots * 10 + degree)
    X = rng.normal(size=(200, 4))
    X[:, 1] = np.exp(X[:, 1])  # skewed: quantile knots unevenly spaced
    basis = SplineBasis(n_knots=n_knots, degree=degree).fit(X)
    assert basis._tables is not None  # the vectorised basis is in use
    new = 2 * rng.normal(size=(300, 4))  # a third or so beyond the range
    knots = basis.spline_.bsplines_[2].t
    new[:5, 2] = knots[degree], knots[-degree - 1], knots[degree + 1], 0.0, X[0, 2]
    np.testing.assert_array_equal(basis.transform(new), basis.spline_.transform(new))


def test_spline_basis_keeps_scikit_learns_transform_when_it_differs(monkeypatch):
    from predict.models import _spline

    X = np.random.default_rng(0).normal(size=(100, 3))
    exact = SplineBasis().fit(X).transform(X)
    real = _spline.spline_basis
    monkeypatch.setattr(_spline, "spline_basis", lambda t, X: real(t, X) + 1e-15)
    basis = SplineBasis().fit(X)
    assert basis._tables is None
    np.testing.assert_array_equal(basis.transform(X), exact)


def test_hist_gradient_boosting_handles_missing_values():
    X, y = built_cohort(600, seed=2)
    X = X.copy()
    holes = np.random.default_rng(0).random(X.shape) < 0.2
    X = X.mask(holes)
    pipe = _pipeline("hist_gradient_boosting", params={"max_iter": 40})
    assert [s for s, _ in pipe.steps] == ["features", "model"]
    pipe.fit(X, y)
    proba = pipe.predict_proba(X)[:, 1]
    assert np.isfinite(proba).all() and roc_auc_score(y, proba) > 0.7
    assert pipe[-1].early_stopping is False and pipe[-1].random_state == 0


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_vectorised_hist_predict_equals_sklearn(task):
    X, y = built_cohort(500, seed=4)
    target = y if task == "binary" else X["rest_eeg__iaf_hz"].to_numpy() * 3
    model = get_model("hist_gradient_boosting").make(task, 0)
    model.set_params(max_iter=30, max_depth=None, max_leaf_nodes=31)
    arr = np.array(X, dtype=float)
    arr[np.random.default_rng(1).random(arr.shape) < 0.15] = np.nan
    model.fit(arr, target)
    arr[:5] = np.nan
    expected = (
        model.predict_proba(arr)[:, 1] if task == "binary" else model.predict(arr)
    )
    np.testing.assert_allclose(
        hist_predict(model, arr), expected, rtol=1e-12, atol=1e-12
    )
    assert hist_predict(get_model("elastic_net").make(task, 0), arr) is None
