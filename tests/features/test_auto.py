"""features: auto and optional: true keep the builders whose data the cohort has."""

from __future__ import annotations

import re

import numpy as np
import pytest

from predict import read_cohort, simulate_cohort
from predict.cohort._contract import MODALITY_PREFIXES
from predict.cohort._timepoint import cohort_for
from predict.config import ExperimentConfig, parse_config
from predict.exceptions import ConfigError, MissingModalityError, TrainingError
from predict.features import (
    BUILDERS,
    ENTRIES,
    FeatureBuilder,
    build_features,
    register_builder,
    resolve_features,
)
from predict.features._registry import BuilderEntry
from tests.cohort._visit_generator import generate
from tests.features._patchy import MARKER_MODALITIES, patchy_cohort

AUTO = ExperimentConfig(features="auto")
#: What auto considers without a prediction time: every builder not of visits.
BASELINE = [n for n, e in ENTRIES.items() if not e.builder.reads_visits]


def _without(table, modality):
    prefix = MODALITY_PREFIXES[modality]
    return table.drop(columns=[c for c in table if c.startswith(prefix)])


@pytest.mark.parametrize("modality", MARKER_MODALITIES)
def test_auto_leaves_out_an_absent_modality(modality, small_table):
    cohort = read_cohort(_without(small_table, modality))
    resolved = resolve_features(AUTO, cohort)
    prefix = MODALITY_PREFIXES[modality]
    assert resolved.left_out == {
        modality: f"no patient has any {prefix}* value; the table has no {prefix}* "
        "column"
    }
    assert list(resolved.used) == [m for m in BASELINE if m != modality]
    assert resolved.requested == "auto"


def test_empty_columns_count_as_absent(small_table):
    table = small_table.copy()
    table["fc_sgacc_dlpfc_z"] = np.nan
    resolved = resolve_features(AUTO, read_cohort(table))
    assert resolved.left_out == {"connectivity": "no patient has any fc_* value"}
    assert "Left out: connectivity (no patient has any fc_* value)." in (
        resolved.summary()
    )
    assert resolved.params() == {
        "features_used": "clinical,tms_eeg,tms_emg,rest_eeg,bdnf,mri",
        "features_left_out": "connectivity",
    }
    assert resolved.tags() == {
        "rtms.left_out.connectivity": "no patient has any fc_* value"
    }


def test_patchy_cohorts_keep_exactly_their_modalities():
    for seed, kept in enumerate([("tms_emg",), ("rest_eeg", "bdnf"), ()]):
        cohort = read_cohort(patchy_cohort(60, seed=seed, modalities=kept))
        resolved = resolve_features(AUTO, cohort)
        assert set(resolved.used) == {"clinical", *kept}
        assert set(resolved.left_out) == set(BASELINE) - {"clinical", *kept}
        X = build_features(AUTO, cohort)
        assert {c.split("__")[0] for c in X.columns} == {"clinical", *kept}


def test_explicit_builder_keeps_todays_error(small_table):
    cohort = read_cohort(_without(small_table, "connectivity"))
    config = ExperimentConfig(features={"clinical": {}, "connectivity": {}})
    message = (
        "The config asks for 'connectivity' (fc_* columns) but no patient has any "
        "value of it: remove the builder from 'features' or add the markers to the "
        "table."
    )
    with pytest.raises(MissingModalityError, match=f"^{re.escape(message)}$"):
        resolve_features(config, cohort)
    assert issubclass(MissingModalityError, TrainingError)


