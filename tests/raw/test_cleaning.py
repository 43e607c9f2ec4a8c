"""The ``standard`` TMS-EEG pipeline on recordings with planted artifacts."""

from __future__ import annotations

import numpy as np
import pytest

from predict.raw._tms_eeg import TmsEegOptions, extract_tms_eeg
from tests.raw._tep_artifacts import truth, write_artifact_recording

# Both pipelines run at their defaults. On seeds 0-5 the largest peak-to-peak
# outside the -2 to 12 ms artifact window is 73-99 µV, under reject_uv's 150:
# minimal keeps all 60 trials, and the decay and muscle bias its average.
SEEDS = range(6)  # as benchmarks/bench_raw_tms_eeg.py and the README


def test_standard_logs_every_step(tmp_path):
    path = write_artifact_recording(tmp_path / "p.npz", seed=3, broken="P8")
    got = extract_tms_eeg(path, TmsEegOptions(pipeline="standard"))
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
    for seed in SEEDS:
        path = write_artifact_recording(tmp_path / f"p{seed}.npz", seed=seed)
        for pipeline, found in errors.items():
            got = extract_tms_eeg(path, TmsEegOptions(pipeline=pipeline))
            assert got.qc["trials_kept"] == 60
            found.append(got.markers["tep_n100_amp_uv"] - truth())
    assert np.median(np.abs(errors["standard"])) < 0.5
    assert np.median(np.abs(errors["minimal"])) > 1.0
