"""Tampered bundles are refused by name before anything of them runs."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from predict import read_cohort, simulate_cohort, train
from predict.cli import app
from predict.scoring import BundleError, load_bundle, load_model, save_bundle
from predict.scoring._manifest import write_manifest
from tests.evaluation.conftest import fast_config

runner = CliRunner()
DATA = Path("data") / "bundle"


@pytest.fixture(scope="module")
def trained():
    cohort = read_cohort(simulate_cohort(60, seed=4))
    return train(fast_config(tuning={"n_trials": 1}), cohort), cohort


@pytest.fixture(scope="module")
def saved(trained, tmp_path_factory):
    """One trained elastic-net bundle, copied by each test before tampering."""
    return save_bundle(*trained, tmp_path_factory.mktemp("b") / "bundle")


@pytest.fixture
def bundle(saved, tmp_path):
    return Path(shutil.copytree(saved, tmp_path / "copy"))


def _mlmodel(root: Path, edit) -> None:
    spec = yaml.safe_load((root / "MLmodel").read_text())
    edit(spec)
    (root / "MLmodel").write_text(yaml.safe_dump(spec))


def _metadata(root: Path, text: str) -> None:
    (root / DATA / "metadata.json").write_text(text)


def _code_path(root: Path, marker: Path) -> None:
    """MLmodel edited to ``code: code`` with a module shadowing our loader."""
    module = root / "code" / "predict" / "scoring"
    module.mkdir(parents=True)
    for folder in (module.parent, module):
        (folder / "__init__.py").write_text("")
    (module / "_pyfunc.py").write_text(
        f"open({str(marker)!r}, 'w').write('ran')\n"
        "def _load_pyfunc(path, config=None):\n    return None\n"
    )
    _mlmodel(root, lambda s: s["flavors"]["python_function"].update(code="code"))


def _loader_pickle(root: Path, marker: Path) -> None:
    """``loader_module: mlflow.sklearn`` with a pickle beside it."""
    (root / "model.pkl").write_bytes(b"not really a pickle")

    def edit(spec):
        spec["flavors"]["python_function"]["loader_module"] = "mlflow.sklearn"
        spec["flavors"]["sklearn"] = {"pickled_model": "model.pkl"}

    _mlmodel(root, edit)


def test_a_saved_bundle_verifies_and_loads(bundle):
    result = runner.invoke(app, ["verify", str(bundle)])
    assert result.exit_code == 0, result.output
    assert "files match its manifest" in result.output
    assert load_bundle(bundle).metadata["task"] == "binary"
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["loader_module"] == "predict.scoring._pyfunc"
    assert "data/bundle/model.skops" in manifest["files"]


@pytest.mark.parametrize("resealed", [False, True], ids=["edited", "resealed"])
@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (_code_path, r"'MLmodel'.*(does not match|code paths)|'code/"),
        (_loader_pickle, r"'MLmodel'|'model.pkl'|another loader_module"),
    ],
    ids=["code-path", "loader-module-pickle"],
)
def test_code_in_mlmodel_is_refused_and_never_runs(
    bundle, tmp_path, tamper, message, resealed
):
    marker = tmp_path / "pwned"
    tamper(bundle, marker)
    if resealed:  # an attacker rewrites the manifest too (no key in use)
        write_manifest(bundle)
    with pytest.raises(BundleError, match=message):
        load_bundle(bundle)
    for command in (["verify", str(bundle)], ["serve", "-m", str(bundle)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2 and "Traceback" not in result.output
    assert not marker.exists()


@pytest.mark.parametrize(
    "config",
    [
        pytest.param({"allow_raw_paths": True, "data_root": "/"}, id="data-root"),
        pytest.param({"allow_raw_paths": False, "data_root": None}, id="changed"),
        pytest.param({"allow_raw_paths": True, "data_root": None, "x": 1}, id="extra"),
    ],
)
def test_mlmodel_config_other_than_saved_is_refused(bundle, config):
    """A resealed ``config`` would widen the data root of MLflow's loader."""
    _mlmodel(bundle, lambda s: s["flavors"]["python_function"].update(config=config))
    write_manifest(bundle)  # resealed: no key in use
    message = r"'MLmodel'.*python_function\.config"
    with pytest.raises(BundleError, match=message):
        load_bundle(bundle)
    with pytest.raises(BundleError, match=message):
        import mlflow.pyfunc

        mlflow.pyfunc.load_model(str(bundle))
    result = runner.invoke(app, ["verify", str(bundle)])
    assert result.exit_code == 2 and "python_function.config" in result.output


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (
            lambda r: (r / DATA / "config.yaml").write_text("seed: 1\n"),
            r"file 'data/bundle/config.yaml' does not match its digest",
        ),
        (
            lambda r: (r / DATA / "extra.pkl").write_bytes(b"x"),
            r"file 'data/bundle/extra.pkl' is not in its manifest",
        ),
        (
            lambda r: (r / DATA / "oof.csv").unlink(),
            r"file 'data/bundle/oof.csv' of its manifest is missing",
        ),
        (
            lambda r: (r / "manifest.json").unlink(),
            r"has no manifest.json",
        ),
        (
            lambda r: (r / "manifest.json").write_text("{"),
            r"'manifest.json' is not valid JSON",
        ),
        (
            lambda r: (r / DATA / "link").symlink_to("/etc/passwd"),
            r"symbolic link 'data/bundle/link'",
        ),
    ],
    ids=["changed", "extra", "missing", "no-manifest", "bad-manifest", "symlink"],
)
def test_files_differing_from_the_manifest_are_named(bundle, tamper, message):
    tamper(bundle)
    with pytest.raises(BundleError, match=message):
        load_bundle(bundle)
    with pytest.raises(BundleError, match=message):  # the pyfunc loader too
        import mlflow.pyfunc

        mlflow.pyfunc.load_model(str(bundle))
    for command in (["score", "-d", "x", "-o", "y"], ["report", "-o", "y"], ["serve"]):
        result = runner.invoke(app, [command[0], "-m", str(bundle), *command[1:]])
        assert result.exit_code == 2 and re.search(message, result.output)


