"""Configs build one transformer with traceable names; bad configs say why."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from predict import read_cohort
from predict.cli import app
from predict.config import ExperimentConfig, load_config, parse_config
from predict.exceptions import ConfigError
from predict.features import BUILDERS, build_features, resolve_features

CONFIGS = Path(__file__).parents[2] / "configs"


@pytest.mark.parametrize(
    "path", [pytest.param(p, id=p.stem) for p in sorted(CONFIGS.glob("*.yaml"))]
)
def test_shipped_configs_build(path, small_table):
    config = load_config(path)
    assert config.name == path.stem
    visits = None
    if config.predict_at is not None:  # the simulator's visits of small_table
        from predict.cohort import simulate_visits

        visits = simulate_visits(60, seed=7)
    cohort = read_cohort(small_table, visits=visits)
    X = build_features(config, cohort)
    assert len(X) == len(small_table)
    assert all("__" in c for c in X.columns)
    from predict.cohort._timepoint import cohort_at_config

    used = resolve_features(config, cohort_at_config(cohort, config.predict_at)).used
    assert {c.split("__")[0] for c in X.columns} == set(used)
    if config.features != "auto":
        required = {n for n, o in config.features.items() if not o.get("optional")}
        assert required <= set(used) <= set(config.features)


def test_shipped_config_set():
    stems = {p.stem for p in CONFIGS.glob("*.yaml")}
    # builders of visits need a prediction time: the timescales configs use them
    baseline = {n for n, cls in BUILDERS.items() if not getattr(cls, "reads_visits", 0)}
    assert {"default", "clinical_only"} | baseline - {"clinical"} <= stems
    assert load_config(CONFIGS / "default.yaml").features == "auto"
    assert set(load_config(CONFIGS / "clinical_only.yaml").features) == {"clinical"}


def test_names_say_where_features_come_from(small_table):
    config = ExperimentConfig(features={"bdnf": {}, "rest_eeg": {}})
    X = build_features(config, read_cohort(small_table))
    assert "bdnf__met_x_high_freq" in X.columns
    assert "rest_eeg__iaf_target_distance" in X.columns
    assert X.index.equals(read_cohort(small_table).patient_ids)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param(
            {"features": {"tms_eegg": {}}},
            r"Unknown feature builder 'tms_eegg'\. Did you mean 'tms_eeg'\? "
            r"Valid builders: bdnf, change, clinical, connectivity, early_improvement, "
            r"mri, rest_eeg, tms_eeg, tms_emg",
            id="unknown-builder",
        ),
        pytest.param(
            {"features": {"tms_emg": {"log_ratio": True}}},
            r"Unknown option 'log_ratio' for feature builder 'tms_emg'\. Did you mean "
            r"'log_ratios'\? Valid options: log_ratios, min_ratio",
            id="unknown-option",
        ),
        pytest.param(
            {"features": {"connectivity": {"smooth": 1}}},
            r"Unknown option 'smooth' for feature builder 'connectivity'"
            r".*Valid options: none",
            id="builder-without-options",
        ),
        pytest.param(
            {"features": {"tms_eeg": {"min_n100_uv": -1}}},
            r"'min_n100_uv' parameter of TMSEEGFeatures must be a float in the range",
            id="bad-value",
        ),
        pytest.param(
            {"features": {"clinical": {}}, "modle": {"name": "svm"}},
            r"unknown key 'modle' \(valid top-level keys: cv, description, evaluation",
            id="unknown-key",
        ),
        pytest.param({"features": {}}, "at least one feature builder", id="empty"),
        pytest.param({"name": "x"}, "'features': Field required", id="no-features"),
        pytest.param([1, 2], "expected a mapping", id="not-a-mapping"),
    ],
)
def test_bad_config(document, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(document, source="cfg.yaml")


def test_config_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("features: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_features_command(tmp_path, small_table):
    data, out = tmp_path / "cohort.csv", tmp_path / "features.csv"
    small_table.to_csv(data, index=False)
    result = CliRunner().invoke(
        app,
        [
            "features",
            "--config",
            str(CONFIGS / "default.yaml"),
            "--data",
            str(data),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    matrix = pd.read_csv(out, index_col="patient_id")
    assert len(matrix) == len(small_table)
    assert "bdnf__met_x_high_freq" in matrix.columns


def test_features_command_bad_config(tmp_path, small_table):
    data, config = tmp_path / "cohort.csv", tmp_path / "c.yaml"
    small_table.to_csv(data, index=False)
    config.write_text("features:\n  eeg: {}\n")
    result = CliRunner().invoke(
        app,
        ["features", "-c", str(config), "-d", str(data), "-o", str(tmp_path / "f.csv")],
    )
    assert result.exit_code == 2
    assert "Unknown feature builder 'eeg'" in result.output
    assert not (tmp_path / "f.csv").exists()
