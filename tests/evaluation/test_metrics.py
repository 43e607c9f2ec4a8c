from __future__ import annotations

import math
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from scipy.special import expit, logit
from sklearn import metrics as skm

from predict.evaluation import _metrics
from predict.evaluation._metrics import (
    binary_metrics,
    bootstrap_ci,
    calibration_intercept_slope,
    decision_curve,
    regression_metrics,
    youden_threshold,
)

# Eight patients, four responders. Predicted positive when y_prob >= 0.5:
#   responders     0.9 (TP) 0.8 (TP) 0.6 (TP) 0.3 (FN)
#   non-responders 0.7 (FP) 0.55 (FP) 0.4 (TN) 0.1 (TN)
# TP=3 FN=1 FP=2 TN=2: sensitivity 3/4, specificity 2/4, PPV 3/5, NPV 2/3,
# balanced accuracy (3/4 + 1/2) / 2 = 5/8.
# AUC: 0.9 and 0.8 beat all 4 negatives, 0.6 beats 3, 0.3 beats 1 -> 12/16.
# Brier: (.1² + .2² + .4² + .7² + .7² + .55² + .4² + .1²) / 8 = 1.6625 / 8.
Y = np.array([1, 1, 1, 1, 0, 0, 0, 0])
P = np.array([0.9, 0.8, 0.6, 0.3, 0.7, 0.55, 0.4, 0.1])
C = (P >= 0.5).astype(int)

METRIC_KEYS = [
    "auc",
    "balanced_accuracy",
    "sensitivity",
    "specificity",
    "ppv",
    "npv",
    "brier",
    "log_loss",
    "calibration_intercept",
    "calibration_slope",
]


@pytest.fixture(autouse=True)
def _no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _calibrated(n, seed, *, scale=1.0, shift=0.0):
    """Outcomes drawn from true risks, and predictions distorted on the logit."""
    rng = np.random.default_rng(seed)
    true_logit = rng.normal(0.0, 1.5, n)
    y = (rng.uniform(size=n) < expit(true_logit)).astype(int)
    return y, expit(scale * true_logit + shift)


# ----------------------------------------------------------------- binary metrics
def test_binary_metrics_hand_computed():
    m = binary_metrics(Y, P, C)
    assert list(m) == METRIC_KEYS
    assert m["sensitivity"] == pytest.approx(3 / 4)
    assert m["specificity"] == pytest.approx(2 / 4)
    assert m["ppv"] == pytest.approx(3 / 5)
    assert m["npv"] == pytest.approx(2 / 3)
    assert m["balanced_accuracy"] == pytest.approx(5 / 8)
    assert m["auc"] == pytest.approx(12 / 16)
    assert m["brier"] == pytest.approx(1.6625 / 8)
    probs_of_truth = [0.9, 0.8, 0.6, 0.3, 0.3, 0.45, 0.6, 0.9]
    assert m["log_loss"] == pytest.approx(-np.mean(np.log(probs_of_truth)))
    assert all(isinstance(v, float) for v in m.values())


