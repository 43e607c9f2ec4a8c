"""The "when can we know?" table and plot of a study of prediction times."""

from __future__ import annotations

import numpy as np
import pandas as pd

from predict import read_cohort, simulate_cohort
from predict.cohort import simulate_visits
from predict.config import ExperimentConfig
from predict.evaluation._timescales import (
    BASELINE_DAY,
    log_timescales,
    plot_timescales,
    timescale_table,
)


def _comparison() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric": "auc",
            "value": [0.80, 0.64, 0.70],
            "ci_low": [0.75, 0.58, 0.64],
            "ci_high": [0.85, 0.70, 0.76],
            "diff": [0.16, 0.0, 0.06],
            "diff_ci_low": [0.1, 0.0, 0.01],
            "diff_ci_high": [0.2, 0.0, 0.1],
        },
        index=pd.Index(["late", "base", "early"], name="config"),
    )


def test_table_orders_time_points_by_day(tmp_path):
    cohort = read_cohort(
        simulate_cohort(30, seed=0), visits=simulate_visits(30, seed=0)
    )
    configs = {
        "late": ExperimentConfig(features={"clinical": {}}, predict_at={"day": 14}),
        "base": ExperimentConfig(features={"clinical": {}}),
        "early": ExperimentConfig(
            features={"clinical": {}}, predict_at={"visit": "s1"}
        ),
    }
    table = timescale_table(_comparison(), configs, cohort)
    assert list(table.index) == ["base", "early", "late"]
    assert table["time_point"].tolist() == ["baseline", "s1 (day 0)", "day 14"]
    assert np.isnan(table.loc["base", "day"]) and table.loc["late", "day"] == 14
    figure = plot_timescales(table, "study")
    ax = figure.axes[0]
    x, y = ax.lines[0].get_data()
    np.testing.assert_allclose(x, [BASELINE_DAY, 0, 14])
    np.testing.assert_allclose(y, [0.64, 0.70, 0.80])
    assert [t.get_text() for t in ax.get_xticklabels()][0] == "baseline"
    written = log_timescales(table, "study", tmp_path)
    assert {p.name for p in written} == {"timescales.csv", "auc_vs_day.png"}


def test_no_table_without_prediction_times():
    configs = {"base": ExperimentConfig(features={"clinical": {}})}
    assert timescale_table(_comparison().iloc[[1]], configs, None) is None


def test_a_worker_rebuilds_the_cohort_at_the_prediction_time(tmp_path):
    """Workers fit what train fits: the cohort at predict_at, from the visits."""
    import pytest

    from predict.evaluation._shared import DATA, FINGERPRINT
    from predict.evaluation._worker import _Worker
    from predict.exceptions import ConfigError

    data, visits = tmp_path / "cohort.csv", tmp_path / "visits.csv"
    simulate_cohort(40, seed=1).to_csv(data, index=False)
    simulate_visits(40, seed=1).to_csv(visits, index=False)
    config = ExperimentConfig(features={"clinical": {}}, predict_at={"visit": "w1"})
    expected = read_cohort(data, visits=visits).at(visit="w1")
    attrs = {FINGERPRINT: expected.fingerprint, DATA: str(data)}
    cohort = _Worker("sqlite://", None, visits).cohort("s", attrs, config)
    assert "visit__hamd17__last" in cohort.data
    with pytest.raises(ConfigError, match=r"no visits table was given"):
        _Worker("sqlite://", None).cohort("s", attrs, config)
