"""End to end: a cohort mixing BOLD runs, FreeSurfer folders and values trains."""

from __future__ import annotations

import numpy as np
import pytest

from predict import load_model, read_cohort, simulate_cohort, train
from predict.config import ExperimentConfig
from predict.raw._simulate import write_raw_files
from predict.scoring import save_bundle

pytestmark = pytest.mark.slow


def test_imaging_cohort_trains_and_scores(tmp_path):
    table = simulate_cohort(80, seed=21)
    raw = write_raw_files(table, tmp_path / "raw", relative_to=tmp_path, share=0.5)
    raw.to_csv(tmp_path / "cohort.csv", index=False)
    cohort = read_cohort(tmp_path / "cohort.csv")
    assert {"bold_path", "mri_stats_dir"} <= set(cohort.path_columns)
    # the table mixes files and precomputed values in both modalities
    for column, marker in [
        ("bold_path", "fc_sgacc_dlpfc_z"),
        ("mri_stats_dir", "mri_hippocampus_vol_mm3"),
    ]:
        has_file = cohort.data[column].notna()
        assert has_file.any() and cohort.data.loc[~has_file, marker].notna().any()
    config = ExperimentConfig.model_validate(
        {
            "name": "imaging",
            "features": {"clinical": {}, "connectivity": {}, "mri": {}},
            "model": {"name": "elastic_net"},
            "cv": {"outer": {"n_splits": 3}, "inner": {"n_splits": 3}},
            "tuning": {"n_trials": 2},
            "evaluation": {"n_bootstrap": 50, "n_permutations": 0},
            "raw": {"on_error": "missing", "bold": {"radius_mm": 8}},
        }
    )
    result = train(config, cohort)
    report = result.raw_report
    assert report is not None
    assert report.read["bold_path"] == int(cohort.data["bold_path"].notna().sum())
    assert report.read["mri_stats_dir"] > 0 and report.n_failed == 0
    assert 0 <= result.metrics.loc["auc", "value"] <= 1
    bundle = save_bundle(result, cohort, tmp_path / "bundle")
    new = (
        simulate_cohort(12, seed=78, missing=False)
        .head(6)
        .assign(patient_id=lambda t: "N" + t["patient_id"].astype(str))
    )
    new_raw = write_raw_files(new, tmp_path / "new_raw", relative_to=tmp_path, seed=4)
    new_raw.to_csv(tmp_path / "new.csv", index=False)
    assert new_raw["mri_stats_dir"].notna().all()
    scores = load_model(bundle).predict(tmp_path / "new.csv")
    assert scores["p_response"].between(0, 1).all() and len(scores) == 6
    plain = load_model(bundle).predict(new)
    assert np.abs(scores["p_response"] - plain["p_response"]).max() < 0.05
