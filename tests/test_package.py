"""Package-level checks: the public API, __all__ consistency, lazy imports."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import predict


def _modules() -> list[str]:
    names = ["predict"]
    for info in pkgutil.walk_packages(predict.__path__, prefix="predict."):
        names.append(info.name)
    return names


@pytest.mark.parametrize("module_name", _modules())
def test_all_names_resolve(module_name):
    module = importlib.import_module(module_name)
    for name in getattr(module, "__all__", []):
        assert getattr(module, name) is not None, f"{module_name}.{name}"


@pytest.mark.parametrize("module_name", _modules())
def test_all_is_sorted(module_name):
    module = importlib.import_module(module_name)
    names = list(getattr(module, "__all__", []))
    assert names == sorted(names), module_name


def test_version_matches_metadata():
    from importlib.metadata import version

    assert predict.__version__ == version("rtms-predict")


def test_import_is_light():
    code = (
        "import sys, predict, predict.cli; "
        "heavy = {'pandas', 'sklearn', 'mlflow', 'xgboost', 'mne', 'matplotlib', "
        "'optuna'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_validate_imports_only_what_it_uses(tmp_path):
    # validate's wall time is mostly imports: no readers, models or tracking
    path = tmp_path / "cohort.csv"
    predict.simulate_cohort(60, seed=0).to_csv(path, index=False)
    code = (
        "import sys\n"
        "from predict.cli import main\n"
        f"sys.argv = ['rtms-predict', 'validate', {str(path)!r}]\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    assert not stop.code\n"
        "heavy = {'predict.raw', 'predict.harmonize', 'predict.config', 'scipy', "
        "'sklearn', 'mlflow', 'xgboost', 'mne', 'matplotlib', 'optuna', 'yaml'}\n"
        "print(sorted(heavy & set(sys.modules)), file=sys.stderr)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "follows the cohort contract" in out.stdout
    assert out.stderr.strip().splitlines()[-1] == "[]"


def test_unknown_attribute():
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        predict.nope  # noqa: B018
