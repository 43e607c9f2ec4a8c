"""What the CLI prints and writes from others' tables and bundles stays inert."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from predict import read_cohort, simulate_cohort, train
from predict.cli import app
from predict.scoring import save_bundle, write_manifest
from tests.evaluation.conftest import fast_config

runner = CliRunner()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    cohort = read_cohort(simulate_cohort(60, seed=6))
    result = train(fast_config(tuning={"n_trials": 1}), cohort)
    return save_bundle(result, cohort, tmp_path_factory.mktemp("u") / "bundle")


def test_score_csv_defuses_formulas_and_prints_markup_literally(bundle, tmp_path):
    copy = shutil.copytree(bundle, tmp_path / "b")
    meta = copy / "data" / "bundle" / "metadata.json"
    meta.write_text(
        json.dumps({**json.loads(meta.read_text()), "name": "[red]x[/red]"})
    )
    write_manifest(copy)
    table = simulate_cohort(10, seed=2).drop(columns=["endpoint_hamd17"])
    table.loc[0, "patient_id"] = "=cmd|' /C calc'!A0"
    table.loc[1, "patient_id"] = "@SUM(A1)"
    data, out = tmp_path / "new.csv", tmp_path / "scores.csv"
    table.to_csv(data, index=False)
    result = runner.invoke(
        app, ["score", "-m", str(copy), "-d", str(data), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "[red]x[/red]" in result.output  # shown, not interpreted
    lines = out.read_text().splitlines()
    assert lines[1].startswith("'=cmd|") and lines[2].startswith("'@SUM(A1)")


def test_validate_counts_missing_spellings(tmp_path):
    data = tmp_path / "c.csv"
    data.write_text(
        "patient_id,age,baseline_hamd17\nP1,NA,20\nP2,NULL,21\nP3,,n/a\nP4,40,22\n"
    )
    result = runner.invoke(app, ["validate", str(data)])
    assert result.exit_code == 0, result.output
    assert "Missing values read: 'NA' 1, 'NULL' 1, empty 1, 'n/a' 1" in result.output
    data.write_text("patient_id,age\nP1,-\nP2,40\n")
    refused = runner.invoke(app, ["validate", str(data)])
    assert refused.exit_code == 2 and "non-numeric value" in refused.output
