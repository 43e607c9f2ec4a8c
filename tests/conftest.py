"""Shared, seeded fixtures: small cohorts from the package's own generator."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(autouse=True)
def _tracking_store(tmp_path, monkeypatch):
    """Keep every test's MLflow runs in its own temporary store."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")


@pytest.fixture(scope="session")
def small_table() -> pd.DataFrame:
    """A 60-patient simulated cohort table (with missing modalities)."""
    from predict import simulate_cohort

    return simulate_cohort(60, seed=7)


@pytest.fixture
def table(small_table: pd.DataFrame) -> pd.DataFrame:
    """A fresh copy of ``small_table`` that a test may corrupt."""
    return small_table.copy()


@pytest.fixture
def minimal_table() -> pd.DataFrame:
    """Five hand-written patients covering both scales and a few markers."""
    return pd.DataFrame(
        {
            "patient_id": ["P1", "P2", "P3", "P4", "P5"],
            "site": ["A", "A", "B", "B", "B"],
            "age": [34, 51, 28, 66, 45],
            "sex": ["F", "m", "female", "Male", "f"],
            "protocol": ["10Hz", "iTBS", "1Hz", "10Hz", "dTMS"],
            "baseline_hamd17": [24, 20, 30, 18, 22],
            "endpoint_hamd17": [12, 15, 6, 10, 11],
            "tep_n100_amp_uv": [-6.5, -4.0, None, -8.1, -5.0],
            "bdnf_val66met": ["Val/Val", "Val/Met", "Met/Met", None, "Val/Val"],
        }
    )
