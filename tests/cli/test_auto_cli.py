"""End to end: the default config and the modality ablation on incomplete cohorts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from predict import simulate_cohort
from predict.cli import app
from predict.config._study import _merge
from tests.features._patchy import patchy_cohort

ROOT = Path(__file__).parents[2]
runner = CliRunner()

CHEAP = {
    "model": {"name": "elastic_net"},
    "cv": {"outer": {"n_splits": 3}, "inner": {"n_splits": 2}},
    "tuning": {"n_trials": 2},
    "evaluation": {"n_bootstrap": 20, "n_permutations": 0},
}


def _cheap_default(tmp_path: Path) -> Path:
    """configs/default.yaml as shipped (features: auto), with cheap settings."""
    document = yaml.safe_load((ROOT / "configs" / "default.yaml").read_text())
    assert document["features"] == "auto"
    path = tmp_path / "default.yaml"
    path.write_text(yaml.safe_dump(_merge(document, CHEAP)))
    return path


@pytest.mark.slow
def test_train_default_config_without_connectivity(tmp_path):
    from mlflow.tracking import MlflowClient

    data = tmp_path / "cohort.csv"
    simulate_cohort(90, seed=8).drop(columns=["fc_sgacc_dlpfc_z"]).to_csv(
        data, index=False
    )
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    args = ["train", "-c", str(_cheap_default(tmp_path)), "-d", str(data)]
    args += ["--models-dir", str(tmp_path / "models"), "--tracking-uri", uri]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (
        "Features (auto): clinical, tms_eeg, tms_emg, rest_eeg, bdnf, mri. Left out: "
        "connectivity (no patient has any fc_* value" in " ".join(result.output.split())
    )
    client = MlflowClient(uri)
    run = client.search_runs(
        [client.get_experiment_by_name("rtms-predict").experiment_id],
        "attributes.run_name = 'default'",
    )[0]
    assert (
        run.data.params["features_used"] == "clinical,tms_eeg,tms_emg,rest_eeg,bdnf,mri"
    )
    assert run.data.params["features_left_out"] == "connectivity"
    assert "fc_*" in run.data.tags["rtms.left_out.connectivity"]
    # patients who bring connectivity are scored without it, with one warning
    patients = tmp_path / "new.csv"
    simulate_cohort(10, seed=1, missing=False).to_csv(patients, index=False)
    bundle = str(tmp_path / "models" / "default")
    args = ["score", "-m", bundle, "-d", str(patients), "-o", str(tmp_path / "s.csv")]
    scored = runner.invoke(app, args)
    assert scored.exit_code == 0, scored.output
    line = "Warning: The model was trained without connectivity; fc_* columns ignored."
    assert scored.output.count(line) == 1


@pytest.mark.slow
def test_modality_ablation_skips_what_the_cohort_lacks(tmp_path):
    from mlflow.tracking import MlflowClient

    shipped = yaml.safe_load(
        (ROOT / "experiments" / "modality_ablation.yaml").read_text()
    )
    study = dict(shipped)
    study["configs"] = [
        str((ROOT / "experiments" / c).resolve()) for c in shipped["configs"]
    ]
    study["overrides"] = _merge(shipped["overrides"], CHEAP)
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(study))
    data = tmp_path / "cohort.csv"
    # A cohort of our own generator without TMS-EEG.
    kept = ("tms_emg", "rest_eeg", "connectivity", "bdnf", "mri")
    patchy_cohort(90, seed=3, modalities=kept).to_csv(data, index=False)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = runner.invoke(
        app,
        [
            "experiment",
            str(path),
            "-d",
            str(data),
            "--tracking-uri",
            uri,
            "--models-dir",
            str(tmp_path / "models"),
        ],
    )
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert (
        "Skipped tms_eeg: The config asks for 'tms_eeg' (tep_* columns) but no "
        "patient has any value of it" in output
    )
    assert "tms_eeg skipped:" in output
    assert "paired difference against 'clinical_only'" in output
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name(shipped["name"])
    runs = {r.info.run_name: r for r in client.search_runs([experiment.experiment_id])}
    ran = {"clinical_only", "tms_emg", "rest_eeg", "connectivity", "bdnf", "mri"}
    ran.add("default")
    for name in ran:
        assert "auc" in runs[name].data.metrics, name
    assert "auc" not in runs["tms_eeg"].data.metrics
    assert runs["tms_eeg"].data.tags["rtms.skipped"].startswith("The config asks")
    comparison = runs["comparison vs clinical_only"].data
    assert comparison.tags["rtms.skipped_configs"] == "tms_eeg"
    assert "tep_*" in comparison.tags["rtms.skipped.tms_eeg"]
    assert "tms_eeg.diff_vs_clinical_only" not in comparison.metrics
    assert "bdnf.diff_vs_clinical_only" in comparison.metrics
    # default.yaml (features: auto) ran without TMS-EEG
    assert runs["default"].data.params["features_left_out"] == "tms_eeg"
