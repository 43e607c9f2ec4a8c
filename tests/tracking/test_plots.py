"""Figures of an ExperimentResult: content of each plot, PNG files, no pyplot state."""

from __future__ import annotations

import dataclasses
import struct
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.dummy import DummyClassifier
from sklearn.metrics import r2_score, roc_auc_score

from predict import read_cohort, simulate_cohort, train
from predict.config import ExperimentConfig
from predict.evaluation._splits import target_of
from predict.tracking._plots import (
    plot_calibration,
    plot_decision_curve,
    plot_feature_importance,
    plot_optimization_history,
    plot_predicted_vs_observed,
    plot_roc,
    save_figures,
)

BINARY_FILES = {
    "roc.png",
    "calibration.png",
    "decision_curve.png",
    "feature_importance.png",
    "feature_importance.csv",
    "optimization_history.png",
}
REGRESSION_FILES = {
    "predicted_vs_observed.png",
    "feature_importance.png",
    "feature_importance.csv",
    "optimization_history.png",
}


def _config(n_trials=3, **overrides):
    return ExperimentConfig(
        name="t",
        features={"clinical": {}, "bdnf": {}, "tms_eeg": {}},
        model=overrides.pop("model", {"name": "elastic_net"}),
        cv={"outer": {"n_splits": 3}, "inner": {"n_splits": 3}},
        tuning={"n_trials": n_trials},
        evaluation={"n_bootstrap": 50, "n_permutations": 0},
        **overrides,
    )


@pytest.fixture(scope="module")
def cohort():
    return read_cohort(simulate_cohort(120, seed=0))


@pytest.fixture(scope="module")
def binary(cohort):
    return train(_config(), cohort)


@pytest.fixture(scope="module")
def boosted(cohort):
    model = {"name": "xgboost", "params": {"n_estimators": 30}}
    return train(_config(n_trials=2, model=model), cohort)


@pytest.fixture(scope="module")
def regression(cohort):
    return train(_config(target="pct_change"), cohort)


def _pooled_prob(result):
    pooled = result.predictions.groupby(level=0)[["y_true", "y_prob"]].mean()
    return pooled["y_true"].to_numpy(), pooled["y_prob"].to_numpy()


def _feature_names(result):
    return list(result.final_model.named_steps["features"].get_feature_names_out())


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_roc_has_a_line_per_fold_pooled_and_chance(binary):
    figure = plot_roc(binary)
    (ax,) = figure.axes
    n_folds = len(binary.fold_metrics)
    assert len(ax.lines) == n_folds + 2
    y, p = _pooled_prob(binary)
    auc = roc_auc_score(y, p)
    assert auc == pytest.approx(binary.metrics.loc["auc", "value"])
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["outer folds", f"pooled out-of-fold, AUC={auc:.3f}", "chance"]
    assert ax.lines[-1].get_xdata().tolist() == [0, 1]


def test_roc_averages_repeats_per_patient(binary):
    again = binary.predictions.assign(
        repeat=1, y_prob=np.clip(binary.predictions["y_prob"] ** 2, 0, 1)
    )
    predictions = pd.concat([binary.predictions, again])
    twice = dataclasses.replace(binary, predictions=predictions)
    (ax,) = plot_roc(twice).axes
    assert len(ax.lines) == 2 * len(binary.fold_metrics) + 2
    mean = predictions.groupby(level=0)[["y_true", "y_prob"]].mean()
    auc = roc_auc_score(mean["y_true"], mean["y_prob"])
    assert f"AUC={auc:.3f}" in ax.get_legend().get_texts()[1].get_text()


def test_calibration_bins_and_histogram(binary):
    figure = plot_calibration(binary, n_bins=6)
    top, bottom = figure.axes
    assert len(top.lines) == 2
    model = top.lines[1]
    y, p = _pooled_prob(binary)
    assert len(model.get_xdata()) == 6
    # Quantile bins hold 20 patients each: their mean rate is the prevalence.
    assert np.mean(model.get_ydata()) == pytest.approx(y.mean())
    first = np.sort(p)[:20]
    assert model.get_xdata()[0] == pytest.approx(first.mean())
    heights = [patch.get_height() for patch in bottom.patches]
    assert len(heights) == 40 and sum(heights) == len(y)


