"""rtms-predict experiment: configs on one dataset, paired comparison."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from predict.cli import app
from predict.config import load_study
from predict.exceptions import ConfigError

runner = CliRunner()

QUICK = {
    "cv": {"outer": {"n_splits": 3}, "inner": {"n_splits": 3}},
    "tuning": {"n_trials": 2},
    "evaluation": {"n_bootstrap": 50, "n_permutations": 0},
}


def _study(tmp_path, baseline="clinical_only"):
    for name, features in {
        "clinical_only": {"clinical": {}},
        "with_bdnf": {"clinical": {}, "bdnf": {}},
    }.items():
        config = {"features": features, "model": {"name": "elastic_net"}}
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(config))
    study = {
        "name": "ablation-test",
        "configs": ["clinical_only.yaml", "with_bdnf.yaml"],
        "baseline": baseline,
        "overrides": QUICK,
    }
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(study))
    return path


def test_overrides_apply_to_every_config(tmp_path):
    study, configs = load_study(_study(tmp_path))
    assert [c.name for c in configs] == ["clinical_only", "with_bdnf"]
    assert all(c.cv.outer.n_splits == 3 and c.tuning.n_trials == 2 for c in configs)
    assert configs[1].model.name == "elastic_net"  # deep merge keeps the rest


def test_unknown_baseline(tmp_path):
    import pytest

    with pytest.raises(ConfigError, match="baseline 'nope' is not one of the configs"):
        load_study(_study(tmp_path, baseline="nope"))


def test_experiment_prints_paired_comparison(tmp_path, small_table):
    from mlflow.tracking import MlflowClient

    data = tmp_path / "cohort.csv"
    small_table.to_csv(data, index=False)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = runner.invoke(
        app,
        [
            "experiment",
            str(_study(tmp_path)),
            "-d",
            str(data),
            "--tracking-uri",
            uri,
            "--models-dir",
            str(tmp_path / "models"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "paired difference against 'clinical_only'" in result.output
    assert "with_bdnf" in result.output
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("ablation-test")
    names = {r.info.run_name for r in client.search_runs([experiment.experiment_id])}
    assert {"clinical_only", "with_bdnf", "comparison vs clinical_only"} <= names
    # bundles under the study's name: never over models/CONFIG that train wrote
    models = tmp_path / "models"
    assert sorted(p.name for p in models.iterdir()) == ["ablation-test"]
    assert sorted(p.name for p in (models / "ablation-test").iterdir()) == [
        "clinical_only",
        "with_bdnf",
    ]
    assert "ablation-test/" in result.output


def test_experiment_refuses_a_name_that_leaves_its_folder(tmp_path, small_table):
    study = _study(tmp_path)
    spec = yaml.safe_load(study.read_text())
    study.write_text(yaml.safe_dump({**spec, "name": "../outside"}))
    data = tmp_path / "cohort.csv"
    small_table.to_csv(data, index=False)
    result = runner.invoke(app, ["experiment", str(study), "-d", str(data)])
    assert result.exit_code == 2
    assert "without '/' or '..'" in result.output
    assert not (tmp_path / "outside").exists()
