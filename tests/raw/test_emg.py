from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from predict.exceptions import UsageError
from predict.raw._common import RawFileError
from predict.raw._emg import EmgOptions, extract_emg, write_emg

# Hand-written trials. Test: 1.0 mean of the five kept (25.0 and -0.1 dropped).
# SICI: mean 0.4. ICF: mean 1.5. LICI: mean 0.2, one empty amplitude dropped.
TRIALS = [
    ("test", None, 1.0),
    ("sici", 2.0, 0.3),
    ("test", None, 1.2),
    ("icf", 12.0, 1.5),
    ("lici", 100.0, 0.1),
    ("test", None, 0.8),
    ("sici", 2.0, 0.5),
    ("test", None, 25.0),
    ("icf", 12.0, 1.4),
    ("lici", 100.0, 0.2),
    ("test", None, 1.4),
    ("sici", 2.0, 0.4),
    ("icf", 12.0, 1.6),
    ("lici", 100.0, None),
    ("test", None, -0.1),
    ("lici", 100.0, 0.3),
    ("test", None, 0.6),
    ("sici", 2.0, 0.6),
    ("icf", 12.0, 1.5),
    ("lici", 100.0, 0.2),
    ("sici", 2.0, 0.2),
    ("icf", 12.0, 1.5),
    ("lici", 100.0, 0.2),
]


def _write(tmp_path, rows, columns=("condition", "isi_ms", "mep_amp_mv"), name="t"):
    path = tmp_path / f"{name}.csv"
    pd.DataFrame(rows, columns=list(columns)).to_csv(path, index=False)
    return path


def test_hand_written_table_gives_exact_ratios_and_counts(tmp_path):
    extraction = extract_emg(_write(tmp_path, TRIALS))
    markers = extraction.markers
    np.testing.assert_allclose(markers["emg_mep_amp_mv"], 1.0, rtol=1e-12)
    np.testing.assert_allclose(markers["emg_sici_ratio"], 0.4, rtol=1e-12)
    np.testing.assert_allclose(markers["emg_icf_ratio"], 1.5, rtol=1e-12)
    np.testing.assert_allclose(markers["emg_lici_ratio"], 0.2, rtol=1e-12)
    qc = extraction.qc
    assert (qc["test_kept"], qc["test_dropped"]) == (5, 2)
    assert (qc["lici_kept"], qc["lici_dropped"]) == (5, 1)
    assert (qc["sici_kept"], qc["sici_dropped"]) == (5, 0)
    assert qc["sici_isi_ms"] == 2.0
    assert qc["lici_isi_ms"] == 100.0


def test_bounds_and_median_are_options(tmp_path):
    path = _write(tmp_path, TRIALS)
    # With max 1.3 mV the test trials 1.4 and 25 drop: mean of 1.0, 1.2, 0.8, 0.6.
    options = EmgOptions(max_mep_mv=1.3, min_trials=4)
    markers = extract_emg(path, options).markers
    np.testing.assert_allclose(markers["emg_mep_amp_mv"], 0.9, rtol=1e-12)
    np.testing.assert_allclose(markers["emg_sici_ratio"], 0.4 / 0.9, rtol=1e-12)
    assert math.isnan(markers["emg_icf_ratio"])  # all ICF trials above 1.3 mV
    median = extract_emg(path, EmgOptions(statistic="median")).markers
    np.testing.assert_allclose(median["emg_mep_amp_mv"], 1.0, rtol=1e-12)
    np.testing.assert_allclose(median["emg_lici_ratio"], 0.2, rtol=1e-12)


def test_absent_condition_gives_nan_ratio(tmp_path):
    rows = [r for r in TRIALS if r[0] in ("test", "sici")]
    markers = extract_emg(_write(tmp_path, rows)).markers
    np.testing.assert_allclose(markers["emg_sici_ratio"], 0.4, rtol=1e-12)
    assert math.isnan(markers["emg_icf_ratio"])
    assert math.isnan(markers["emg_lici_ratio"])


def test_too_few_conditioned_trials_give_nan(tmp_path):
    rows = [r for r in TRIALS if r[0] != "icf"] + [("icf", 12.0, 1.5)] * 3
    extraction = extract_emg(_write(tmp_path, rows))
    assert math.isnan(extraction.markers["emg_icf_ratio"])
    assert extraction.qc["icf_kept"] == 3
    np.testing.assert_allclose(extraction.markers["emg_sici_ratio"], 0.4, rtol=1e-12)
    lenient = extract_emg(_write(tmp_path, rows), EmgOptions(min_trials=3)).markers
    np.testing.assert_allclose(lenient["emg_icf_ratio"], 1.5, rtol=1e-12)


