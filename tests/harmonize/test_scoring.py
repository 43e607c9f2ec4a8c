"""Harmonised bundles: seen and unseen sites through the saved bundle."""

from __future__ import annotations

import numpy as np
import pytest

from predict import load_model, read_cohort, train
from predict.harmonize import HarmonizedFeatures
from predict.scoring import save_bundle
from tests.evaluation.conftest import fast_config
from tests.harmonize._multisite import multisite_table


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    table = multisite_table(400, seed=5)
    seen = table[table["site"] != "site-D"]
    train_part, held_out = seen.iloc[:-30], seen.iloc[-30:]
    unseen = table[table["site"] == "site-D"]
    cohort = read_cohort(train_part)
    result = train(fast_config(harmonize={"min_batch": 10}), cohort)
    path = save_bundle(result, cohort, tmp_path_factory.mktemp("h") / "bundle")
    return path, result, held_out, unseen


def test_bundle_round_trip_keeps_the_harmoniser(bundle):
    path, result, held_out, _ = bundle
    model = load_model(path)
    features = model.bundle.model.steps[0][1]
    assert isinstance(features, HarmonizedFeatures)
    fits = features.named_steps["harmonize"].fits_
    assert fits["tms_emg"]["sites"] == ["site-A", "site-B", "site-C"]
    scores = model.predict(held_out)
    expected = result.final_model.predict_proba(read_cohort(held_out).data)[:, 1]
    np.testing.assert_allclose(scores["p_response"], expected)


def test_seen_site_is_scored_without_site_warnings(bundle):
    path, _, held_out, _ = bundle
    scores = load_model(path).predict(held_out)
    assert not scores["warnings"].str.contains("site").any()
    # a seen-site patient alone gets the same probability as in the batch
    alone = load_model(path).predict(held_out.iloc[:1])
    assert alone["p_response"].iloc[0] == pytest.approx(scores["p_response"].iloc[0])


def test_unseen_site_batch_is_harmonised_from_the_batch(bundle):
    path, _, _, unseen = bundle
    scores = load_model(path).predict(unseen)
    assert (
        scores["warnings"]
        .str.contains(
            "site 'site-D' not seen in training: its markers were harmonised with its "
            "location and scale estimated from"
        )
        .all()
    )
    assert not scores["warnings"].str.contains("not harmonised").any()


def test_single_unseen_patient_gets_a_warning_in_the_output(bundle):
    path, _, _, unseen = bundle
    model = load_model(path)
    scores = model.predict(unseen.iloc[:1])  # no Python warning escapes
    warning = scores["warnings"].iloc[0]
    assert "site 'site-D' not seen in training: markers not harmonised" in warning
    assert "at least 10 needed" in warning
    assert warning.count("not seen in training") == 1
    explanation = model.explain(unseen.iloc[:1])
    assert len(explanation) > 0
