"""The structural MRI builder: hand-computed ICV shares, pass-through, presence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from predict import read_cohort
from predict.exceptions import ConfigError
from predict.features import MRIFeatures, get_builder


@pytest.fixture
def table() -> pd.DataFrame:
    """Four patients written by hand; P4 has no MRI, P3 no ICV."""
    return read_cohort(
        pd.DataFrame(
            {
                "patient_id": ["P1", "P2", "P3", "P4"],
                "age": [30, 40, 50, 60],
                "mri_hippocampus_vol_mm3": [8000.0, 7200.0, 9000.0, None],
                "mri_racc_thickness_mm": [2.9, 2.6, 3.1, None],
                "mri_dlpfc_l_thickness_mm": [2.4, 2.2, None, None],
                "mri_icv_mm3": [1_600_000.0, 1_440_000.0, None, None],
                "mri_amygdala_vol_mm3": [3200.0, 2880.0, 3000.0, None],
            }
        )
    ).data


def test_volumes_become_icv_shares(table):
    out = MRIFeatures().set_output(transform="pandas").fit_transform(table)
    assert out.columns.tolist() == [
        "mri_racc_thickness_mm",
        "mri_dlpfc_l_thickness_mm",
        "mri_icv_mm3",
        "hippocampus_vol_icv",
        "amygdala_vol_icv",
        "present",
    ]
    np.testing.assert_allclose(
        out["hippocampus_vol_icv"], [0.005, 0.005, np.nan, np.nan]
    )
    np.testing.assert_allclose(out["amygdala_vol_icv"], [0.002, 0.002, np.nan, np.nan])
    # thickness in mm, unchanged
    np.testing.assert_allclose(out["mri_racc_thickness_mm"], [2.9, 2.6, 3.1, np.nan])
    assert out["present"].tolist() == [1.0, 1.0, 1.0, 0.0]


def test_without_normalisation_volumes_pass_through(table):
    builder = MRIFeatures(normalize_icv=False).set_output(transform="pandas")
    out = builder.fit_transform(table)
    assert "hippocampus_vol_icv" not in out
    assert out["mri_hippocampus_vol_mm3"].iloc[1] == 7200.0


def test_no_icv_column_leaves_volumes_in_mm3(table):
    out = (
        MRIFeatures()
        .set_output(transform="pandas")
        .fit_transform(table.drop(columns="mri_icv_mm3"))
    )
    assert out["mri_hippocampus_vol_mm3"].tolist()[:3] == [8000.0, 7200.0, 9000.0]


def test_a_zero_icv_gives_no_share():
    frame = pd.DataFrame({"mri_hippocampus_vol_mm3": [8000.0], "mri_icv_mm3": [0.0]})
    out = MRIFeatures().set_output(transform="pandas").fit_transform(frame)
    assert np.isnan(out["hippocampus_vol_icv"].iloc[0])


def test_registry_builds_it_by_name_and_checks_options():
    assert isinstance(get_builder("mri", {"normalize_icv": False}), MRIFeatures)
    with pytest.raises(ConfigError, match="Unknown option 'icv'.*normalize_icv"):
        get_builder("mri", {"icv": True})
    with pytest.raises(ConfigError, match="'normalize_icv' parameter"):
        get_builder("mri", {"normalize_icv": "yes"})


def test_every_builder_may_be_loaded_from_a_bundle():
    from predict.features import BUILDERS
    from predict.scoring._bundle import TRUSTED_TYPES

    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in BUILDERS.values()}
    assert names <= set(TRUSTED_TYPES)