def test_hmac_signature_proves_the_key(trained, saved, tmp_path, monkeypatch):
    signed = save_bundle(*trained, tmp_path / "signed", key="lab-secret")
    load_bundle(signed, key="lab-secret")
    with pytest.raises(BundleError, match="not signed with the key"):
        load_bundle(signed, key="another")
    with pytest.raises(BundleError, match="not signed with the key"):
        load_bundle(saved, key="lab-secret")  # an unsigned bundle
    copy = Path(shutil.copytree(signed, tmp_path / "copy"))
    (copy / DATA / "config.yaml").write_text("seed: 1\n")
    write_manifest(copy)  # resealed without the key
    with pytest.raises(BundleError, match="not signed with the key"):
        load_bundle(copy, key="lab-secret")
    monkeypatch.setenv("RTMS_BUNDLE_KEY", "another")  # read by the command line
    assert runner.invoke(app, ["verify", str(signed)]).exit_code == 2
    monkeypatch.setenv("RTMS_BUNDLE_KEY", "lab-secret")
    verified = runner.invoke(app, ["verify", str(signed)])
    assert verified.exit_code == 0 and "signature valid" in verified.output


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: "not json", r"'metadata.json' is not valid JSON"),
        (lambda m: "[" * 200_000 + "]" * 200_000, r"'metadata.json' is not valid"),
        (
            lambda m: (
                json.dumps({**m, "n_patients": 0})[:-1] + ', "x": ' + "9" * 5000 + "}"
            ),
            r"'metadata.json' is not valid JSON",
        ),
        (lambda m: json.dumps({**m, "threshold": float("nan")}), r"field 'threshold'"),
        (lambda m: json.dumps({**m, "threshold": "high"}), r"field 'threshold'"),
        (lambda m: json.dumps({**m, "threshold": "0.5"}), r"field 'threshold'"),
        (lambda m: json.dumps({**m, "n_patients": "60"}), r"field 'n_patients'"),
        (lambda m: json.dumps({**m, "features": [1]}), r"field 'features'"),
        (
            lambda m: json.dumps({**m, "features": {**m["features"], "used": [1]}}),
            r"field 'features.used.0'",
        ),
        (lambda m: json.dumps({**m, "predict_at": 5}), r"field 'predict_at'"),
        (
            lambda m: json.dumps({**m, "predict_at": {"visit": "3"}}),
            r"field 'predict_at.day'",
        ),
        (
            lambda m: json.dumps({**m, "predict_at": {"day": "7"}}),
            r"field 'predict_at.day'",
        ),
        (lambda m: json.dumps({**m, "visit_columns": "day"}), r"field 'visit_columns'"),
        (lambda m: json.dumps({**m, "task": "survival"}), r"field 'task'"),
        (
            lambda m: json.dumps({**m, "training_ranges": {"age": "wide"}}),
            r"field 'training_ranges.age'",
        ),
        (lambda m: json.dumps({**m, "sites": 3}), r"field 'sites'"),
        (lambda m: json.dumps({**m, "name": "x" * 10_000}), r"field 'name'"),
        (
            lambda m: json.dumps({k: v for k, v in m.items() if k != "task"}),
            r"field 'task'",
        ),
        (
            lambda m: json.dumps({**m, "config": {**m["config"], "raw": {"x": 1}}}),
            r"field 'config.raw'",
        ),
        (
            lambda m: json.dumps({**m, "config": {**m["config"], "model": [1]}}),
            r"field 'config'.*config.model must be a mapping",
        ),
    ],
    ids=[
        "not-json",
        "deep",
        "long-int",
        "nan-threshold",
        "text-threshold",
        "quoted-threshold",
        "quoted-count",
        "features-list",
        "features-used",
        "predict-at-number",
        "predict-at-no-day",
        "predict-at-text-day",
        "visit-columns",
        "task",
        "ranges",
        "sites",
        "long-name",
        "no-task",
        "raw-options",
        "model-section",
    ],
)
def test_malformed_metadata_fields_are_named(bundle, edit, message):
    metadata = json.loads((bundle / DATA / "metadata.json").read_text())
    _metadata(bundle, edit(metadata))
    write_manifest(bundle)  # the digests match: the schema still refuses
    with pytest.raises(BundleError, match=message):
        load_bundle(bundle)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("repeat,fold,y_true\n0,0,1\n", "must have the columns"),
        ("repeat,fold,y_true,y_prob\n0,0,1,abc\n", "non-numeric"),
        ("repeat,fold,y_true,y_prob\n0,0,1,7\n", "outside 0-1"),
        ("\xff\xfe\x00", "not a CSV|must have"),
    ],
    ids=["no-y_prob", "text", "range", "binary"],
)
def test_malformed_oof_is_a_bundle_error(bundle, text, message):
    (bundle / DATA / "oof.csv").write_bytes(text.encode("latin-1"))
    write_manifest(bundle)
    with pytest.raises(BundleError, match=rf"'oof.csv'.*{message}|{message}"):
        load_bundle(bundle)


def test_missing_oof_gives_a_documented_conformal_set(bundle):
    (bundle / DATA / "oof.csv").unlink()
    write_manifest(bundle)
    predictor = load_model(bundle)
    scores = predictor.predict(simulate_cohort(10, seed=9))
    assert set(scores["conformal_set"]) == {"either"}
    assert np.isinf(predictor.conformal_quantile_)


def test_malformed_xgboost_file_is_named_without_its_content(tmp_path):
    cohort = read_cohort(simulate_cohort(60, seed=4))
    config = fast_config(
        model={"name": "xgboost", "params": {"n_estimators": 5}},
        tuning={"n_trials": 1},
    )
    path = save_bundle(train(config, cohort), cohort, tmp_path / "xgb")
    booster = next((path / DATA).glob("xgboost-*.ubj"))
    booster.write_text("root:x:0:0:secret-line\n")
    write_manifest(path)
    with pytest.raises(BundleError, match=r"'xgboost-0.ubj' is not a valid") as info:
        load_bundle(path)
    assert "root" not in str(info.value) and "secret" not in str(info.value)
