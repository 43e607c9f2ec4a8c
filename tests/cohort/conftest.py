"""Shared simulator fixtures: n=2000 cohorts with their truth."""

from __future__ import annotations

import pandas as pd
import pytest

from predict.cohort._simulate import simulate_cohort

SEEDS = (0, 1, 2)


def derived_response(table: pd.DataFrame) -> pd.Series:
    """Response as the contract derives it: endpoint at most half the baseline."""
    return (table["endpoint_hamd17"] <= 0.5 * table["baseline_hamd17"]).astype(int)


@pytest.fixture(scope="session")
def large() -> dict[int, tuple[pd.DataFrame, pd.Series]]:
    """n=2000 cohorts with their truth, one per seed in SEEDS."""
    return {s: simulate_cohort(2000, seed=s, return_truth=True) for s in SEEDS}
