"""``auto`` end to end: printed and logged weights, importances, the bundle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from predict.cli import app
from predict.scoring import TRUSTED_TYPES, load_bundle, load_model
from tests.generators import protocol_effects

runner = CliRunner()
FAMILIES = ["elastic_net", "spline_logistic", "hist_gradient_boosting"]
CONFIG = {
    "features": "auto",
    "model": {"name": "auto", "candidates": {f: {"n_trials": 3} for f in FAMILIES}},
    "cv": {"outer": {"n_splits": 3}, "inner": {"n_splits": 3}},
    "evaluation": {"n_bootstrap": 50, "n_permutations": 3},
}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A cohort of another generator, trained by the CLI with model auto."""
    tmp = tmp_path_factory.mktemp("auto")
    table, _ = protocol_effects.make(240, seed=3)
    data, config = tmp / "cohort.csv", tmp / "stacked.yaml"
    table.to_csv(data, index=False)
    config.write_text(yaml.safe_dump(CONFIG))
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    args = ["train", "-c", str(config), "-d", str(data), "--tracking-uri", uri]
    result = runner.invoke(app, [*args, "--models-dir", str(tmp / "models")])
    assert result.exit_code == 0, result.output
    return tmp, uri, table, " ".join(result.output.split())


def test_weights_are_printed_and_logged_per_fold_and_for_the_final_model(trained):
    from mlflow.tracking import MlflowClient

    tmp, uri, _, output = trained
    assert "Stack weights of the final model (auto): elastic_net " in output
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("rtms-predict")
    runs = client.search_runs([experiment.experiment_id])
    parent = next(r for r in runs if "mlflow.parentRunId" not in r.data.tags)
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    weights = {f: float(parent.data.params[f"stack.weight.{f}"]) for f in FAMILIES}
    assert all(w >= 0 for w in weights.values()) and any(weights.values())
    used = [f for f, w in weights.items() if w > 0]
    assert parent.data.tags["rtms.stack"].split(", ")[0].split()[0] == used[0]
    assert len(children) == 3
    for child in children:
        assert {f"weight_{f}" for f in FAMILIES} <= set(child.data.metrics)
        assert "members.elastic_net.C" in child.data.params
    folder = client.download_artifacts(parent.info.run_id, "plots", str(tmp))
    importance = pd.read_csv(Path(folder) / "feature_importance.csv")
    # contributions of the stack: one importance per built feature, not zeros
    assert (importance["importance"] > 0).sum() >= 5
    trials = client.download_artifacts(
        children[0].info.run_id, "optuna_trials.csv", str(tmp)
    )
    assert set(pd.read_csv(trials)["family"]) == set(FAMILIES)


def test_bundle_scores_with_the_stack_and_explains_in_log_odds(trained):
    import skops.io as sio

    tmp, _, table, _ = trained
    bundle = tmp / "models" / "stacked"
    untrusted = sio.get_untrusted_types(file=bundle / "data" / "bundle" / "model.skops")
    assert set(untrusted) <= set(TRUSTED_TYPES)
    loaded = load_bundle(bundle)
    stack = loaded.model.steps[-1][1]
    assert type(stack).__name__ == "StackedClassifier"
    predictor = load_model(bundle)
    patients = table.head(12)
    scored = predictor.predict(patients)
    p = scored["p_response"].to_numpy()
    from predict import read_cohort

    direct = loaded.model.predict_proba(read_cohort(patients).data)[:, 1]
    np.testing.assert_allclose(p, direct, rtol=1e-9)
    explained = predictor.explain(patients)
    assert set(explained["unit"]) == {"log-odds"}
    assert explained["contribution"].notna().all()
    assert explained.groupby("patient_id").size().nunique() == 1  # every feature
