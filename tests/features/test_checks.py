"""Every builder passes scikit-learn's estimator checks."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from predict.features import BUILDERS, FeatureBuilder

# No check is expected to fail: builders validate input with sklearn's own
# validate_data, so the generic checks (NaN/inf, sparse, dtypes, feature names,
# set_output, pickling) all apply. A check that cannot apply goes here with
# its reason, and xfail_strict makes a listed check that passes fail the suite.
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {}


def _expected(estimator: FeatureBuilder) -> dict[str, str]:
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(
    [cls() for cls in BUILDERS.values()], expected_failed_checks=_expected
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
