"""Package metadata in the current form, so pip prints no deprecation warning."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_license_is_an_spdx_expression_with_a_setuptools_that_reads_it():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    # PEP 639: a string SPDX expression; the table form is deprecated
    assert project["project"]["license"] == "BSD-3-Clause"
    assert not [
        c for c in project["project"].get("classifiers", []) if c.startswith("License")
    ]
    # setuptools reads PEP 639 expressions from 77 on
    (setuptools,) = [
        r for r in project["build-system"]["requires"] if r.startswith("setuptools")
    ]
    assert setuptools == "setuptools>=77"
