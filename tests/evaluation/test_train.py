"""predict.train: structure, determinism, targets, schemes and guard rails."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from predict import read_cohort, simulate_cohort, train
from predict.exceptions import TrainingError
from tests.evaluation.conftest import fast_config


@pytest.fixture(scope="module")
def result(cohort_150):
    return train(fast_config(), cohort_150)


def test_result_structure(result, cohort_150):
    ids = cohort_150.patient_ids
    assert sorted(result.predictions.index) == sorted(ids)
    assert set(result.predictions.columns) == {
        "repeat",
        "fold",
        "y_true",
        "y_prob",
        "y_class",
    }
    assert len(result.fold_metrics) == 3
    assert result.fold_metrics["n_test"].sum() == len(ids)
    assert list(result.metrics.columns) == ["value", "ci_low", "ci_high"]
    auc = result.metrics.loc["auc"]
    assert auc["ci_low"] <= auc["value"] <= auc["ci_high"]
    assert set(result.trials["fold"]) == {-1, 0, 1, 2}
    assert len(result.best_params) == 3 and {"C", "l1_ratio"} <= set(
        result.best_params[0]
    )
    assert 0 < result.threshold < 1
    p = result.final_model.predict_proba(cohort_150.data.iloc[:4])[:, 1]
    assert p.shape == (4,) and np.all((p > 0) & (p < 1))
    curve = result.decision_curve
    assert list(curve.columns) == ["threshold", "model", "treat_all", "treat_none"]


def test_y_class_uses_each_folds_threshold(result):
    thresholds = result.fold_metrics.set_index("fold")["threshold"]
    pred = result.predictions
    expected = (pred["y_prob"] >= pred["fold"].map(thresholds)).astype(float)
    pd.testing.assert_series_equal(pred["y_class"], expected, check_names=False)


def test_same_seed_same_metrics_sequential_or_parallel(cohort_150, result):
    again = train(fast_config(), cohort_150, n_jobs=2)
    pd.testing.assert_frame_equal(result.metrics, again.metrics)
    pd.testing.assert_frame_equal(result.predictions, again.predictions)
    other_seed = train(fast_config(seed=1), cohort_150)
    assert not result.predictions["y_prob"].equals(other_seed.predictions["y_prob"])


def test_regression_target(cohort_150):
    result = train(fast_config(target="pct_change"), cohort_150)
    assert result.headline == "r2"
    assert {"r2", "mae", "rmse", "pearson_r"} == set(result.metrics.index)
    assert "y_pred" in result.predictions and result.threshold is None
    assert result.decision_curve is None


def test_leave_site_out_labels_folds_by_site(cohort_150):
    result = train(fast_config(cv={"outer": {"scheme": "leave_site_out"}}), cohort_150)
    assert sorted(result.fold_metrics["label"]) == cohort_150.sites


def test_group_kfold_keeps_groups_together(cohort_150):
    config = fast_config(
        cv={"outer": {"scheme": "group", "group_column": "site", "n_splits": 2}}
    )
    result = train(config, cohort_150)
    sites = cohort_150.data["site"]
    per_site = result.predictions.groupby(sites.loc[result.predictions.index])["fold"]
    assert (per_site.nunique() == 1).all()


# fixed parameters keep the tree ensembles small and the test fast
FAST_PARAMS = {"random_forest": {"n_estimators": 40}, "xgboost": {"n_estimators": 40}}


@pytest.mark.parametrize(
    "model", ["svm", "random_forest", "xgboost", "prior"], ids=lambda m: m
)
def test_every_model_trains(cohort_150, model):
    config = fast_config(
        model={"name": model, "params": FAST_PARAMS.get(model, {})},
        tuning={"n_trials": 2},
    )
    result = train(config, cohort_150)
    assert 0 <= result.metrics.loc["auc", "value"] <= 1
    assert all(
        p.items() >= FAST_PARAMS.get(model, {}).items() for p in result.best_params
    )
    if model == "prior":
        # one constant prediction per fold: no discrimination within a fold
        assert (result.predictions.groupby("fold")["y_prob"].nunique() == 1).all()


@pytest.mark.parametrize(
    "method",
    [
        pytest.param("sigmoid", id="sigmoid"),
        pytest.param("isotonic", marks=pytest.mark.slow),
    ],
)
def test_calibration_inside_the_inner_loop(cohort_150, method):
    config = fast_config(model={"calibration": method}, tuning={"n_trials": 2})
    result = train(config, cohort_150)
    from sklearn.calibration import CalibratedClassifierCV

    assert isinstance(result.final_model, CalibratedClassifierCV)
    assert result.final_model.method == method


def test_fixed_threshold(cohort_150):
    result = train(fast_config(evaluation={"threshold": 0.3}), cohort_150)
    assert (result.fold_metrics["threshold"] == 0.3).all()


def test_permutation_p_value(cohort_150):
    result = train(fast_config(evaluation={"n_permutations": 9}), cohort_150)
    assert len(result.null_distribution) == 9
    expected = (
        1 + np.sum(result.null_distribution >= result.metrics.loc["auc", "value"])
    ) / 10
    assert result.permutation_p == pytest.approx(expected)


def test_patients_without_target_left_out_and_counted():
    table = simulate_cohort(120, seed=5)
    table.loc[:9, "endpoint_hamd17"] = np.nan
    result = train(fast_config(), read_cohort(table))
    assert result.n_excluded == 10
    assert len(result.predictions) == 110


# -- guard rails -------------------------------------------------------------


def test_target_absent(cohort_150):
    data = cohort_150.data.drop(
        columns=["endpoint_hamd17", "response", "remission", "pct_change"]
    )
    cohort = read_cohort(data.reset_index())
    with pytest.raises(TrainingError, match="Target 'response' has no values"):
        train(fast_config(), cohort)


def test_single_class():
    table = simulate_cohort(40, seed=0)
    table["endpoint_hamd17"] = 0  # everyone responds
    with pytest.raises(TrainingError, match="single class"):
        train(fast_config(), read_cohort(table))


def test_class_smaller_than_folds():
    table = simulate_cohort(60, seed=0)
    responders = table["endpoint_hamd17"] <= table["baseline_hamd17"] / 2
    keep = (~responders) | (responders.cumsum() <= 2)
    with pytest.raises(
        TrainingError, match="only 2 positive patients, fewer than the 3"
    ):
        train(fast_config(), read_cohort(table[keep]))


def test_leave_site_out_needs_two_sites():
    table = simulate_cohort(60, seed=0, n_sites=1)
    with pytest.raises(TrainingError, match="needs at least 2 sites; the cohort has 1"):
        train(
            fast_config(cv={"outer": {"scheme": "leave_site_out"}}), read_cohort(table)
        )


def test_modality_no_patient_has():
    table = simulate_cohort(60, seed=0)
    table = table.drop(columns=[c for c in table if c.startswith("tep_")])
    with pytest.raises(TrainingError, match=r"asks for 'tms_eeg' \(tep_\* columns\)"):
        train(fast_config(), read_cohort(table))


def test_group_column_missing(cohort_150):
    config = fast_config(cv={"outer": {"scheme": "group", "group_column": "clinic"}})
    with pytest.raises(
        TrainingError, match="Group column 'clinic' is not in the cohort"
    ):
        train(config, cohort_150)


def test_site_too_small_to_train_without_it():
    table = simulate_cohort(60, seed=0, n_sites=2)
    table["site"] = ["site-A"] * 59 + ["site-B"]
    config = fast_config(cv={"outer": {"scheme": "leave_site_out"}})
    with pytest.raises(TrainingError, match="Outer fold 'site-A' leaves 0 patients"):
        train(config, read_cohort(table))


def test_leave_site_out_needs_every_site():
    table = simulate_cohort(60, seed=0)
    table.loc[[3, 7], "site"] = None
    config = fast_config(cv={"outer": {"scheme": "leave_site_out"}})
    pid = table.loc[3, "patient_id"]
    with pytest.raises(
        TrainingError, match=rf"'site' is empty for 2 patients \(patients {pid}"
    ):
        train(config, read_cohort(table))
