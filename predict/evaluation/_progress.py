"""Progress reporting for training: a protocol, and rich progress bars."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["ProgressReporter", "RichProgress"]


class ProgressReporter(Protocol):
    """What :func:`predict.train` tells about its progress."""

    def start(self, n_fits: int, n_trials: int, n_permutations: int) -> None:
        """Announce the outer folds (plus the final fit), trials and permutations."""

    def fit_done(self, label: str) -> None:
        """One outer fold (or the final model) finished."""

    def trial_done(self) -> None:
        """One Optuna trial finished (reported only when folds run in-process)."""

    def permutation_done(self) -> None:
        """One label permutation finished."""

    def stop(self) -> None:
        """Training ended (successfully or not)."""


class RichProgress:
    """Rich progress bars for folds, trials and permutations.

    Parameters
    ----------
    console : rich.console.Console or None, default=None
        Where to draw; the default console writes to stderr-aware stdout.
    """

    def __init__(self, console: Console | None = None) -> None:
        self.console = console
        self._bars: Any = None
        self._tasks: dict[str, Any] = {}

    def start(self, n_fits: int, n_trials: int, n_permutations: int) -> None:
        """Draw the bars."""
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bars = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
        )
        self._bars.start()
        self._tasks["fits"] = self._bars.add_task("outer folds + final", total=n_fits)
        if n_trials:
            self._tasks["trials"] = self._bars.add_task(
                "tuning trials", total=n_fits * n_trials
            )
        if n_permutations:
            self._tasks["perm"] = self._bars.add_task(
                "permutations", total=n_permutations
            )

    def _advance(self, key: str) -> None:
        if self._bars is not None and key in self._tasks:
            self._bars.advance(self._tasks[key])

    def fit_done(self, label: str) -> None:
        """Advance the fold bar."""
        self._advance("fits")

    def trial_done(self) -> None:
        """Advance the trial bar."""
        self._advance("trials")

    def permutation_done(self) -> None:
        """Advance the permutation bar."""
        self._advance("perm")

    def stop(self) -> None:
        """Remove the bars."""
        if self._bars is not None:
            self._bars.stop()
            self._bars = None
