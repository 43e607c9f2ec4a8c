"""The command line: simulate, validate, version, errors without tracebacks."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from predict.cli import app

runner = CliRunner()


def test_version():
    from predict import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_simulate_then_validate(tmp_path):
    out, truth = tmp_path / "c.csv", tmp_path / "truth.csv"
    result = runner.invoke(
        app,
        [
            "simulate",
            "--n",
            "80",
            "--seed",
            "3",
            "--out",
            str(out),
            "--truth",
            str(truth),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert len(table) == 80
    truth_table = pd.read_csv(truth)
    assert truth_table.columns.tolist() == ["patient_id", "p_response"]
    assert "p_response" not in table
    result = runner.invoke(app, ["validate", str(out)])
    assert result.exit_code == 0, result.output
    assert "follows the cohort contract" in result.output
    assert "response rate" in result.output
    assert "tms_eeg" in result.output


def test_simulate_new_patients_without_outcomes(tmp_path):
    out = tmp_path / "new_patients.csv"
    command = ["simulate", "--n", "20", "--seed", "1", "--no-outcomes", "-o", str(out)]
    assert runner.invoke(app, command).exit_code == 0
    table = pd.read_csv(out)
    assert len(table) == 20 and "baseline_hamd17" in table
    assert not [c for c in table if c.startswith("endpoint_") or c == "response"]


def test_simulate_parquet(tmp_path):
    out = tmp_path / "c.parquet"
    assert (
        runner.invoke(app, ["simulate", "--n", "30", "--out", str(out)]).exit_code == 0
    )
    assert len(pd.read_parquet(out)) == 30


def test_simulate_bad_suffix_leaves_nothing(tmp_path):
    result = runner.invoke(
        app, ["simulate", "--n", "30", "--out", str(tmp_path / "c.xlsx")]
    )
    assert result.exit_code == 2
    assert "expected a .csv, .tsv or .parquet" in result.output
    assert list(tmp_path.iterdir()) == []


def test_validate_invalid_exits_2_without_traceback(tmp_path, small_table):
    bad = small_table.copy()
    bad.loc[0, "age"] = 300
    bad.loc[1, "protocol"] = "20Hz"
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "'age'" in result.output and "'protocol'" in result.output
    assert small_table.loc[0, "patient_id"] in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    )


def test_validate_warns_about_ignored_columns(tmp_path, small_table):
    path = tmp_path / "c.csv"
    small_table.assign(notes="x").to_csv(path, index=False)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0
    assert "Ignoring 1 column" in result.output


@pytest.mark.parametrize(
    "args",
    [pytest.param(["validate", "missing.csv"], id="missing-file")],
)
def test_missing_file_exit_2(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "does not exist" in result.output
