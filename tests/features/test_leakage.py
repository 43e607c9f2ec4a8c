"""Builders learn from training rows only and transform row by row."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.base import clone

from predict import read_cohort
from predict.features import BUILDERS, make_features

BUILDER_PARAMS = [pytest.param(cls(), id=name) for name, cls in BUILDERS.items()] + [
    pytest.param(make_features({n: {} for n in BUILDERS}), id="all")
]


@pytest.mark.parametrize("builder", BUILDER_PARAMS)
def test_fold_b_identical_whether_or_not_in_table_at_fit(small_table, builder):
    # fold A: the first 40 patients; fold B: the rest.
    full = read_cohort(small_table).data
    only_a = read_cohort(small_table.iloc[:40]).data
    fold_b = full.iloc[40:]
    with_b = clone(builder).set_output(transform="pandas").fit(full.iloc[:40])
    without_b = clone(builder).set_output(transform="pandas").fit(only_a)
    pd.testing.assert_frame_equal(with_b.transform(fold_b), without_b.transform(fold_b))


@pytest.mark.parametrize("builder", BUILDER_PARAMS)
def test_transform_is_row_by_row(small_table, builder):
    data = read_cohort(small_table).data
    fold_a, fold_b = data.iloc[:40], data.iloc[40:]
    fitted = clone(builder).set_output(transform="pandas").fit(fold_a)
    alone = fitted.transform(fold_b)
    # fold B inside a larger table, in another order, gives the same rows
    within = fitted.transform(pd.concat([fold_b, fold_a]).iloc[::-1])
    pd.testing.assert_frame_equal(alone, within.loc[fold_b.index])


def test_levels_come_from_training_rows_only(small_table):
    data = read_cohort(small_table).data
    only_10hz = data[data["protocol"] == "10Hz"]
    union = make_features({"clinical": {}}).fit(only_10hz)
    protocol_columns = [c for c in union.get_feature_names_out() if "protocol_" in c]
    assert protocol_columns == ["clinical__protocol_10Hz"]
