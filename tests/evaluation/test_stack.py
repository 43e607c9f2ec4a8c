"""``auto`` and ``select``: stacking inside the outer training part only."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from predict import read_cohort, train
from predict.evaluation._nested import Plan, run_fold
from predict.evaluation._splits import outer_folds, target_of
from predict.evaluation._tuning import inner_score
from predict.models import fit_stack
from tests.evaluation.conftest import fast_config
from tests.features._patchy import patchy_cohort

CANDIDATES = {"elastic_net": {"n_trials": 3}, "xgboost": {"n_trials": 3}}


def _auto(**overrides):
    model = {"name": "auto", "candidates": CANDIDATES, **overrides.pop("model", {})}
    return fast_config(model=model, **{"features": "auto", **overrides})


@pytest.fixture(scope="module")
def cohort():
    # The patchy generator, not the simulator: other truths and missingness.
    return read_cohort(patchy_cohort(150, seed=5))


def test_stack_gives_no_weight_to_a_member_that_does_not_help():
    rng = np.random.default_rng(1)
    truth = rng.normal(size=800)
    y = (rng.random(800) < expit(1.5 * truth)).astype(float)
    members = np.column_stack(
        [expit(truth), expit(rng.normal(size=800)), expit(-truth)]
    )
    weights, _ = fit_stack(members, y, "binary")
    assert (weights >= 0).all()
    assert weights[0] > 1.0  # the informative member, sharpened toward 1.5
    assert weights[1] < 0.1 * weights[0]  # chance correlation only
    assert weights[2] == 0.0  # anti-informative: never a negative weight


def test_regression_stack_is_non_negative_least_squares():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(2, 500))
    y = 10 + 2 * a + rng.normal(size=500)
    weights, intercept = fit_stack(np.column_stack([a, b, -a]), y, "regression")
    assert weights[0] == pytest.approx(2.0, abs=0.15)
    assert weights[1] < 0.1 and weights[2] == 0.0
    assert intercept == pytest.approx(10.0, abs=0.15)


def test_losses_are_negated_so_studies_maximise():
    y = np.array([0.0, 1.0, 1.0, 0.0])
    good, bad = np.array([0.1, 0.9, 0.8, 0.2]), np.array([0.6, 0.4, 0.5, 0.5])
    for metric in ("log_loss", "brier", "roc_auc"):
        assert inner_score(metric, y, good) > inner_score(metric, y, bad), metric
    assert inner_score("mse", y, y) == 0.0 > inner_score("mse", y, 1 - y)


def test_auto_weights_are_reported_per_fold_and_for_the_final_model(cohort):
    result = train(_auto(), cohort, progress=False)
    weights = result.fold_metrics[["weight_elastic_net", "weight_xgboost"]]
    assert len(weights) == 3 and (weights.to_numpy() >= 0).all()
    final = result.final_params
    assert set(final["members"]) == set(final["weights"]) == set(CANDIDATES)
    assert set(result.trials["family"].dropna()) == set(CANDIDATES)
    # the bundle's model is the stack: only members with weight > 0 are kept
    stack = result.final_model.steps[-1][1]
    kept = [name for name, _ in stack.members_]
    assert kept == [f for f, w in final["weights"].items() if w > 0]


def test_select_keeps_the_family_with_the_best_inner_score(cohort):
    result = train(_auto(model={"name": "select"}), cohort, progress=False)
    for weights in result.best_params:
        assert sorted(weights["weights"].values()) == [0.0, 1.0]
    trials = result.trials[result.trials["fold"] == -1]
    best = trials.groupby("family")["value"].max().idxmax()
    assert result.final_params["weights"][best] == 1.0


def test_outer_test_patients_do_not_reach_the_stack(cohort):
    """Members and weights are fit on the training part of each outer fold.

    A marker planted in the outer test patients only (equal to their outcome;
    missing in the training part), with those patients' outcomes flipped,
    leaves the fold's weights and its test predictions unchanged.
    """
    config = _auto(features={"clinical": {}, "rest_eeg": {}, "bdnf": {}})
    data, y = target_of(config, cohort)
    fold = outer_folds(config, data, y)[0]
    plan = Plan(config, cohort.primary_scale)
    blank = data.assign(eeg_leak_rel=np.nan)
    before = run_fold(plan, blank, y, fold)

    flipped = y.copy()
    flipped[fold.test] = 1 - flipped[fold.test]
    # in patients with resting EEG, so its presence indicator does not move
    has_eeg = data.filter(like="eeg_").notna().any(axis=1).to_numpy()
    rows = fold.test[has_eeg[fold.test]]
    assert len(rows) > 10
    planted = blank.copy()
    planted.iloc[rows, planted.columns.get_loc("eeg_leak_rel")] = flipped[rows]
    after = run_fold(plan, planted, flipped, fold)
    assert after.tuned.weights == before.tuned.weights
    np.testing.assert_allclose(after.predictions, before.predictions, rtol=1e-12)
    # the same marker in the training part does reach the model
    known = blank.assign(eeg_leak_rel=y.astype(float))
    moved = run_fold(plan, known, y, fold)
    assert np.abs(moved.predictions - before.predictions).max() > 0.05


@pytest.mark.parametrize(
    ("model", "tuning", "message"),
    [
        ({"name": "auto", "params": {"C": 1.0}}, {}, "per candidate"),
        ({"name": "elastic_net", "candidates": ["xgboost"]}, {}, "'candidates' are"),
        ({"name": "auto", "candidates": ["select"]}, {}, "not a model family"),
        ({"name": "auto", "candidates": ["elastic_nett"]}, {}, "elastic_net"),
        (
            {"name": "auto", "candidates": {"xgboost": {"params": {"depth": 2}}}},
            {},
            "max_depth",
        ),
        ({"name": "auto"}, {"storage": "sqlite:///s.db"}, "single family"),
        ({"name": "elastic_net"}, {"metric": "r2"}, "does not fit target"),
    ],
)
def test_bad_model_configs_say_what_is_expected(model, tuning, message):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message):
        fast_config(model=model, tuning=tuning)


def test_tuning_metric_defaults_to_a_proper_score():
    assert fast_config().tuning_metric == "log_loss"
    assert fast_config(target="pct_change").tuning_metric == "mse"
    assert fast_config(tuning={"metric": "roc_auc"}).tuning_metric == "roc_auc"


def test_stack_contributions_add_up_to_its_log_odds(cohort):
    """With linear members only, contributions plus a constant are the logit."""
    from scipy.special import logit

    from predict.scoring._explain import contributions

    linear = {"elastic_net": {"n_trials": 3}, "spline_logistic": {"n_trials": 3}}
    result = train(_auto(model={"candidates": linear}), cohort, progress=False)
    table, unit = contributions(result.final_model, cohort.data, "binary")
    assert unit == "log-odds"
    p = result.final_model.predict_proba(cohort.data)[:, 1]
    offset = logit(p) - table.sum(axis=1).to_numpy()
    assert np.ptp(offset) < 1e-8  # the same intercept for every patient


def test_auto_predicts_percent_change_with_a_non_negative_least_squares_stack(
    cohort,
):
    families = {"elastic_net": {"n_trials": 2}, "hist_gradient_boosting": {}}
    config = _auto(
        target="pct_change",
        model={"candidates": families},
        tuning={"n_trials": 2},
    )
    result = train(config, cohort, progress=False)
    assert config.tuning_metric == "mse"
    weights = result.final_params["weights"]
    assert set(weights) == set(families) and min(weights.values()) >= 0
    assert type(result.final_model.steps[-1][1]).__name__ == "StackedRegressor"
    assert np.isfinite(result.metrics.loc["r2", "value"])


def test_auto_can_be_calibrated_around_the_stack(cohort):
    result = train(_auto(model={"calibration": "sigmoid"}), cohort, progress=False)
    p = result.final_model.predict_proba(cohort.data)[:, 1]
    assert np.all((p > 0) & (p < 1))
    assert type(result.final_model).__name__ == "CalibratedClassifierCV"
