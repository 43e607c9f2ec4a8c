"""Contributions of the spline, interaction and boosting families."""

from __future__ import annotations

import numpy as np
import pytest
import skops.io as sio
from sklearn.preprocessing import FunctionTransformer

import predict.scoring._explain as explain
from predict.models import build_pipeline, get_model
from predict.scoring import TRUSTED_TYPES
from predict.scoring._explain import (
    contributions_of,
    log_odds_contributions,
    prepare,
    score_prepared,
)
from tests.models._data import built_cohort

FAMILIES = [
    pytest.param("spline_logistic", None, {}, id="spline"),
    pytest.param("spline_logistic", "protocol", {}, id="spline-interactions"),
    pytest.param("elastic_net", "protocol", {}, id="elastic-net-interactions"),
    pytest.param("hist_gradient_boosting", None, {"max_iter": 40}, id="hgb"),
]


def _fitted(name, interactions=None, params=None, task="binary", n=400):
    X, y = built_cohort(n, seed=7)
    target = y if task == "binary" else X["rest_eeg__iaf_hz"].to_numpy() * 5
    pipe = build_pipeline(
        FunctionTransformer(),
        get_model(name),
        task,
        params=params,
        interactions=interactions,
    ).fit(X, target)
    built = np.array(X, dtype=float)
    built[np.random.default_rng(0).random(built.shape) < 0.1] = np.nan
    return pipe, built, [str(c) for c in X.columns]


def _logit(p):
    return np.log(p) - np.log1p(-p)


@pytest.mark.parametrize("interactions", [None, "protocol"])
@pytest.mark.parametrize("name", ["spline_logistic", "elastic_net"])
def test_linear_contributions_sum_to_the_logit(name, interactions):
    pipe, built, names = _fitted(name, interactions)
    values, unit = contributions_of(pipe, built, names, "binary")
    assert unit == "log-odds" and values.shape == built.shape
    proba = score_prepared(pipe[-1], prepare(pipe, built), "binary")
    total = values.sum(axis=1) + pipe[-1].intercept_[0]
    np.testing.assert_allclose(total, _logit(proba), atol=1e-9)
    np.testing.assert_allclose(
        log_odds_contributions(pipe, built, names, "binary"), values
    )
    # the protocol columns' own share includes nothing of the markers'
    assert np.abs(values[:, names.index("rest_eeg__iaf_hz")]).max() > 0


def _loop(pipe, built, task, link):
    """The former change-to-missing: one prediction per blanked column."""
    est = pipe[-1]
    base = link(score_prepared(est, prepare(pipe, built), task))
    out = np.empty_like(built)
    for j in range(built.shape[1]):
        blanked = built.copy()
        blanked[:, j] = np.nan
        out[:, j] = base - link(score_prepared(est, prepare(pipe, blanked), task))
    return out


@pytest.mark.parametrize("task", ["binary", "regression"])
@pytest.mark.parametrize(
    "name,params",
    [
        ("hist_gradient_boosting", {"max_iter": 40}),
        ("random_forest", {"n_estimators": 20}),
        ("svm", {}),
    ],
)
def test_batched_change_to_missing_equals_the_loop(name, params, task, monkeypatch):
    pipe, built, names = _fitted(name, params=params, task=task, n=200)
    built = built[:25]
    ident = np.asarray
    values, unit = contributions_of(pipe, built, names, task)
    assert unit == ("probability" if task == "binary" else "% change")
    np.testing.assert_allclose(values, _loop(pipe, built, task, ident), atol=1e-10)
    link = _logit if task == "binary" else ident
    np.testing.assert_allclose(
        log_odds_contributions(pipe, built, names, task),
        _loop(pipe, built, task, link),
        atol=1e-8,
    )
    # one batch: at most one call of the estimator for all patients
    calls = []
    real = explain.score_prepared
    monkeypatch.setattr(
        explain, "score_prepared", lambda *a: calls.append(1) or real(*a)
    )
    contributions_of(pipe, built, names, task)
    assert len(calls) <= 1


def test_one_patient_hgb_explains_without_sklearn_predict(monkeypatch):
    pipe, built, names = _fitted("hist_gradient_boosting", params={"max_iter": 40})
    expected = log_odds_contributions(pipe, built[:1], names, "binary")

    def refuse(*args, **kwargs):
        raise AssertionError("per-tree sklearn prediction called")

    monkeypatch.setattr(type(pipe[-1]), "predict_proba", refuse)
    got = log_odds_contributions(pipe, built[:1], names, "binary")
    np.testing.assert_array_equal(got, expected)
    assert got.shape == (1, len(names))


@pytest.mark.parametrize("task", ["binary", "regression"])
@pytest.mark.parametrize("name,interactions,params", [p.values for p in FAMILIES])
def test_skops_round_trip_with_trusted_types(name, interactions, params, task):
    pipe, built, _ = _fitted(name, interactions, params, task=task, n=200)
    data = sio.dumps(pipe)
    assert set(sio.get_untrusted_types(data=data)) <= set(TRUSTED_TYPES)
    loaded = sio.loads(data, trusted=TRUSTED_TYPES)
    X, _ = built_cohort(50, seed=9)
    method = "predict_proba" if task == "binary" else "predict"
    np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(pipe, method)(X))


