"""The ``standard`` TMS-EEG pipeline on recordings with planted artifacts."""

from __future__ import annotations

import numpy as np
import pytest

from predict.raw._tms_eeg import TmsEegOptions, extract_tms_eeg
from tests.raw._tep_artifacts import truth, write_artifact_recording

# minimal would refuse every trial (the decay and muscle exceed 150 µV
# peak-to-peak): both pipelines keep them, so minimal's N100 is measured
LENIENT = {"reject_uv": 1000.0}


def test_standard_logs_every_step(tmp_path):
    path = write_artifact_recording(tmp_path / "p.npz", seed=3, broken="P8")
    got = extract_tms_eeg(path, TmsEegOptions(pipeline="standard", **LENIENT))
    qc = got.qc
    assert qc["pipeline"] == "standard" and qc["trials_kept"] == 60
    assert qc["channels_interpolated"] == "P8"
    assert "tms_muscle" in str(qc["components_removed"])
    assert float(qc["decay_amp_uv"]) > 1.0
    assert float(qc["lmfp_auc"]) > 0
    assert got.markers["tep_n100_amp_uv"] == pytest.approx(truth(), abs=1.0)


def test_pipeline_is_validated():
    with pytest.raises(ValueError, match="pipeline"):
        TmsEegOptions(pipeline="tesa")


@pytest.mark.slow
def test_standard_recovers_the_n100_where_minimal_does_not(tmp_path):
    errors: dict[str, list[float]] = {"minimal": [], "standard": []}
    for seed in range(5):
        path = write_artifact_recording(tmp_path / f"p{seed}.npz", seed=seed)
        for pipeline, found in errors.items():
            options = TmsEegOptions(pipeline=pipeline, **LENIENT)
            n100 = extract_tms_eeg(path, options).markers["tep_n100_amp_uv"]
            found.append(n100 - truth())
    assert np.median(np.abs(errors["standard"])) < 0.5
    assert np.median(np.abs(errors["minimal"])) > 1.0
