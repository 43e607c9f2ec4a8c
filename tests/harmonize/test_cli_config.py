"""The ``harmonize:`` config block and the validate diagnostics."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from predict import read_cohort, simulate_cohort, train
from predict.cli import app
from predict.config import ExperimentConfig
from predict.exceptions import TrainingError
from tests.evaluation.conftest import fast_config


def test_config_block_defaults_and_errors():
    config = ExperimentConfig(features={"clinical": {}}, harmonize={})
    assert config.harmonize is not None
    assert config.harmonize.covariates == ["age", "sex", "baseline"]
    assert ExperimentConfig(features={"clinical": {}}).harmonize is None
    with pytest.raises(ValidationError, match="unseen_site"):
        ExperimentConfig(features={"clinical": {}}, harmonize={"unseen_site": "guess"})
    with pytest.raises(ValidationError, match="covariates"):
        ExperimentConfig(features={"clinical": {}}, harmonize={"covariates": ["iq"]})


def test_harmonize_needs_a_site_column():
    cohort = read_cohort(simulate_cohort(80, seed=3).drop(columns="site"))
    with pytest.raises(TrainingError, match="no 'site' column"):
        train(fast_config(harmonize={}), cohort)


def test_validate_shows_site_effects(tmp_path):
    path = tmp_path / "cohort.csv"
    simulate_cohort(200, seed=0).to_csv(path, index=False)
    command = ["validate", str(path), "--site-diagnostics"]
    result = CliRunner().invoke(app, command, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Site effects" in result.output
    assert "tms_emg" in result.output and "chance" in result.output


def test_validate_leaves_site_effects_to_the_option(tmp_path, monkeypatch):
    import predict.harmonize

    def refuse(*args, **kwargs):
        raise AssertionError("site diagnostics ran without --site-diagnostics")

    monkeypatch.setattr(predict.harmonize, "site_predictability", refuse)
    path = tmp_path / "cohort.csv"
    simulate_cohort(120, seed=0).to_csv(path, index=False)
    result = CliRunner().invoke(app, ["validate", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Site effects" not in result.output
    assert "--site-diagnostics shows how well" in result.output


def test_site_metrics_only_for_leave_site_out():
    from rich.console import Console

    from predict.cli._train import render_result

    cohort = read_cohort(simulate_cohort(150, seed=3))
    stratified = train(fast_config(), cohort)
    assert stratified.site_metrics().empty and stratified.site_spread().empty
    loso = train(fast_config(cv={"outer": {"scheme": "leave_site_out"}}), cohort)
    assert list(loso.site_metrics().index) == cohort.sites
    console = Console(record=True, width=200)
    render_result(loso, console)
    text = console.export_text()
    assert "Per held-out site (leave-site-out)" in text
    assert "site-A" in text and "iqr" in text


def test_build_features_harmonises_when_configured():
    from predict.features import build_features

    cohort = read_cohort(simulate_cohort(200, seed=4))
    plain = ExperimentConfig(features={"tms_emg": {}})
    harmonised = ExperimentConfig(features={"tms_emg": {}}, harmonize={})
    before = build_features(plain, cohort)
    after = build_features(harmonised, cohort)
    assert list(after.columns) == list(before.columns)
    site = cohort.data["site"]
    column = "tms_emg__emg_csp_ms"
    assert after.groupby(site)[column].mean().std() < (
        before.groupby(site)[column].mean().std()
    )
