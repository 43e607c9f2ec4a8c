"""Bundles save without pickle and load only trusted types."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from predict import read_cohort, simulate_cohort, train
from predict.scoring import BundleError, load_bundle, save_bundle, write_manifest
from tests.evaluation.conftest import fast_config


@pytest.fixture(scope="module")
def cohort():
    return read_cohort(simulate_cohort(120, seed=2))


@pytest.mark.parametrize(
    "model",
    [
        pytest.param({"name": "elastic_net"}, id="elastic_net"),
        pytest.param({"name": "xgboost", "params": {"n_estimators": 30}}, id="xgboost"),
        pytest.param(
            {
                "name": "xgboost",
                "params": {"n_estimators": 30},
                "calibration": "sigmoid",
            },
            id="xgboost-calibrated",
        ),
        pytest.param({"name": "svm"}, id="svm"),
    ],
)
def test_round_trip_scores_identically(tmp_path, cohort, model):
    config = fast_config(model=model, tuning={"n_trials": 2})
    result = train(config, cohort)
    path = save_bundle(result, cohort, tmp_path / "bundle")
    bundle = load_bundle(path)
    expected = result.final_model.predict_proba(cohort.data)[:, 1]
    np.testing.assert_allclose(bundle.model.predict_proba(cohort.data)[:, 1], expected)
    assert bundle.metadata["threshold"] == pytest.approx(result.threshold)
    assert bundle.metadata["training_ranges"]["eeg_iaf_hz"][0] >= 5
    assert len(bundle.oof) == len(cohort)
    if model["name"] == "xgboost":
        assert list(path.glob("data/bundle/xgboost-*.ubj"))
    # no patient id anywhere in the bundle
    files = [p for p in path.rglob("*") if p.is_file() and p.suffix != ".ubj"]
    text = "".join(p.read_text(errors="ignore") for p in files)
    assert not any(pid in text for pid in cohort.patient_ids)


def test_malicious_payload_refused_without_running(tmp_path, cohort):
    result = train(fast_config(tuning={"n_trials": 1}), cohort)
    path = save_bundle(result, cohort, tmp_path / "bundle")
    marker = tmp_path / "pwned"
    # Rewrite the skops schema so that loading would call os.system.
    model_file = path / "data" / "bundle" / "model.skops"
    with zipfile.ZipFile(model_file) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(files["schema.json"])
    schema["__class__"] = "system"
    schema["__module__"] = "os"
    schema["content"] = {
        "__class__": "str",
        "__module__": "builtins",
        "__loader__": "JsonNode",
        "content": f"touch {marker}",
    }
    files["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(model_file, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    with pytest.raises(BundleError, match="model.skops' does not match its digest"):
        load_bundle(path)
    write_manifest(path)  # even with the manifest rewritten, skops refuses it
    with pytest.raises(BundleError, match="Refusing to load.*os.system"):
        load_bundle(path)
    assert not marker.exists()


def test_pickle_planted_as_model_is_refused(tmp_path, cohort):
    import os
    import pickle

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / 'pwned'}",))

    result = train(fast_config(tuning={"n_trials": 1}), cohort)
    path = save_bundle(result, cohort, tmp_path / "bundle")
    (path / "data" / "bundle" / "model.skops").write_bytes(pickle.dumps(Payload()))
    write_manifest(path)  # the digests match: the file itself is refused
    with pytest.raises(BundleError, match="not a valid skops file"):
        load_bundle(path)
    assert not (tmp_path / "pwned").exists()


def test_not_a_bundle(tmp_path):
    with pytest.raises(BundleError, match="is not a model bundle"):
        load_bundle(tmp_path)


def test_interrupted_save_leaves_nothing(tmp_path, cohort, monkeypatch):
    result = train(fast_config(tuning={"n_trials": 1}), cohort)
    import skops.io

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(skops.io, "dump", boom)
    with pytest.raises(KeyboardInterrupt):
        save_bundle(result, cohort, tmp_path / "bundle")
    assert list(tmp_path.iterdir()) == []