@pytest.mark.parametrize("n_bins", [1, 2.5, True])
def test_calibration_rejects_bad_bins(binary, n_bins):
    with pytest.raises(ValueError, match="'n_bins' must be an int >= 2"):
        plot_calibration(binary, n_bins=n_bins)


def test_decision_curve_lines_and_limits(binary):
    (ax,) = plot_decision_curve(binary).axes
    assert len(ax.lines) == 4  # model, treat all, treat none, threshold
    curve = binary.decision_curve
    np.testing.assert_allclose(ax.lines[0].get_ydata(), curve["model"])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), curve["treat_all"])
    assert ax.lines[3].get_xdata()[0] == pytest.approx(binary.threshold)
    prevalence = binary.predictions["y_true"].mean()
    top = max(prevalence, curve["model"].max()) + 0.05
    assert ax.get_ylim() == pytest.approx((-0.05, top))


def test_elastic_net_importance_is_abs_coef(binary):
    figure, table = plot_feature_importance(binary)
    names = _feature_names(binary)
    coef = np.abs(binary.final_model.named_steps["model"].coef_.ravel())
    assert list(table.columns) == ["feature", "importance"]
    assert len(table) == len(names) and set(table["feature"]) == set(names)
    assert table["feature"].iloc[0] == names[int(np.argmax(coef))]
    np.testing.assert_allclose(table["importance"], np.sort(coef)[::-1])
    (ax,) = figure.axes
    widths = [bar.get_width() for bar in ax.patches]
    assert len(widths) == min(20, len(names))
    assert widths[-1] == pytest.approx(coef.max())  # largest drawn at the top
    assert widths == sorted(widths)
    assert "standardised" in ax.get_xlabel()


def test_importance_top_limits_bars(binary):
    figure, table = plot_feature_importance(binary, top=5)
    assert len(figure.axes[0].patches) == 5 and len(table) > 5
    with pytest.raises(ValueError, match="'top' must be an int >= 1"):
        plot_feature_importance(binary, top=0)


def test_xgboost_importance_is_gain_share(boosted):
    figure, table = plot_feature_importance(boosted)
    assert len(table) == len(_feature_names(boosted))
    assert table["importance"].sum() == pytest.approx(1.0, abs=1e-5)
    gains = boosted.final_model.named_steps["model"].feature_importances_
    assert table["feature"].iloc[0] == _feature_names(boosted)[int(np.argmax(gains))]
    assert table["importance"].is_monotonic_decreasing
    assert "gain" in figure.axes[0].get_xlabel()


def test_importance_unwraps_calibrated_model(binary, cohort):
    X, y = target_of(binary.config, cohort)
    calibrated = CalibratedClassifierCV(binary.final_model, cv=3, ensemble=False)
    wrapped = dataclasses.replace(binary, final_model=calibrated.fit(X, y))
    _, expected = plot_feature_importance(binary)
    _, table = plot_feature_importance(wrapped)
    pd.testing.assert_frame_equal(table, expected)


def test_model_without_importance_gets_zeros_and_a_note(binary, cohort):
    X, y = target_of(binary.config, cohort)
    dummy = clone(binary.final_model).set_params(model=DummyClassifier()).fit(X, y)
    figure, table = plot_feature_importance(
        dataclasses.replace(binary, final_model=dummy)
    )
    assert len(table) == len(_feature_names(binary))
    assert (table["importance"] == 0).all()
    (ax,) = figure.axes
    assert ax.get_title() == (
        "t: no built-in importance for DummyClassifier (pass the training data "
        "for contributions)"
    )
    assert len(ax.patches) == 0


def test_models_without_a_coefficient_per_feature_use_contributions(binary, cohort):
    from sklearn.svm import SVC

    X, y = target_of(binary.config, cohort)
    svm = SVC(probability=True, random_state=0)
    model = clone(binary.final_model).set_params(model=svm).fit(X, y)
    _, table = plot_feature_importance(
        dataclasses.replace(binary, final_model=model), data=X
    )
    assert len(table) == len(_feature_names(binary))
    assert (table["importance"] > 0).sum() > len(table) // 2


