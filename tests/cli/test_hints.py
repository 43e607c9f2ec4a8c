"""Commands the CLI prints for the user to run work as printed in a new shell."""

from __future__ import annotations

import shutil
import sys

from predict.cli._train import cli_name


def _script(tmp_path):
    script = tmp_path / ".venv" / "bin" / "rtms-predict"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    return script


def test_outside_the_path_the_hint_names_the_script(tmp_path, monkeypatch):
    script = _script(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(script), "train"])
    monkeypatch.setattr(shutil, "which", lambda name: None)  # a new shell's PATH
    assert cli_name() == ".venv/bin/rtms-predict"


def test_on_the_path_the_hint_is_the_bare_name(tmp_path, monkeypatch):
    script = _script(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(script), "train"])
    monkeypatch.setattr(shutil, "which", lambda name: str(script))  # activated
    assert cli_name() == "rtms-predict"


def test_another_rtms_predict_on_the_path_is_not_trusted(tmp_path, monkeypatch):
    script = _script(tmp_path)
    elsewhere = tmp_path / "other" / "rtms-predict"
    elsewhere.parent.mkdir()
    elsewhere.write_text("#!/bin/sh\n")
    monkeypatch.chdir(tmp_path / "other")
    monkeypatch.setattr(sys, "argv", [str(script), "train"])
    monkeypatch.setattr(shutil, "which", lambda name: str(elsewhere))
    assert cli_name() == str(script)
