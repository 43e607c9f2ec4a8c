"""Acceptance on a cohort whose sites shift markers and response rates."""

from __future__ import annotations

import numpy as np
import pytest

from predict import read_cohort, train
from predict.harmonize import site_predictability
from predict.tracking._log import _site_metrics
from tests.evaluation.conftest import fast_config
from tests.harmonize._multisite import multisite_table


@pytest.fixture(scope="module")
def cohort():
    return read_cohort(multisite_table(500, seed=1))


def test_in_fold_combat_brings_site_prediction_to_chance(cohort):
    table = site_predictability(cohort)
    for modality in ("tms_eeg", "tms_emg", "rest_eeg", "bdnf"):
        row = table.loc[modality]
        assert row["chance"] == pytest.approx(0.25)
        assert row["before"] > row["chance"] + 0.15, modality
        assert abs(row["after"] - row["chance"]) < 0.1, modality


@pytest.mark.slow
def test_harmonisation_does_not_lower_leave_site_out_auc(cohort):
    # Tolerance 0.02: the two runs tune on different features, and per-fold
    # noise in a 4-site leave-site-out estimate is of that order.
    config = fast_config(cv={"outer": {"scheme": "leave_site_out"}})
    plain = train(config, cohort)
    harmonised = train(
        fast_config(cv={"outer": {"scheme": "leave_site_out"}}, harmonize={}), cohort
    )
    auc_plain = plain.metrics.loc["auc", "value"]
    auc_harmonised = harmonised.metrics.loc["auc", "value"]
    assert auc_harmonised >= auc_plain - 0.02
    sites = harmonised.site_metrics()
    assert list(sites.index) == ["site-A", "site-B", "site-C", "site-D"]
    np.testing.assert_allclose(
        sites["response_rate"], [0.25, 0.4, 0.55, 0.7], atol=0.02
    )
    assert sites["n"].sum() == len(cohort)
    spread = harmonised.site_spread()
    assert spread.loc["auc", "min"] == sites["auc"].min()
    assert spread.loc["auc", "sd"] == pytest.approx(sites["auc"].std(ddof=1))
    logged = _site_metrics(harmonised)
    assert logged["site_site-A_auc"] == sites.loc["site-A", "auc"]
    assert logged["site_auc_iqr"] == spread.loc["auc", "iqr"]