def test_optional_builder_is_left_out_and_keeps_options(small_table):
    cohort = read_cohort(_without(small_table, "tms_eeg"))
    config = parse_config(
        {
            "features": {
                "clinical": {},
                "tms_eeg": {"min_n100_uv": 1.0, "optional": True},
                "tms_emg": {"log_ratios": False, "optional": True},
            }
        }
    )
    resolved = resolve_features(config, cohort)
    assert resolved.used == {"clinical": {}, "tms_emg": {"log_ratios": False}}
    assert list(resolved.left_out) == ["tms_eeg"]
    assert resolved.requested == "explicit"
    X = build_features(config, cohort)
    assert "tms_emg__log_sici" not in X.columns  # its option reached the builder
    assert not any(c.startswith("tms_eeg__") for c in X.columns)


def test_no_builder_left_is_an_error():
    table = patchy_cohort(40, seed=0, modalities=())
    config = ExperimentConfig(features={"bdnf": {"optional": True}})
    with pytest.raises(MissingModalityError, match="No feature builder of the config"):
        resolve_features(config, read_cohort(table))


@pytest.mark.parametrize(
    ("features", "message"),
    [
        ("everything", "expected 'auto' or a mapping of builder names to options"),
        ({"bdnf": {"optional": "yes"}}, "'optional' of feature builder 'bdnf' must"),
        ({}, "at least one feature builder is needed, or 'auto'"),
    ],
)
def test_bad_features_block(features, message):
    with pytest.raises(ConfigError, match=message):
        parse_config({"features": features})


def test_auto_round_trips_through_a_dump():
    again = parse_config(AUTO.model_dump(mode="json"))
    assert again.features == "auto"


class _SpectralFeatures(FeatureBuilder):
    """A builder registered later, for ``spec_`` columns."""

    modality = "spectral_test"
    prefix = "spec_"
    label = "spectral test"

    def __init__(self) -> None:
        pass


@pytest.fixture
def spectral():
    entry = register_builder(_SpectralFeatures)
    yield entry
    del BUILDERS[entry.name], ENTRIES[entry.name]


def test_a_builder_registered_later_is_picked_up_by_auto(spectral, small_table):
    assert isinstance(spectral, BuilderEntry) and spectral.prefix == "spec_"
    cohort = read_cohort(small_table)
    assert resolve_features(AUTO, cohort).left_out == {
        "spectral_test": "no patient has any spec_* value; the table has no spec_* "
        "column"
    }
    cohort.data["spec_peak_hz"] = np.linspace(1.0, 2.0, len(cohort.data))
    assert "spectral_test" in resolve_features(AUTO, cohort).used


def test_detect_hook_replaces_the_column_check(small_table):
    entry = register_builder(
        _SpectralFeatures, name="visits_test", detect=lambda cohort: "no visits table"
    )
    try:
        resolved = resolve_features(AUTO, read_cohort(small_table))
        assert resolved.left_out["visits_test"] == "no visits table"
    finally:
        del BUILDERS[entry.name], ENTRIES[entry.name]


def test_path_columns_feed_a_modality_after_the_raw_stage(tmp_path):
    from predict.raw import read_raw_markers
    from predict.raw._simulate import write_raw_files

    table = simulate_cohort(30, seed=2, missing=False)
    table = table[[c for c in table if not c.startswith(("tep_", "emg_", "eeg_"))]]
    raw = write_raw_files(table, tmp_path / "raw", relative_to=tmp_path)
    raw = raw.drop(columns=["fc_sgacc_dlpfc_z"], errors="ignore")
    assert "fc_matrix_path" in raw
    raw.to_csv(tmp_path / "cohort.csv", index=False)
    cohort = read_cohort(tmp_path / "cohort.csv")
    before = resolve_features(AUTO, cohort)
    assert "connectivity" in before.left_out  # no fc_* value before files are read
    assert "fc_matrix_path" in before.left_out["connectivity"]
    assert "named files but none gave markers" in before.left_out["connectivity"]
    filled, _ = read_raw_markers(cohort, AUTO.raw)
    assert "connectivity" in resolve_features(AUTO, filled).used