def test_binary_metrics_match_sklearn_with_ties():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 200)
    p = np.round(np.clip(0.3 * y + rng.uniform(0, 0.7, 200), 0, 1), 1)  # many ties
    p[:3] = [0.0, 1.0, 1.0]  # log loss needs clipping
    c = (p >= 0.5).astype(int)
    m = binary_metrics(y, p, c)
    assert m["auc"] == pytest.approx(skm.roc_auc_score(y, p))
    assert m["brier"] == pytest.approx(skm.brier_score_loss(y, p))
    assert m["log_loss"] == pytest.approx(skm.log_loss(y, p, labels=[0, 1]))
    assert m["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, c))
    assert m["ppv"] == pytest.approx(skm.precision_score(y, c))
    assert m["sensitivity"] == pytest.approx(skm.recall_score(y, c))


@pytest.mark.parametrize(
    ("y", "c", "nan_keys"),
    [
        pytest.param(Y, np.zeros(8), {"ppv"}, id="no-predicted-positive"),
        pytest.param(Y, np.ones(8), {"npv"}, id="no-predicted-negative"),
        pytest.param(
            np.zeros(8),
            C,
            {
                "auc",
                "balanced_accuracy",
                "sensitivity",
                "calibration_intercept",
                "calibration_slope",
            },
            id="no-responder",
        ),
        pytest.param(
            np.ones(8),
            C,
            {
                "auc",
                "balanced_accuracy",
                "specificity",
                "calibration_intercept",
                "calibration_slope",
            },
            id="only-responders",
        ),
    ],
)
def test_binary_metrics_undefined_values_are_nan(y, c, nan_keys):
    m = binary_metrics(y, P, c)
    assert {k for k, v in m.items() if math.isnan(v)} == nan_keys


def test_binary_metrics_single_class_keeps_defined_values():
    m = binary_metrics(np.zeros(8), P, C)  # 3 of 8 negatives predicted negative
    assert m["specificity"] == pytest.approx(3 / 8)
    assert m["npv"] == pytest.approx(1.0)
    assert m["ppv"] == pytest.approx(0.0)
    assert m["brier"] == pytest.approx(np.mean(P**2))


@pytest.mark.parametrize(
    ("y", "p", "c", "match"),
    [
        pytest.param(
            [0, 2], [0.1, 0.2], [0, 1], r"only 0 and 1; got also \[2.0\]", id="y"
        ),
        pytest.param(
            [0, 1], [0.1, 1.2], [0, 1], r"probabilities in \[0, 1\]", id="p>1"
        ),
        pytest.param([0, 1], [0.1, np.nan], [0, 1], "1 NaN or infinite", id="p-nan"),
        pytest.param([0, 1], [0.1, 0.2], [0, 0.5], "'y_class' must hold", id="cls"),
        pytest.param([0, 1, 1], [0.1, 0.2], [0, 1], "y_true=3, y_prob=2", id="len"),
        pytest.param([0, 1], [0.1, 0.2], [0, 1, 1], "y_class=3", id="len-cls"),
        pytest.param([], [], [], "non-zero lengths", id="empty"),
        pytest.param(
            [[0, 1]], [[0.1, 0.2]], [[0, 1]], r"1-d; got shape \(1, 2\)", id="2d"
        ),
    ],
)
def test_binary_metrics_invalid_input(y, p, c, match):
    with pytest.raises(ValueError, match=match):
        binary_metrics(y, p, c)


# ---------------------------------------------------------------------- youden
@pytest.mark.parametrize(
    ("y", "p", "expected"),
    [
        # J: 0.9 -> 1/4, 0.8 -> 2/4, 0.7 -> 1/4, 0.6 -> 2/4, ...: tie, highest wins
        pytest.param(Y, P, 0.8, id="tie-first-in-roc-order"),
        pytest.param([0, 0, 1, 1], [0.1, 0.3, 0.35, 0.8], 0.35, id="unique-max"),
        pytest.param([0, 1], [0.2, 1.0], 1.0, id="best-at-probability-one"),
        pytest.param([1, 0], [0.2, 0.8], 1.0, id="no-better-than-chance"),
        pytest.param([1, 1, 1], [0.2, 0.4, 0.9], 0.5, id="single-class"),
        pytest.param([0, 0], [0.2, 0.4], 0.5, id="single-negative-class"),
    ],
)
def test_youden_threshold(y, p, expected):
    assert youden_threshold(y, p) == pytest.approx(expected)


def test_youden_threshold_maximises_j_over_all_cut_points():
    y, p = _calibrated(300, seed=1)
    t = youden_threshold(y, p)
    assert 0 <= t <= 1 and math.isfinite(t)

    def j(cut):
        pred = p >= cut
        return pred[y == 1].mean() - pred[y == 0].mean()

    assert j(t) == pytest.approx(max(j(cut) for cut in np.unique(p)))


# ----------------------------------------------------------------- calibration
def test_calibration_intercept_constant_prediction_is_log_odds_ratio():
    # y ~ a + offset(logit 0.5): expit(a) = prevalence 1/4 -> a = log(1/3);
    # a constant prediction cannot be separated into a slope: nan.
    a, b = calibration_intercept_slope([1, 0, 0, 0], [0.5] * 4)
    assert a == pytest.approx(math.log(1 / 3))
    assert math.isnan(b)
    a, _ = calibration_intercept_slope([1, 0, 0, 0], [0.2] * 4)
    assert a == pytest.approx(math.log(1 / 3) - math.log(0.2 / 0.8))


def test_calibration_solves_the_score_equations():
    y = np.array([0, 1, 0, 1, 1, 0, 1])
    p = np.array([0.2, 0.3, 0.6, 0.7, 0.9, 0.1, 0.5])
    a, b = calibration_intercept_slope(y, p)
    lp = logit(p)
    assert np.sum(y - expit(a + lp)) == pytest.approx(0, abs=1e-9)

    def nll(beta):  # negative log-likelihood of y ~ a + b * logit(p)
        eta = beta[0] + beta[1] * lp
        return np.sum(np.logaddexp(0, eta) - y * eta)

    best = optimize.minimize(nll, [0.0, 1.0], method="Nelder-Mead", tol=1e-12)
    assert b == pytest.approx(best.x[1], rel=1e-5)
    assert a != pytest.approx(best.x[0], abs=1e-3)  # offset model, not the free one


def test_calibration_fallback_optimiser_agrees(monkeypatch):
    y, p = _calibrated(200, seed=5, scale=1.7)
    expected = calibration_intercept_slope(y, p)
    failed = optimize.OptimizeResult(success=False, x=np.zeros(2))
    monkeypatch.setattr(_metrics.optimize, "root", lambda *a, **k: failed)
    assert calibration_intercept_slope(y, p) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(
    ("scale", "shift", "intercept", "slope"),
    [
        pytest.param(1.0, 0.0, 0.0, 1.0, id="calibrated"),
        pytest.param(2.0, 0.0, 0.0, 0.5, id="overconfident"),
        pytest.param(0.5, 0.0, 0.0, 2.0, id="underconfident"),
        pytest.param(1.0, 1.0, -1.0, 1.0, id="too-high"),
        pytest.param(1.0, -1.0, 1.0, 1.0, id="too-low"),
    ],
)
def test_calibration_recovers_known_miscalibration(scale, shift, intercept, slope):
    y, p = _calibrated(20000, seed=0, scale=scale, shift=shift)
    a, b = calibration_intercept_slope(y, p)
    assert a == pytest.approx(intercept, abs=0.1)
    assert b == pytest.approx(slope, abs=0.1)


@pytest.mark.parametrize(
    ("y", "p"),
    [
        pytest.param([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], id="complete"),
        pytest.param([0, 0, 1, 1], [0.1, 0.5, 0.5, 0.9], id="quasi-complete"),
        pytest.param([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9], id="reversed"),
    ],
)
def test_calibration_slope_nan_under_separation(y, p):
    a, b = calibration_intercept_slope(y, p)
    assert math.isfinite(a) and math.isnan(b)


def test_calibration_clips_extreme_probabilities():
    a, b = calibration_intercept_slope([0, 1, 0, 1], [0.0, 1.0, 0.6, 0.4])
    assert math.isfinite(a) and math.isfinite(b)


def test_calibration_single_class():
    assert all(map(math.isnan, calibration_intercept_slope([1, 1], [0.3, 0.6])))


# ------------------------------------------------------------------ regression
def test_regression_metrics_hand_computed():
    # residuals 0, -1, 1, 0: MAE 0.5, RMSE sqrt(2/4); SS_tot 5 -> R² = 1 - 2/5;
    # centred y (-1.5, -.5, .5, 1.5), centred pred (-1.5, .5, -.5, 1.5): r = 4/5
    m = regression_metrics([1, 2, 3, 4], [1, 3, 2, 4])
    assert list(m) == ["r2", "mae", "rmse", "pearson_r"]
    assert m == pytest.approx(
        {"r2": 0.6, "mae": 0.5, "rmse": math.sqrt(0.5), "pearson_r": 0.8}
    )


def test_regression_metrics_match_sklearn_and_scipy():
    rng = np.random.default_rng(2)
    y = rng.normal(size=50)
    f = y + rng.normal(size=50)
    m = regression_metrics(y, f)
    assert m["r2"] == pytest.approx(skm.r2_score(y, f))
    assert m["mae"] == pytest.approx(skm.mean_absolute_error(y, f))
    assert m["rmse"] == pytest.approx(skm.root_mean_squared_error(y, f))
    assert m["pearson_r"] == pytest.approx(np.corrcoef(y, f)[0, 1])


@pytest.mark.parametrize(
    ("y", "f", "nan_keys"),
    [
        pytest.param([1, 2, 3], [2, 2, 2], {"pearson_r"}, id="constant-prediction"),
        pytest.param([2, 2, 2], [1, 2, 3], {"r2", "pearson_r"}, id="constant-truth"),
        pytest.param([2.0], [1.0], {"r2", "pearson_r"}, id="single-value"),
    ],
)
def test_regression_metrics_undefined_values_are_nan(y, f, nan_keys):
    m = regression_metrics(y, f)
    assert {k for k, v in m.items() if math.isnan(v)} == nan_keys


def test_regression_metrics_constant_prediction_r2_is_negative():
    m = regression_metrics([1, 2, 3], [3, 3, 3])  # SS_res 5, SS_tot 2
    assert m["r2"] == pytest.approx(1 - 5 / 2)
    assert m["mae"] == pytest.approx(1.0)


# ------------------------------------------------------------------- bootstrap
def _mean_metric(x):
    return {"mean": float(np.mean(x))}


def test_bootstrap_ci_percentiles_of_seeded_resamples():
    x = np.arange(10.0) ** 2
    table = bootstrap_ci(_mean_metric, (x,), n_bootstrap=200, ci=0.9, seed=4)
    rows = np.random.default_rng(4).integers(0, 10, (200, 10))
    expected = np.percentile(x[rows].mean(axis=1), [5, 95])
    assert table.index.name == "metric"
    assert list(table.columns) == ["value", "ci_low", "ci_high"]
    assert table.loc["mean", "value"] == pytest.approx(28.5)
    assert table.loc["mean", ["ci_low", "ci_high"]].tolist() == pytest.approx(expected)


def test_bootstrap_ci_binary_metrics_deterministic_and_cover_value():
    y, p = _calibrated(120, seed=8)
    args = (binary_metrics, (y, p, (p >= 0.5).astype(int)))
    first = bootstrap_ci(*args, n_bootstrap=100, seed=1, stratify=y)
    pd.testing.assert_frame_equal(
        first, bootstrap_ci(*args, n_bootstrap=100, seed=1, stratify=y)
    )
    other = bootstrap_ci(*args, n_bootstrap=100, seed=2, stratify=y)
    assert not np.allclose(first["ci_low"], other["ci_low"])
    assert list(first.index) == METRIC_KEYS
    assert (first["ci_low"] <= first["value"]).all()
    assert (first["value"] <= first["ci_high"]).all()
    assert (first["ci_low"] < first["ci_high"]).all()


def _width(table):
    return float(table["ci_high"].iloc[0] - table["ci_low"].iloc[0])


def test_bootstrap_ci_narrower_for_lower_coverage():
    x = np.random.default_rng(0).normal(size=50)
    wide = bootstrap_ci(_mean_metric, (x,), n_bootstrap=300, ci=0.95)
    narrow = bootstrap_ci(_mean_metric, (x,), n_bootstrap=300, ci=0.5)
    assert 0 < _width(narrow) < _width(wide)


def test_bootstrap_ci_stratified_keeps_class_counts():
    y = np.array([1] * 3 + [0] * 17)
    seen = []

    def counts(labels, ids):
        seen.append((int(labels.sum()), set(ids[labels == 1]) <= {0, 1, 2}))
        return {"prevalence": float(labels.mean())}

    table = bootstrap_ci(counts, (y, np.arange(20)), n_bootstrap=50, stratify=y)
    assert seen[1:] == [(3, True)] * 50  # seen[0] is the original data
    assert table.loc["prevalence"].tolist() == pytest.approx([0.15] * 3)
    unstratified = bootstrap_ci(counts, (y, np.arange(20)), n_bootstrap=50)
    assert unstratified.loc["prevalence", "ci_low"] < 0.15


def test_bootstrap_ci_ignores_nan_replicates():
    y = np.array([1, 0, 0, 0, 0, 0])  # many resamples lose the single responder
    table = bootstrap_ci(binary_metrics, (y, P[:6], C[:6]), n_bootstrap=100)
    assert math.isfinite(table.loc["auc", "ci_low"])
    table = bootstrap_ci(lambda x: {"nothing": math.nan}, (y,), n_bootstrap=10)
    assert table.isna().all().all()


def test_bootstrap_ci_single_resample():
    table = bootstrap_ci(_mean_metric, ([1.0, 2.0, 3.0],), n_bootstrap=1)
    assert table.loc["mean", "ci_low"] == table.loc["mean", "ci_high"]


def test_bootstrap_ci_binary_metrics_is_fast():
    y, p = _calibrated(600, seed=9)
    start = time.perf_counter()
    bootstrap_ci(binary_metrics, (y, p, (p >= 0.5).astype(int)), n_bootstrap=200)
    assert time.perf_counter() - start < 3.0  # ~0.3 s; 1000 resamples ~1.5 s


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param(
            {"ci": 1.5},
            r"The 'ci' parameter of bootstrap_ci must be a float in the range "
            r"\(0, 1\)\. Got 1\.5 instead\.",
            id="ci-high",
        ),
        pytest.param({"ci": 0}, "'ci' parameter.*Got 0 instead", id="ci-zero"),
        pytest.param({"ci": True}, "'ci' parameter.*Got True", id="ci-bool"),
        pytest.param(
            {"n_bootstrap": 0},
            r"'n_bootstrap' parameter of bootstrap_ci must be an int in the range "
            r"\[1, inf\)\. Got 0 instead",
            id="n-zero",
        ),
        pytest.param({"n_bootstrap": 10.0}, "Got 10.0 instead", id="n-float"),
        pytest.param({"seed": 1.5}, "'seed' parameter.*an int or None", id="seed"),
        pytest.param({"arrays": ()}, "'arrays' parameter.*non-empty", id="empty"),
        pytest.param({"arrays": np.ones(3)}, "'arrays' parameter", id="bare-array"),
        pytest.param({"metric_fn": "auc"}, "'metric_fn'.*callable", id="fn"),
        pytest.param(
            {"arrays": (np.ones(3), np.ones(4))},
            r"arrays\[0\]=3, arrays\[1\]=4",
            id="lengths",
        ),
        pytest.param({"stratify": np.ones(4)}, "stratify=4", id="stratify-length"),
        pytest.param({"arrays": (np.ones((3, 2)),)}, "1-d", id="2d"),
    ],
)
def test_bootstrap_ci_invalid_arguments(kwargs, match):
    args = {"metric_fn": _mean_metric, "arrays": (np.ones(3),)} | kwargs
    metric_fn, arrays = args.pop("metric_fn"), args.pop("arrays")
    with pytest.raises(ValueError, match=match):
        bootstrap_ci(metric_fn, arrays, **args)


