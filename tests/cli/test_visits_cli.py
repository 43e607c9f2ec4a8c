"""--visits on the command line, and the end-to-end course: simulate, train, score."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from predict.cli import app

runner = CliRunner()


def test_simulate_and_validate_visits(tmp_path):
    data, visits = tmp_path / "cohort.csv", tmp_path / "visits.tsv"
    result = runner.invoke(
        app, ["simulate", "-o", str(data), "--visits", str(visits), "--n", "40"]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(visits, sep="\t")
    assert set(table["visit"]) == {"s1", "w1", "w2"}
    assert (pd.read_csv(data)["endpoint_day"] == 42).all()
    result = runner.invoke(app, ["validate", str(data), "--visits", str(visits)])
    assert result.exit_code == 0, result.output
    assert "Visits (" in result.output and "w2" in result.output


def test_bad_visits_exit_2_naming_column_and_patients(tmp_path):
    data, visits = tmp_path / "cohort.csv", tmp_path / "visits.csv"
    runner.invoke(
        app, ["simulate", "-o", str(data), "--visits", str(visits), "--n", "30"]
    )
    table = pd.read_csv(visits)
    table.loc[0, "day"] = 50  # after the endpoint at day 42
    table.loc[1, "emg_mep_amp_mv"] = 900.0  # µV, not mV
    table.to_csv(visits, index=False)
    result = runner.invoke(app, ["validate", str(data), "--visits", str(visits)])
    assert result.exit_code == 2
    assert "Invalid visits table: 2 problems found" in result.output
    assert "Column 'emg_mep_amp_mv' has 1 value outside 0-20 mV" in result.output
    assert "endpoint_day (patients P01 (s1))" in result.output
    assert "Traceback" not in result.output


def test_train_without_visits_says_so(tmp_path):
    data = tmp_path / "cohort.csv"
    runner.invoke(app, ["simulate", "-o", str(data), "--n", "30"])
    result = runner.invoke(
        app,
        [
            "features",
            "-c",
            "configs/at_w1.yaml",
            "-d",
            str(data),
            "-o",
            str(tmp_path / "X.csv"),
        ],
    )
    assert result.exit_code == 2
    assert "no visits table was given" in result.output


def test_features_with_visits_writes_the_change_columns(tmp_path):
    data, visits, out = tmp_path / "c.csv", tmp_path / "v.csv", tmp_path / "X.csv"
    made = runner.invoke(
        app, ["simulate", "-o", str(data), "--visits", str(visits), "--n", "60"]
    )
    assert made.exit_code == 0, made.output
    result = runner.invoke(
        app,
        ["features", "-c", "configs/at_w1.yaml", "-d", str(data)]
        + ["--visits", str(visits), "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    X = pd.read_csv(out).set_index("patient_id")
    assert {
        "change__bdnf_serum_ng_ml__delta",
        "change__emg_mep_amp_mv__log_ratio",
        "change__tep_n100_amp_uv__slope_per_week",
        "early_improvement__pct_change",
        "early_improvement__improved",
    } <= set(X.columns)
    # the w1 value minus baseline, for the patients measured at w1
    base = pd.read_csv(data).set_index("patient_id")["bdnf_serum_ng_ml"]
    table = pd.read_csv(visits)
    w1 = table[table["visit"] == "w1"].set_index("patient_id")["bdnf_serum_ng_ml"]
    expected = (w1 - base.reindex(w1.index)).dropna()
    assert len(expected) > 30
    np.testing.assert_allclose(
        X.loc[expected.index, "change__bdnf_serum_ng_ml__delta"], expected, atol=1e-9
    )


@pytest.mark.slow
def test_end_to_end_train_at_w1_then_score(tmp_path):
    import mlflow.pyfunc

    data, visits = tmp_path / "cohort.csv", tmp_path / "visits.csv"
    new, new_visits = tmp_path / "new.csv", tmp_path / "new_visits.parquet"
    runner.invoke(
        app,
        [
            "simulate",
            "-o",
            str(data),
            "--visits",
            str(visits),
            "--n",
            "200",
            "--seed",
            "3",
        ],
    )
    runner.invoke(
        app,
        [
            "simulate",
            "-o",
            str(new),
            "--visits",
            str(new_visits),
            "--n",
            "12",
            "--seed",
            "4",
        ],
    )
    config = yaml.safe_load(open("configs/at_w1.yaml"))
    config.update(
        tuning={"n_trials": 3}, evaluation={"n_bootstrap": 50, "n_permutations": 0}
    )
    path = tmp_path / "at_w1.yaml"
    path.write_text(yaml.safe_dump(config))
    result = runner.invoke(
        app,
        [
            "train",
            "-c",
            str(path),
            "-d",
            str(data),
            "--visits",
            str(visits),
            "--models-dir",
            str(tmp_path / "models"),
            "--tracking-uri",
            f"sqlite:///{tmp_path / 'mlflow.db'}",
        ],
    )
    assert result.exit_code == 0, result.output
    bundle = tmp_path / "models" / "at_w1"
    out = tmp_path / "scores.csv"
    result = runner.invoke(
        app,
        [
            "score",
            "-m",
            str(bundle),
            "-d",
            str(new),
            "--visits",
            str(new_visits),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "at day 7 (visit w1)" in result.output
    scores = pd.read_csv(out).set_index("patient_id")
    assert scores["p_response"].between(0, 1).all() and len(scores) == 12
    frame = pd.concat(
        [pd.read_csv(new), pd.read_parquet(new_visits)], ignore_index=True
    )
    served = mlflow.pyfunc.load_model(str(bundle)).predict(frame)
    np.testing.assert_allclose(served["p_response"], scores["p_response"])
    report = tmp_path / "card.html"
    result = runner.invoke(app, ["report", "-m", str(bundle), "-o", str(report)])
    assert result.exit_code == 0, result.output
    assert "predicts at day 7 (visit w1) from baseline and visits up to day 7" in (
        report.read_text()
    )


@pytest.mark.slow
def test_experiment_over_prediction_times_logs_the_auc_by_day(tmp_path):
    from mlflow.tracking import MlflowClient

    data, visits = tmp_path / "cohort.csv", tmp_path / "visits.csv"
    runner.invoke(
        app,
        [
            "simulate",
            "-o",
            str(data),
            "--visits",
            str(visits),
            "--n",
            "90",
            "--seed",
            "5",
        ],
    )
    common = {
        "target": "response",
        "model": {"name": "elastic_net"},
        "tuning": {"n_trials": 2},
        "evaluation": {"n_bootstrap": 50, "n_permutations": 0},
    }
    (tmp_path / "base.yaml").write_text(
        yaml.safe_dump({**common, "features": {"clinical": {}}})
    )
    (tmp_path / "week1.yaml").write_text(
        yaml.safe_dump(
            {
                **common,
                "features": {"clinical": {}, "early_improvement": {}},
                "predict_at": {"visit": "w1"},
            }
        )
    )
    study = tmp_path / "study.yaml"
    study.write_text(
        yaml.safe_dump(
            {
                "name": "timescales-test",
                "configs": ["base.yaml", "week1.yaml"],
                "baseline": "base",
                "overrides": {
                    "cv": {"outer": {"n_splits": 3}, "inner": {"n_splits": 2}}
                },
            }
        )
    )
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = runner.invoke(
        app,
        [
            "experiment",
            str(study),
            "-d",
            str(data),
            "--visits",
            str(visits),
            "--tracking-uri",
            uri,
            "--models-dir",
            str(tmp_path / "models"),
            "--report",
            str(tmp_path / "report"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "When can we know? AUC by prediction time" in result.output
    assert "w1 (day 7)" in result.output
    table = pd.read_csv(tmp_path / "report" / "timescales.csv", index_col=0)
    assert table["time_point"].tolist() == ["baseline", "w1 (day 7)"]
    assert (tmp_path / "report" / "auc_vs_day.png").stat().st_size > 1000
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("timescales-test")
    run = next(
        r
        for r in client.search_runs([experiment.experiment_id])
        if r.info.run_name == "comparison vs base"
    )
    names = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"auc_vs_day.png", "timescales.csv", "comparison.csv"} <= names