def test_optimization_history_panels(binary):
    figure = plot_optimization_history(binary)
    titles = [ax.get_title() for ax in figure.axes]
    # numbered like the child runs: "outer fold 1" is the first panel
    assert titles == ["fold 1", "fold 2", "fold 3", "final model"]
    trials = binary.trials
    for ax, fold in zip(figure.axes, [0, 1, 2, -1], strict=True):
        values = trials.loc[trials["fold"] == fold].sort_values("number")["value"]
        points, best = ax.lines
        np.testing.assert_allclose(points.get_ydata(), values)
        np.testing.assert_allclose(best.get_ydata(), np.maximum.accumulate(values))


def test_optimization_history_marks_pruned_trials(binary):
    trials = binary.trials.copy()
    pruned = (trials["fold"] == 1) & (trials["number"] == 1)
    trials.loc[pruned, ["state", "value"]] = ["PRUNED", np.nan]
    figure = plot_optimization_history(dataclasses.replace(binary, trials=trials))
    assert [len(ax.lines) for ax in figure.axes] == [2, 3, 2, 2]
    assert figure.axes[1].lines[2].get_xdata().tolist() == [1]
    assert figure.axes[1].lines[0].get_xdata().tolist() == [0, 2]
    legend = [text.get_text() for text in figure.legends[0].get_texts()]
    assert legend == ["complete trial", "best so far", "pruned trial"]


@pytest.mark.parametrize("plot", [plot_roc, plot_calibration, plot_decision_curve])
def test_binary_plots_refuse_regression(regression, plot):
    with pytest.raises(ValueError, match="is for binary targets.*pct_change"):
        plot(regression)


def test_predicted_vs_observed(regression, binary):
    (ax,) = plot_predicted_vs_observed(regression).axes
    pooled = regression.predictions.groupby(level=0)[["y_true", "y_pred"]].mean()
    (points,) = ax.collections
    np.testing.assert_allclose(points.get_offsets(), pooled.to_numpy())
    r2 = r2_score(pooled["y_true"], pooled["y_pred"])
    assert r2 == pytest.approx(regression.metrics.loc["r2", "value"])
    assert f"R² = {r2:.3f}" in ax.get_title()
    assert len(ax.lines) == 1  # identity
    with pytest.raises(ValueError, match="is for regression targets"):
        plot_predicted_vs_observed(binary)


def test_save_figures_binary(binary, tmp_path):
    folder = tmp_path / "new" / "figures"
    paths = save_figures(binary, folder)
    assert set(paths) == BINARY_FILES
    assert {p.name for p in folder.iterdir()} == BINARY_FILES
    assert all(paths[name] == folder / name for name in paths)
    assert _png_size(paths["roc.png"]) == (550, 500)  # 5.5 x 5 inches at dpi 100
    for name in BINARY_FILES - {"feature_importance.csv"}:
        _png_size(paths[name])
    _, expected = plot_feature_importance(binary)
    table = pd.read_csv(paths["feature_importance.csv"])
    pd.testing.assert_frame_equal(table, expected)


def test_save_figures_regression(regression, tmp_path):
    import matplotlib.pyplot as plt

    paths = save_figures(regression, tmp_path)
    assert set(paths) == REGRESSION_FILES
    assert {p.name for p in tmp_path.iterdir()} == REGRESSION_FILES
    for name in REGRESSION_FILES - {"feature_importance.csv"}:
        _png_size(paths[name])
    assert plt.get_fignums() == []


def test_no_pyplot_figure_left_open(binary, regression):
    import matplotlib.pyplot as plt

    plot_roc(binary)
    plot_feature_importance(binary)
    plot_optimization_history(binary)
    plot_predicted_vs_observed(regression)
    assert plt.get_fignums() == []


def test_import_does_not_load_matplotlib():
    code = (
        "import sys, predict.tracking._plots; "
        "print(sorted(m for m in sys.modules if m.startswith('matplotlib')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