# -------------------------------------------------------------- decision curve
def test_decision_curve_hand_computed():
    # n=8, prevalence 1/2.
    # pt=.25 (odds 1/3): y_prob >= .25 -> TP 4, FP 3: 4/8 - 3/8/3 = 3/8;
    #   treat all: 1/2 - 1/2/3 = 1/3.
    # pt=.5 (odds 1): TP 3, FP 2: 3/8 - 2/8 = 1/8; treat all: 0.
    # pt=.75 (odds 3): TP 2 (0.9, 0.8), FP 0: 2/8; treat all: 1/2 - 3/2 = -1.
    curve = decision_curve(Y, P, thresholds=[0.25, 0.5, 0.75])
    assert list(curve.columns) == ["threshold", "model", "treat_all", "treat_none"]
    assert curve["model"].tolist() == pytest.approx([3 / 8, 1 / 8, 2 / 8])
    assert curve["treat_all"].tolist() == pytest.approx([1 / 3, 0.0, -1.0])
    assert curve["treat_none"].tolist() == [0.0, 0.0, 0.0]


def test_decision_curve_threshold_inclusive_and_zero():
    # pt = 0.6 treats the responder with 0.6; pt = 0 treats everyone.
    curve = decision_curve([1, 0, 1], [0.6, 0.59, 0.2], thresholds=[0.0, 0.6])
    assert curve["model"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert curve["treat_all"].tolist() == pytest.approx([2 / 3, 2 / 3 - 1 / 3 * 1.5])


def test_decision_curve_default_thresholds():
    curve = decision_curve(Y, P)
    assert len(curve) == 99
    assert curve["threshold"].iloc[[0, 49, -1]].tolist() == [0.01, 0.5, 0.99]
    assert curve.loc[curve["threshold"] == 0.5, "model"].item() == pytest.approx(1 / 8)


def test_decision_curve_matches_brute_force():
    y, p = _calibrated(200, seed=6)
    curve = decision_curve(y, p)
    for row in curve.itertuples():
        treat = p >= row.threshold
        odds = row.threshold / (1 - row.threshold)
        expected = (np.sum(treat & (y == 1)) - np.sum(treat & (y == 0)) * odds) / 200
        assert row.model == pytest.approx(expected)


@pytest.mark.parametrize(
    "thresholds",
    [pytest.param([0.5, 1.0], id="one"), pytest.param([-0.1], id="negative")],
)
def test_decision_curve_invalid_thresholds(thresholds):
    with pytest.raises(ValueError, match=r"'thresholds' must lie in \[0, 1\)"):
        decision_curve(Y, P, thresholds=thresholds)
