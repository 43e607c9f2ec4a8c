"""Progress of train(): bars with an ETA on a terminal, a line per fold elsewhere."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from rich.progress import TimeRemainingColumn

from predict import train
from predict.evaluation import RichProgress
from predict.evaluation import _progress as progress_module
from predict.evaluation._progress import resolve_progress
from predict.exceptions import UsageError
from tests.evaluation.conftest import fast_config


def _piped() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=False, width=200), buffer


def test_piped_output_prints_one_line_per_finished_outer_fold(cohort_150):
    console, buffer = _piped()
    config = fast_config(evaluation={"n_permutations": 4})
    train(config, cohort_150, progress=RichProgress(console))
    lines = buffer.getvalue().splitlines()
    assert lines[0] == (
        "Training: 3 outer folds and the final model, 4 tuning trials each, "
        "then 4 permutations"
    )
    folds = [line for line in lines if "finished" in line]
    assert [line.split("]")[0] for line in folds] == ["[1/4", "[2/4", "[3/4", "[4/4"]
    assert [re.search(r"'(.*)'", line)[1] for line in folds[:3]] == [
        "fold 1",
        "fold 2",
        "fold 3",
    ]
    assert folds[-1].startswith("[4/4] final model finished")
    assert all(re.search(r"\d:\d\d:\d\d left for the folds", x) for x in folds[:3])
    assert lines[-1].startswith("permutations: 4/4, ")


def test_bars_on_a_terminal_show_the_time_left():
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120)
    reporter = RichProgress(console)
    reporter.start(n_fits=3, n_trials=2, n_permutations=5)
    try:
        assert any(isinstance(c, TimeRemainingColumn) for c in reporter._bars.columns)
        reporter.fit_done("fold 1")
        reporter.trial_done()
    finally:
        reporter.stop()
    text = buffer.getvalue()
    assert "outer folds + final" in text and "ETA" in text
    assert "finished" not in text  # bars, not lines


def test_auto_shows_progress_only_when_interactive(monkeypatch):
    monkeypatch.setattr(progress_module, "interactive", lambda: False)
    assert resolve_progress("auto") is None
    monkeypatch.setattr(progress_module, "interactive", lambda: True)
    assert isinstance(resolve_progress("auto"), RichProgress)
    assert isinstance(resolve_progress(True), RichProgress)
    assert resolve_progress(False) is None and resolve_progress(None) is None
    mine = RichProgress()
    assert resolve_progress(mine) is mine
    with pytest.raises(UsageError, match="progress must be True, False, 'auto'"):
        resolve_progress("always")


def test_train_from_a_terminal_python_draws_bars_by_default(cohort_150, monkeypatch):
    drawn = []

    class Spy(RichProgress):
        def start(self, n_fits, n_trials, n_permutations):
            drawn.append(n_fits)
            super().start(n_fits, n_trials, n_permutations)

    monkeypatch.setattr(progress_module, "interactive", lambda: True)
    monkeypatch.setattr(progress_module, "RichProgress", Spy)
    train(fast_config(cv={"outer": {"n_splits": 2}}), cohort_150)
    assert drawn == [3]