@pytest.mark.slow
@pytest.mark.parametrize(
    "model",
    [
        {"name": "spline_logistic"},
        {"name": "hist_gradient_boosting", "params": {"max_iter": 30}},
    ],
    ids=["spline_logistic", "hist_gradient_boosting"],
)
def test_bundle_round_trip_scores_identically(tmp_path, model):
    from predict import read_cohort, simulate_cohort, train
    from predict.scoring import load_bundle, save_bundle
    from tests.evaluation.conftest import fast_config

    cohort = read_cohort(simulate_cohort(120, seed=2))
    result = train(fast_config(model=model, tuning={"n_trials": 2}), cohort)
    bundle = load_bundle(save_bundle(result, cohort, tmp_path / "bundle"))
    np.testing.assert_array_equal(
        bundle.model.predict_proba(cohort.data)[:, 1],
        result.final_model.predict_proba(cohort.data)[:, 1],
    )


def test_missing_change_of_boosted_trees_walks_only_the_trees_that_split():
    """The per-feature shortcut equals blanking each feature and predicting."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from predict.models._hist import hist_missing_change

    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, 6))
    X[rng.random(X.shape) < 0.1] = np.nan
    y = ((np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 1]) ** 2) > 1).astype(int)
    model = HistGradientBoostingClassifier(max_iter=40, max_depth=3).fit(X, y)
    rows = X[:25]
    for link in (True, False):
        raw, change = hist_missing_change(model, rows, link=link)
        base = model.predict_proba(rows)[:, 1]
        np.testing.assert_allclose(raw, model.decision_function(rows), atol=1e-9)
        for j in range(X.shape[1]):
            blanked = rows.copy()
            blanked[:, j] = np.nan
            p = model.predict_proba(blanked)[:, 1]
            expected = (
                np.log(base / (1 - base)) - np.log(p / (1 - p)) if link else base - p
            )
            np.testing.assert_allclose(change[:, j], expected, atol=1e-9)


def test_missing_change_in_row_chunks_equals_one_walk(monkeypatch):
    """Walks bounded in memory give the same numbers as one walk of every row."""
    import predict.models._hist as hist

    pipe, built, _ = _fitted("hist_gradient_boosting", params={"max_iter": 60})
    model = pipe[-1]
    raw, change = hist.hist_missing_change(model, built, link=False)
    p = hist.hist_predict(model, built)
    monkeypatch.setattr(hist, "_WALK_CELLS", 7 * len(hist._packed(model)["roots"]))
    assert len(hist._row_chunks(hist._packed(model), len(built))) > 10
    chunked_raw, chunked = hist.hist_missing_change(model, built, link=False)
    np.testing.assert_array_equal(chunked, change)
    np.testing.assert_array_equal(chunked_raw, raw)
    np.testing.assert_array_equal(hist.hist_predict(model, built), p)
    np.testing.assert_allclose(p, model.predict_proba(built)[:, 1], atol=1e-12)


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_stack_scores_and_contributions_in_one_pass(task):
    """The scorer's one pass equals the stack's own prediction and contributions."""
    from sklearn.pipeline import Pipeline

    from predict.models import StackedClassifier, StackedRegressor
    from predict.scoring._explain import scores_and_contributions

    X, y = built_cohort(300, seed=3)
    target = y if task == "binary" else X["rest_eeg__iaf_hz"].to_numpy() * 5
    members = [
        (
            name,
            build_pipeline(FunctionTransformer(), get_model(name), task, params=params)[
                1:
            ],
        )
        for name, params in [
            ("elastic_net", None),
            ("spline_logistic", None),
            ("hist_gradient_boosting", {"max_iter": 30}),
        ]
    ]
    stack = StackedClassifier if task == "binary" else StackedRegressor
    pipe = Pipeline(
        [
            ("features", FunctionTransformer()),
            ("model", stack(members, [0.5, 0.3, 0.4])),
        ]
    ).fit(X, target)
    built = np.array(X, dtype=float)
    built[np.random.default_rng(1).random(built.shape) < 0.1] = np.nan
    names = [str(c) for c in X.columns]
    scores, values, unit = scores_and_contributions(pipe, built, names, task)
    method = "predict_proba" if task == "binary" else "predict"
    expected = getattr(pipe[-1], method)(built)
    np.testing.assert_allclose(
        scores, expected[:, 1] if task == "binary" else expected, atol=1e-10
    )
    fitted = pipe[-1]
    expected_values = sum(
        w
        * log_odds_contributions(
            Pipeline([("f", "passthrough"), *m.steps]), built, names, task
        )
        for (_, m), w in zip(fitted.members_, fitted.weights_, strict=True)
    )
    np.testing.assert_allclose(values, expected_values, atol=1e-10)
    np.testing.assert_allclose(contributions_of(pipe, built, names, task)[0], values)
    assert unit == ("log-odds" if task == "binary" else "% change")
