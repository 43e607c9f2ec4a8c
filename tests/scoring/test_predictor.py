"""Scoring new patients: columns, warnings, uncertainty, explanations, card."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from predict import load_model, read_cohort, simulate_cohort, train
from predict.cli import app
from predict.exceptions import CohortError
from predict.scoring import save_bundle
from tests.evaluation.conftest import fast_config


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    table = simulate_cohort(600, seed=21)
    train_part, held_out = table.iloc[:450], table.iloc[450:]
    cohort = read_cohort(train_part)
    result = train(fast_config(cv={"outer": {"n_splits": 5}}), cohort)
    path = save_bundle(result, cohort, tmp_path_factory.mktemp("m") / "bundle")
    return path, result, held_out


def test_output_columns(trained):
    path, result, held_out = trained
    scores = load_model(path).predict(held_out)
    assert list(scores.columns) == [
        "p_response",
        "conformal_set",
        "predicted_response",
        "top_features",
        "contribution_unit",
        "warnings",
    ]
    assert scores.index.name == "patient_id" and len(scores) == len(held_out)
    expected = result.final_model.predict_proba(read_cohort(held_out).data)[:, 1]
    np.testing.assert_allclose(scores["p_response"], expected)
    assert (scores["predicted_response"] == (expected >= result.threshold)).all()
    assert set(scores["conformal_set"]) <= {
        "responder",
        "non-responder",
        "either",
        "neither",
    }
    assert scores["top_features"].str.count(";").eq(2).all()
    assert (scores["contribution_unit"] == "log-odds").all()


def test_contributions_add_up_for_linear_models(trained):
    path, result, held_out = trained
    model = load_model(path)
    explanation = model.explain(held_out.head(3))
    assert set(explanation.columns) == {
        "patient_id",
        "feature",
        "value",
        "contribution",
        "unit",
        "missing",  # contributions of what the patient lacks still add up
    }
    logit = np.log(
        model.predict(held_out.head(3))["p_response"]
        / (1 - model.predict(held_out.head(3))["p_response"])
    )
    intercept = result.final_model.steps[-1][1].intercept_[0]
    totals = explanation.groupby("patient_id")["contribution"].sum() + intercept
    np.testing.assert_allclose(totals.loc[logit.index], logit, atol=1e-6)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            {"eeg_iaf_hz": 14.9},
            "eeg_iaf_hz = 14.9 outside the training range",
            id="range",
        ),
        pytest.param(
            {"site": "site-Z"}, "site 'site-Z' not seen in training", id="site"
        ),
        pytest.param(
            {
                c: np.nan
                for c in [
                    "tep_n45_amp_uv",
                    "tep_p60_amp_uv",
                    "tep_n100_amp_uv",
                    "tep_p180_amp_uv",
                    "tep_n100_lat_ms",
                    "tep_gmfp_auc",
                ]
            },
            "no TMS-EEG markers (scored as missing)",
            id="missing-modality",
        ),
    ],
)
def test_warnings(trained, change, message):
    path, _, held_out = trained
    patient = held_out.head(1).copy()
    for column, value in change.items():
        patient[column] = value
    assert message in load_model(path).predict(patient)["warnings"].iloc[0]


def test_modality_absent_from_input_is_scored_as_missing(trained):
    path, _, held_out = trained
    without = held_out.drop(columns=[c for c in held_out if c.startswith("bdnf_")])
    scores = load_model(path).predict(without)
    assert scores["warnings"].str.contains("no BDNF markers").all()


def test_outcomes_ignored_and_bad_input_rejected(trained):
    path, _, held_out = trained
    model = load_model(path)
    with_outcome = model.predict(held_out.head(5))
    without = model.predict(held_out.head(5).drop(columns=["endpoint_hamd17"]))
    pd.testing.assert_frame_equal(with_outcome, without)
    bad = held_out.head(5).copy()
    bad["age"] = bad["age"].astype(object)
    bad.iloc[0, bad.columns.get_loc("age")] = "old"
    with pytest.raises(CohortError, match="'age' has 1 non-numeric value"):
        model.predict(bad)


def test_conformal_coverage_on_held_out_patients(trained):
    path, _, held_out = trained
    scores = load_model(path, coverage=0.9).predict(held_out)
    y = read_cohort(held_out).data["response"]
    sets = scores["conformal_set"]
    covered = (
        (sets == "either")
        | ((sets == "responder") & (y == 1))
        | ((sets == "non-responder") & (y == 0))
    )
    assert abs(covered.mean() - 0.9) <= 0.05


def test_card(trained):
    path, result, _ = trained
    card = load_model(path).card()
    assert card["cross_validated_metrics"]["auc"]["value"] == pytest.approx(
        result.metrics.loc["auc", "value"]
    )
    assert card["training_data"]["n_patients"] == 450
    assert "Not a medical device" in card["intended_use"]
    assert len(card["decision_curve"]["threshold"]) == 99


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_score_command(tmp_path, trained, fmt):
    path, _, held_out = trained
    data = tmp_path / "new.csv"
    held_out.to_csv(data, index=False)
    out = tmp_path / f"scores.{fmt}"
    result = CliRunner().invoke(
        app,
        [
            "score",
            "--model",
            str(path),
            "--data",
            str(data),
            "--out",
            str(out),
            "--format",
            fmt,
        ],
    )
    assert result.exit_code == 0, result.output
    if fmt == "json":
        records = json.loads(out.read_text())
        assert records[0]["patient_id"] == held_out["patient_id"].iloc[0]
    else:
        assert len(pd.read_csv(out)) == len(held_out)


def test_report_command_writes_a_self_contained_model_card(tmp_path, trained):
    path, result, _ = trained
    out = tmp_path / "report.html"
    outcome = CliRunner().invoke(
        app, ["report", "--model", str(path), "--out", str(out)]
    )
    assert outcome.exit_code == 0, outcome.output
    page = out.read_text()
    # ROC, calibration, decision curve and the final model's feature importance
    assert page.count("data:image/png;base64,") == 4
    threshold = result.threshold
    assert f"Decision threshold {threshold:.3g};" in page
    assert repr(threshold) not in page  # rounded, not 0.4344934759162224
    assert "TRIPOD+AI" in page and "Limitations" in page
    assert f"{result.metrics.loc['auc', 'value']:.3f}" in page
    assert "http" not in page.replace("http-equiv", "")  # no external resource
