"""The default config trains on any cohort; what it used reaches MLflow and bundles."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from predict import load_model, read_cohort, simulate_cohort, train
from predict.cohort._contract import MODALITY_PREFIXES
from predict.config import ExperimentConfig, load_config, parse_config
from predict.config._study import _merge
from predict.exceptions import IgnoredModalityWarning, MissingModalityError
from tests.features._patchy import MARKER_MODALITIES, patchy_cohort

CONFIGS = Path(__file__).parents[2] / "configs"

#: Cheap enough for the default suite; the model is fixed so that a change of
#: the default model does not change what these tests cost.
CHEAP: dict[str, Any] = {
    "model": {"name": "elastic_net"},
    "cv": {"outer": {"n_splits": 3}, "inner": {"n_splits": 2}},
    "tuning": {"n_trials": 2},
    "evaluation": {"n_bootstrap": 20, "n_permutations": 0},
}


def default_config(**overrides: Any) -> ExperimentConfig:
    """configs/default.yaml with the cheap overrides (and any others)."""
    config = load_config(CONFIGS / "default.yaml")
    document = _merge(config.model_dump(mode="json"), _merge(CHEAP, overrides))
    return parse_config(document)


def _without(table, *modalities):
    prefixes = tuple(MODALITY_PREFIXES[m] for m in modalities)
    return table.drop(columns=[c for c in table if c.startswith(prefixes)])


def _builders(result) -> list[str]:
    features = result.final_model.steps[0][1]
    return [name for name, _ in features.transformer_list]


@pytest.mark.parametrize("modality", MARKER_MODALITIES)
def test_default_config_trains_without_each_modality(modality):
    table = _without(simulate_cohort(80, seed=11), modality)
    result = train(default_config(), read_cohort(table))
    expected = [m for m in ("clinical", *MARKER_MODALITIES) if m != modality]
    assert _builders(result) == expected
    assert list(result.features.used) == expected
    assert list(result.features.left_out) == [modality]
    assert result.config.features == "auto"  # the config as written
    assert 0 <= result.metrics.loc["auc", "value"] <= 1


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            lambda: _without(simulate_cohort(80, seed=12), *MARKER_MODALITIES),
            id="simulator",
        ),
        pytest.param(lambda: patchy_cohort(80, seed=4, modalities=()), id="patchy"),
    ],
)
def test_default_config_trains_on_clinical_only(make):
    result = train(default_config(), read_cohort(make()))
    assert _builders(result) == ["clinical"]
    assert set(result.features.left_out) == set(MARKER_MODALITIES)


def test_patchy_cohort_with_some_modalities():
    table = patchy_cohort(90, seed=5, modalities=("tms_emg", "rest_eeg"))
    result = train(default_config(), read_cohort(table))
    assert _builders(result) == ["clinical", "tms_emg", "rest_eeg"]
    assert result.features.left_out["bdnf"].startswith("no patient has any bdnf_*")


def test_explicit_config_for_an_absent_modality_fails_as_before():
    table = _without(simulate_cohort(60, seed=0), "tms_eeg")
    config = parse_config(_merge(CHEAP, {"features": {"clinical": {}, "tms_eeg": {}}}))
    message = (
        "The config asks for 'tms_eeg' (tep_* columns) but no patient has any value "
        "of it: remove the builder from 'features' or add the markers to the table."
    )
    with pytest.raises(MissingModalityError, match=f"^{re.escape(message)}$"):
        train(config, read_cohort(table))


@pytest.fixture(scope="module")
def without_fc(tmp_path_factory):
    """A model trained by the default config on a cohort with no fc_* value."""
    from predict.scoring import save_bundle

    table = simulate_cohort(80, seed=21)
    table["fc_sgacc_dlpfc_z"] = float("nan")  # in the input example, not the model
    cohort = read_cohort(table)
    result = train(default_config(), cohort)
    path = save_bundle(result, cohort, tmp_path_factory.mktemp("b") / "auto")
    return result, cohort, path


def test_bundle_card_and_report_say_what_was_left_out(without_fc):
    from predict.scoring._report import render_report

    _, _, path = without_fc
    model = load_model(path)
    features = model.metadata["features"]
    assert features["requested"] == "auto"
    assert features["used"] == [
        "clinical",
        "tms_eeg",
        "tms_emg",
        "rest_eeg",
        "bdnf",
        "mri",
    ]
    assert features["left_out"]["connectivity"]["prefix"] == "fc_"
    card = model.card()
    assert card["training_data"]["features"] == features
    assert any("Trained without connectivity" in x for x in card["limitations"])
    page = render_report(model)
    assert "clinical, tms_eeg, tms_emg, rest_eeg, bdnf, mri (features: auto)" in page
    assert "left out: connectivity (no patient has any fc_* value" in page


WARNING = r"^The model was trained without connectivity; fc_\* columns ignored\.$"


def test_scoring_a_patient_with_the_left_out_modality_warns_once(
    without_fc, monkeypatch
):
    _, _, path = without_fc
    model = load_model(path)
    fast_calls = []
    build = model._fast.build
    monkeypatch.setattr(
        model._fast, "build", lambda *a: fast_calls.append(1) or build(*a)
    )
    patients = simulate_cohort(12, seed=5, missing=False)
    plain = model.predict(patients.drop(columns=["fc_sgacc_dlpfc_z"]))  # no warning
    for data in (patients, patients.iloc[:1]):  # the full path and the fast path
        with pytest.warns(IgnoredModalityWarning, match=WARNING) as caught:
            scored = model.predict(data)
        assert len(caught) == 1
        # scored without it: the same as without the column
        assert scored["p_response"].tolist() == pytest.approx(
            plain["p_response"].iloc[: len(data)].tolist()
        )
    one = patients.iloc[0].to_dict()
    fast_calls.clear()
    with pytest.warns(IgnoredModalityWarning, match=WARNING) as caught:
        model.predict(one)  # a mapping: the cell-by-cell path
    assert len(caught) == 1 and fast_calls == [1]
    with pytest.warns(IgnoredModalityWarning, match=WARNING):
        model.explain(patients.iloc[:2])
    from predict.scoring._pyfunc import PyfuncModel

    with pytest.warns(IgnoredModalityWarning, match=WARNING) as caught:
        PyfuncModel(path).predict(patients)  # what MLflow serving calls
    assert len(caught) == 1


@pytest.mark.slow
def test_a_worker_resolves_auto_as_train_does(tmp_path, monkeypatch):
    import optuna

    from predict.evaluation import create_studies, run_worker
    from predict.evaluation._nested import Plan
    from predict.evaluation._shared import open_storage

    built = []
    make_features = Plan.make_features

    def recording(self):
        built.append(self.config.features)
        return make_features(self)

    monkeypatch.setattr(Plan, "make_features", recording)

    path = tmp_path / "cohort.csv"
    _without(simulate_cohort(60, seed=9), "bdnf").to_csv(path, index=False)
    cohort = read_cohort(path)
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    config = default_config(tuning={"storage": url})
    names = create_studies(config, cohort)
    assert run_worker(url, names[-1].removesuffix("-final"), wait=5) == dict.fromkeys(
        names, 2
    )
    expected = ["clinical", "tms_eeg", "tms_emg", "rest_eeg", "connectivity", "mri"]
    assert built and all(list(features) == expected for features in built)
    result = train(config, cohort)  # reuses the worker's trials, adds none
    for name in names:
        study = optuna.load_study(study_name=name, storage=open_storage(url))
        assert len(study.trials) == 2
    assert list(result.features.left_out) == ["bdnf"]


def test_comparison_lists_skipped_configs(without_fc):
    from predict.evaluation import compare_results
    from predict.exceptions import TrainingError

    result, _, _ = without_fc
    table = compare_results(
        {"default": result}, "default", skipped={"tms_eeg": "why"}, n_bootstrap=10
    )
    assert table.loc["tms_eeg", "skipped"] == "why"
    assert table["value"].isna().tolist() == [False, True]
    assert table.loc["default", "skipped"] == ""
    with pytest.raises(TrainingError, match="baseline 'default' was skipped \\(why\\)"):
        compare_results({}, "default", skipped={"default": "why"})
