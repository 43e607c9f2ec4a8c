"""Progress reporting for training: a protocol, rich progress bars, and lines.

On a terminal (or in Jupyter) :class:`RichProgress` draws bars with the time
elapsed and an estimate of the time left; when its console is not a terminal
(output piped to a file or a log) it prints one line per finished outer fold
instead, so a log shows how far a long run is. :func:`resolve_progress` turns
``train``'s ``progress=`` argument into a reporter.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["ProgressReporter", "RichProgress", "interactive", "resolve_progress"]


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


def _clock(seconds: float) -> str:
    """Format seconds as ``H:MM:SS``, like rich's time columns."""
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class RichProgress:
    """Rich progress bars for folds, trials and permutations, or one line per fold.

    Parameters
    ----------
    console : rich.console.Console or None, default=None
        Where to draw (default: a console on stderr). When it is neither a
        terminal nor Jupyter, no bar is drawn: a line is printed per finished
        outer fold (and the final model), with the time elapsed and the
        estimated time left for the folds, and one per tenth of the
        permutations.
    """

    def __init__(self, console: Console | None = None) -> None:
        self.console = console
        self._bars: Any = None
        self._tasks: dict[str, Any] = {}
        self._lines: Console | None = None
        self._counts = {"fits": 0, "perm": 0}
        self._totals = {"fits": 0, "perm": 0}
        self._started = 0.0

    def start(self, n_fits: int, n_trials: int, n_permutations: int) -> None:
        """Draw the bars (or print the plan, when not on a terminal)."""
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        console = self.console or Console(stderr=True)
        self._counts = {"fits": 0, "perm": 0}
        self._totals = {"fits": n_fits, "perm": n_permutations}
        self._started = time.monotonic()
        if not (console.is_terminal or console.is_jupyter):
            self._lines = console
            trials = f", {n_trials} tuning trials each" if n_trials else ""
            perms = f", then {n_permutations} permutations" if n_permutations else ""
            plan = f"{n_fits - 1} outer folds and the final model{trials}{perms}"
            console.print(
                f"Training: {plan}",
                highlight=False,
                soft_wrap=True,
            )
            return
        self._bars = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
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

    def _line(self, text: str) -> None:
        assert self._lines is not None
        self._lines.print(text, highlight=False, soft_wrap=True)

    def fit_done(self, label: str) -> None:
        """Advance the fold bar, or print the fold's line."""
        self._advance("fits")
        if self._lines is None:
            return
        self._counts["fits"] += 1
        done, total = self._counts["fits"], self._totals["fits"]
        elapsed = time.monotonic() - self._started
        left = elapsed / done * (total - done)
        name = "final model" if label == "final" else f"outer fold '{label}'"
        eta = f", about {_clock(left)} left for the folds" if done < total else ""
        self._line(f"[{done}/{total}] {name} finished, {_clock(elapsed)} elapsed{eta}")

    def trial_done(self) -> None:
        """Advance the trial bar."""
        self._advance("trials")

    def permutation_done(self) -> None:
        """Advance the permutation bar, or print a line per tenth of them."""
        self._advance("perm")
        if self._lines is None:
            return
        self._counts["perm"] += 1
        done, total = self._counts["perm"], self._totals["perm"]
        if total and (done == total or done * 10 // total > (done - 1) * 10 // total):
            elapsed = _clock(time.monotonic() - self._started)
            self._line(f"permutations: {done}/{total}, {elapsed} elapsed")

    def stop(self) -> None:
        """Remove the bars."""
        if self._bars is not None:
            self._bars.stop()
            self._bars = None
        self._lines = None


def interactive() -> bool:
    """Tell whether Python runs interactively: a REPL, Jupyter, or a terminal.

    Returns
    -------
    interactive : bool
        True in the interactive interpreter (``sys.ps1``, ``python -i``), in
        Jupyter, or when stderr is a terminal.
    """
    from rich.console import Console

    if hasattr(sys, "ps1") or sys.flags.interactive:
        return True
    console = Console(stderr=True)
    return bool(console.is_terminal or console.is_jupyter)


def resolve_progress(
    progress: ProgressReporter | bool | Literal["auto"] | None,
) -> ProgressReporter | None:
    """Turn ``train``'s ``progress=`` argument into a reporter.

    Parameters
    ----------
    progress : ProgressReporter, bool, "auto" or None
        ``"auto"``: rich progress on stderr when :func:`interactive`, nothing
        otherwise (a script in a pipeline stays quiet); ``True``: always
        (bars on a terminal, one line per outer fold otherwise);
        ``False``/``None``: none; a reporter is used as given.

    Returns
    -------
    reporter : ProgressReporter or None

    Examples
    --------
    >>> resolve_progress(False) is None
    True
    >>> type(resolve_progress(True)).__name__
    'RichProgress'
    """
    if progress is None or progress is False:
        return None
    if progress is True:
        return RichProgress()
    if isinstance(progress, str):
        if progress != "auto":
            from predict.exceptions import UsageError

            raise UsageError(
                f"progress must be True, False, 'auto' or a reporter; got {progress!r}."
            )
        return RichProgress() if interactive() else None
    return progress
