"""The trial budget of a shared study, held across every process that runs it.

A trial counts when it is COMPLETE or PRUNED. A process starts trials only
while fewer than ``n_trials`` trials are finished, running or waiting; a trial
that starts when the budget is already taken (two processes raced for the
last one) fails at once as a :class:`SurplusTrial` without being evaluated,
and never counts. Trials of a process that died are failed by the heartbeat
check and re-queued (see :func:`predict.evaluation._shared.open_storage`).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from predict.evaluation._shared import CLOSED

if TYPE_CHECKING:
    import optuna

__all__ = [
    "MAX_DELAY",
    "MIN_DELAY",
    "PROCESS",
    "SURPLUS",
    "SurplusTrial",
    "counted_trials",
    "is_finished",
    "run_study",
]

#: Seconds between polls of a study while other processes run its last trials
#: (doubling from MIN_DELAY up to MAX_DELAY).
MIN_DELAY, MAX_DELAY = 0.25, 10.0
#: User attribute of a trial: the process that ran it (host:pid).
PROCESS = "rtms.process"
#: User attribute of a trial: started after the budget was taken, not evaluated.
SURPLUS = "rtms.surplus"


class SurplusTrial(Exception):  # noqa: N818 - Optuna's naming (TrialPruned)
    """A trial started after its study already had all its trials (not counted)."""


class _HideSurplus(logging.Filter):
    """Drop Optuna's two "Trial N failed" warnings for a surplus trial.

    A surplus trial is an expected race, not an error: its traceback would
    only alarm whoever reads the log.
    """

    def __init__(self) -> None:
        super().__init__()
        self.numbers: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        words = record.getMessage().split()
        number = words[1] if len(words) > 1 and words[0] == "Trial" else None
        if record.exc_info and isinstance(record.exc_info[1], SurplusTrial):
            self.numbers.add(str(number))
            return False
        return number not in self.numbers


_FINISHED = ("COMPLETE", "PRUNED")
_CLAIMED = ("COMPLETE", "PRUNED", "RUNNING", "WAITING")


def _counts(study: optuna.Study) -> dict[str, int]:
    counts = dict.fromkeys(("COMPLETE", "PRUNED", "RUNNING", "WAITING", "FAIL"), 0)
    for trial in study.get_trials(deepcopy=False):
        counts[trial.state.name] += 1
    return counts


def _closed(study: optuna.Study) -> bool:
    return bool(study.user_attrs.get(CLOSED, False))


def _fail_stale(study: optuna.Study) -> None:
    """Fail (and so retry) trials whose process stopped sending heartbeats."""
    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)


def is_finished(study: optuna.Study, n_trials: int) -> bool:
    """Whether a study has ``n_trials`` finished trials, or was closed and is idle."""
    counts = _counts(study)
    if sum(counts[s] for s in _FINISHED) >= n_trials:
        return True
    return _closed(study) and counts["RUNNING"] == 0


def counted_trials(
    study: optuna.Study, n_trials: int
) -> list[optuna.trial.FrozenTrial]:
    """Return the first ``n_trials`` finished (COMPLETE or PRUNED) trials."""
    from optuna.trial import TrialState

    finished = study.get_trials(
        deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)
    )
    return sorted(finished, key=lambda t: t.number)[:n_trials]


def run_study(
    study: optuna.Study,
    objective: Callable[[optuna.Trial], float],
    *,
    n_trials: int,
    timeout: float | None = None,
    callbacks: Sequence[Callable[..., None]] = (),
    coordinator: bool = False,
    wait: bool = True,
) -> int:
    """Run trials of a shared study until it has ``n_trials`` finished trials.

    Parameters
    ----------
    study : optuna.Study
        Loaded from a relational storage (see
        :class:`predict.evaluation._shared.StudyRef`).
    objective : callable
        The trial objective.
    n_trials : int
        The study's trial budget, shared by every process.
    timeout : float or None, default=None
        For the coordinator: after this many seconds the study is closed (no
        process starts another trial) and the running trials are waited for.
    callbacks : sequence of callables, default=()
        Optuna callbacks, called after each of this process's counted trials.
    coordinator : bool, default=False
        Whether this process owns the study's timeout.
    wait : bool, default=True
        Once every remaining trial is taken by other processes, wait for them
        (polling with backoff) and pick up retried trials; otherwise return.

    Returns
    -------
    n_run : int
        Trials this process finished (COMPLETE or PRUNED).
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    ran = 0
    delay = MIN_DELAY

    def guarded(trial: optuna.Trial) -> float:
        ahead = sum(
            t.number < trial.number and t.state.name in _CLAIMED
            for t in study.get_trials(deepcopy=False)
        )
        trial.set_user_attr(PROCESS, f"{socket.gethostname()}:{os.getpid()}")
        if ahead >= n_trials or _closed(study):
            trial.set_user_attr(SURPLUS, True)
            study.stop()
            raise SurplusTrial(
                f"study '{study.study_name}' already has its {n_trials} trials: "
                f"trial {trial.number} was not evaluated and does not count"
            )
        return objective(trial)

    def budget(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        nonlocal ran
        if trial.state.name in _FINISHED:
            ran += 1
            for callback in callbacks:
                callback(study, trial)
        counts = _counts(study)
        if sum(counts[s] for s in _CLAIMED) >= n_trials or _closed(study):
            study.stop()

    while True:
        _fail_stale(study)
        counts = _counts(study)
        closed = _closed(study)
        if sum(counts[s] for s in _FINISHED) >= n_trials:
            return ran
        if closed and counts["RUNNING"] == 0:
            return ran
        left = None if deadline is None else deadline - time.monotonic()
        if coordinator and left is not None and left <= 0 and not closed:
            study.set_user_attr(CLOSED, True)
            continue
        claimed = sum(counts[s] for s in _CLAIMED)
        if not closed and (claimed < n_trials or counts["WAITING"]):
            logger = logging.getLogger("optuna.study._optimize")
            hide = _HideSurplus()
            logger.addFilter(hide)
            try:
                study.optimize(
                    guarded, timeout=left, callbacks=[budget], catch=(SurplusTrial,)
                )
            finally:
                logger.removeFilter(hide)
            delay = MIN_DELAY
            continue
        if not wait:
            return ran
        time.sleep(delay)
        delay = min(2 * delay, MAX_DELAY)