def test_aliases_and_case_are_accepted(tmp_path):
    rows = [("TS" if c == "test" else c.upper(), isi, amp) for c, isi, amp in TRIALS]
    path = _write(tmp_path, rows, columns=("Condition", " ISI_ms", "MEP_amp_mv"))
    markers = extract_emg(path, EmgOptions(aliases={"ts": "test"})).markers
    np.testing.assert_allclose(markers["emg_icf_ratio"], 1.5, rtol=1e-12)


@pytest.mark.parametrize(
    "markers",
    [
        pytest.param(
            {
                "emg_mep_amp_mv": 1.37,
                "emg_sici_ratio": 0.42,
                "emg_icf_ratio": 1.31,
                "emg_lici_ratio": 0.27,
            },
            id="all",
        ),
        pytest.param({"emg_mep_amp_mv": 17.5, "emg_sici_ratio": 1.1}, id="large-mep"),
    ],
)
@pytest.mark.parametrize("n", [pytest.param(15, id="odd"), pytest.param(8, id="even")])
def test_writer_round_trip_is_exact(tmp_path, markers, n):
    path = write_emg(tmp_path / "w.csv", markers, seed=3, trials_per_condition=n)
    table = pd.read_csv(path)
    assert table["mep_amp_mv"].max() <= 20
    assert table.loc[table["condition"] == "test", "isi_ms"].isna().all()
    assert table.loc[table["condition"] == "sici", "isi_ms"].between(2, 3).all()
    extraction = extract_emg(path)
    for name, value in markers.items():
        np.testing.assert_allclose(extraction.markers[name], value, rtol=1e-12)
    for name in {"emg_sici_ratio", "emg_icf_ratio", "emg_lici_ratio"} - set(markers):
        assert math.isnan(extraction.markers[name])
    assert extraction.qc["test_kept"] == n


def test_missing_columns_are_named(tmp_path):
    path = _write(tmp_path, [("test", 1.0)], columns=("condition", "amp"))
    with pytest.raises(RawFileError, match=r"lacks the column\(s\) isi_ms, mep_amp_mv"):
        extract_emg(path)


def test_unknown_conditions_name_lines_not_values(tmp_path):
    rows = [*TRIALS[:3], ("sp", None, 1.0), ("cSP", None, 1.0)]
    with pytest.raises(
        RawFileError, match=r"2 trial\(s\) with an unknown condition \(lines 5, 6\)"
    ):
        extract_emg(_write(tmp_path, rows))


def test_non_numeric_amplitude_names_lines(tmp_path):
    rows = [*TRIALS[:2], ("test", None, "1,2 mV")]
    with pytest.raises(RawFileError, match=r"'mep_amp_mv'.*lines 4"):
        extract_emg(_write(tmp_path, rows))


def test_no_valid_test_trials(tmp_path):
    rows = [r for r in TRIALS if r[0] != "test"] + [("test", None, 30.0)]
    with pytest.raises(RawFileError, match="0 valid test trials.*1\\s+dropped"):
        extract_emg(_write(tmp_path, rows))


def test_too_few_test_trials(tmp_path):
    with pytest.raises(RawFileError, match="expected at least 6"):
        extract_emg(_write(tmp_path, TRIALS), EmgOptions(min_trials=6))


def test_empty_table(tmp_path):
    with pytest.raises(RawFileError, match="has no trials"):
        extract_emg(_write(tmp_path, []))


def test_options_are_validated():
    with pytest.raises(ValidationError, match="must be below max_mep_mv"):
        EmgOptions(min_mep_mv=5, max_mep_mv=1)
    with pytest.raises(ValidationError, match="expected one of test"):
        EmgOptions(aliases={"ts": "single"})
    with pytest.raises(ValidationError, match="Extra inputs"):
        EmgOptions(max_mep=3)


@pytest.mark.parametrize(
    ("markers", "match"),
    [
        pytest.param({}, "emg_mep_amp_mv in", id="no-mep"),
        pytest.param({"emg_mep_amp_mv": 0.0}, "emg_mep_amp_mv in", id="zero-mep"),
        pytest.param(
            {"emg_mep_amp_mv": 10.0, "emg_icf_ratio": 3.0}, "up to 20 mV", id="big"
        ),
        pytest.param(
            {"emg_mep_amp_mv": 1.0, "emg_sici_ratio": -0.1}, "ratio in", id="ratio"
        ),
    ],
)
def test_writer_rejects_bad_markers(tmp_path, markers, match):
    with pytest.raises(UsageError, match=match):
        write_emg(tmp_path / "w.csv", markers, seed=0)


def test_writer_rejects_bad_path_and_count(tmp_path):
    with pytest.raises(UsageError, match="must end in '.csv'"):
        write_emg(tmp_path / "w.tsv", {"emg_mep_amp_mv": 1.0}, seed=0)
    with pytest.raises(UsageError, match="at least 5"):
        write_emg(
            tmp_path / "w.csv", {"emg_mep_amp_mv": 1.0}, seed=0, trials_per_condition=2
        )