def test_files_that_give_no_markers_are_named_in_the_reason(tmp_path):
    from predict.raw import RawOptions, read_raw_markers
    from predict.raw._simulate import write_raw_files

    table = simulate_cohort(20, seed=4, missing=False)
    table = table[[c for c in table if not c.startswith(("tep_", "emg_", "eeg_"))]]
    raw = write_raw_files(table, tmp_path / "raw", relative_to=tmp_path)
    raw = raw.drop(columns=["bold_path", "mri_stats_dir"], errors="ignore")
    raw = raw[[c for c in raw if not c.startswith("mri_")]]  # left empty by files
    for name in raw["fc_matrix_path"].dropna():
        (tmp_path / name).write_text("not a matrix\n")
    raw.to_csv(tmp_path / "cohort.csv", index=False)
    cohort = read_cohort(tmp_path / "cohort.csv")
    filled, report = read_raw_markers(cohort, RawOptions(on_error="missing"))
    n_files = int(raw["fc_matrix_path"].notna().sum())
    assert n_files > 0 and report is not None and report.n_failed == n_files
    assert resolve_features(AUTO, filled).left_out["connectivity"] == (
        "no patient has any fc_* value; fc_matrix_path named files but none gave "
        "markers"
    )


def _with_visits(*drop: str):
    """A cohort with visits of the tests' own generator (days 3, 10 and 21)."""
    baseline, visits = generate(80, seed=1)
    return read_cohort(baseline, visits=visits.drop(columns=list(drop)))


def test_auto_at_a_prediction_time_adds_the_visit_builders():
    cohort = _with_visits()
    config = ExperimentConfig(features="auto", predict_at={"visit": "ses-d10"})
    resolved = resolve_features(config, cohort_for(config, cohort))
    assert list(resolved.used) == [
        "clinical",
        "tms_emg",
        "rest_eeg",
        "connectivity",
        "change",
        "early_improvement",
    ]
    assert set(resolved.left_out) == {"tms_eeg", "bdnf", "mri"}
    X = build_features(config, cohort)
    assert {"change__emg_sici_ratio__delta", "early_improvement__pct_change"} <= set(
        X.columns
    )


@pytest.mark.parametrize(
    ("drop", "day", "left_out"),
    [
        pytest.param(
            (),
            1,
            {
                "change": "no patient has a marker value at a visit up to the "
                "prediction time",
                "early_improvement": "no patient has a scale total at a visit up "
                "to the prediction time",
            },
            id="before-the-first-visit",
        ),
        pytest.param(
            ("emg_sici_ratio", "eeg_iaf_hz"),
            10,
            {
                "change": "no patient has a marker value at a visit up to the "
                "prediction time"
            },
            id="visits-without-markers",
        ),
        pytest.param(
            ("madrs",),
            10,
            {
                "early_improvement": "no patient has a scale total at a visit up "
                "to the prediction time"
            },
            id="visits-without-scales",
        ),
    ],
)
def test_auto_leaves_out_visit_builders_with_nothing_to_read(drop, day, left_out):
    config = ExperimentConfig(features="auto", predict_at={"day": day})
    resolved = resolve_features(config, cohort_for(config, _with_visits(*drop)))
    assert {n: r for n, r in resolved.left_out.items() if n in left_out} == left_out
    visit_builders = {n for n, e in ENTRIES.items() if e.builder.reads_visits}
    assert set(resolved.used) & visit_builders == visit_builders - set(left_out)


def test_auto_with_visits_but_no_prediction_time_says_so():
    resolved = resolve_features(AUTO, _with_visits())
    assert resolved.left_out["change"] == "no predict_at"
    assert resolved.left_out["early_improvement"] == "no predict_at"
    assert "change (no predict_at), early_improvement (no predict_at)." in (
        resolved.summary()
    )
    baseline_only = read_cohort(generate(80, seed=1)[0])
    left_out = resolve_features(AUTO, baseline_only).left_out
    assert set(left_out) == {"tms_eeg", "bdnf", "mri"}  # no visits: nothing to say
