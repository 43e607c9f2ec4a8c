"""On pure-noise markers nested CV stays at chance; a leaky analysis does not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from predict import read_cohort, simulate_cohort, train
from predict.features import make_features
from tests.evaluation.conftest import fast_config

MARKERS = ["tms_eeg", "tms_emg", "rest_eeg", "connectivity", "bdnf"]
AUTO = ["elastic_net", "spline_logistic", "hist_gradient_boosting"]


@pytest.fixture(scope="module")
def noise_cohort():
    """Markers of one simulated cohort, outcomes of a shuffled copy: no signal."""
    rng = np.random.default_rng(0)
    table = simulate_cohort(120, seed=11, missing=False)
    order = rng.permutation(len(table))
    outcome = ["baseline_hamd17", "endpoint_hamd17"]
    table[outcome] = table[outcome].to_numpy()[order]
    for i in range(60):  # plus 60 extra pure-noise markers
        table[f"eeg_noise{i:02d}_rel"] = rng.uniform(0, 1, len(table))
    return read_cohort(table)


@pytest.mark.parametrize(
    "model",
    [
        {"name": "elastic_net"},
        # the default model: every family stacked on inner folds
        {"name": "auto", "candidates": {f: {"n_trials": 4} for f in AUTO}},
    ],
    ids=["elastic_net", "auto"],
)
def test_nested_cv_is_honest_on_noise(noise_cohort, model):
    config = fast_config(
        features={m: {} for m in MARKERS},
        model=model,
        cv={"outer": {"n_splits": 5}},
        tuning={"n_trials": 8},
        evaluation={"n_permutations": 19, "n_bootstrap": 500},
    )
    result = train(config, noise_cohort, n_jobs=2)
    auc = result.metrics.loc["auc"]
    assert auc["ci_low"] < 0.5 < auc["ci_high"]
    assert result.permutation_p > 0.05


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_leaky_reference_inflates_auc(noise_cohort):
    y = noise_cohort.data["response"].to_numpy()
    X = make_features({m: {} for m in MARKERS}).fit_transform(noise_cohort.data)
    X = pd.DataFrame(SimpleImputer().fit_transform(X), columns=X.columns)
    # Leaky: features selected and C tuned on ALL patients, then cross-validated.
    selected = SelectKBest(f_classif, k=10).fit(X, y).transform(X)
    grid = GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
        {"logisticregression__C": [0.01, 0.1, 1.0, 10.0]},
        cv=StratifiedKFold(5, shuffle=True, random_state=0),
        scoring="roc_auc",
    ).fit(selected, y)
    cv = StratifiedKFold(5, shuffle=True, random_state=1)
    leaky = cross_val_score(grid.best_estimator_, selected, y, cv=cv, scoring="roc_auc")
    # Honest: the same selection and tuning inside each training fold.
    honest_model = GridSearchCV(
        make_pipeline(
            SelectKBest(f_classif, k=10),
            StandardScaler(),
            LogisticRegression(max_iter=2000),
        ),
        {"logisticregression__C": [0.01, 0.1, 1.0, 10.0]},
        cv=StratifiedKFold(5, shuffle=True, random_state=0),
        scoring="roc_auc",
    )
    honest = cross_val_score(honest_model, X, y, cv=cv, scoring="roc_auc")
    assert leaky.mean() > 0.65
    assert leaky.mean() > honest.mean() + 0.1
