"""``run_worker``: join the shared studies of ``train`` jobs and run their trials."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from predict.evaluation._budget import MAX_DELAY, MIN_DELAY, is_finished, run_study
from predict.evaluation._shared import (
    CONFIG,
    DATA,
    FINGERPRINT,
    N_TRIALS,
    POSITION,
    PRIMARY_SCALE,
    open_storage,
    redact_url,
)
from predict.exceptions import StorageError, UsageError

if TYPE_CHECKING:
    import optuna

    from predict.cohort import Cohort
    from predict.config import ExperimentConfig

__all__ = ["list_studies", "run_worker"]


def list_studies(storage: str) -> list[str]:
    """Return the names of the ``train`` studies in a storage, in work order.

    Parameters
    ----------
    storage : str
        SQLAlchemy URL of the Optuna storage.

    Returns
    -------
    names : list of str
        Studies created by :func:`predict.evaluation.create_studies`, outer
        folds before the final model's.

    Raises
    ------
    StorageError
        When the storage cannot be reached.
    """
    import optuna

    summaries = optuna.get_all_study_summaries(
        open_storage(storage), include_best_trial=False
    )
    ours = [s for s in summaries if N_TRIALS in s.user_attrs]  # ready ones
    ours.sort(key=lambda s: (s.user_attrs[POSITION]["index"], s.study_name))
    return [s.study_name for s in ours]


def _select(storage: str, study: str | None, wait: float) -> list[str]:
    """Return the studies a worker serves: one, a job's (by prefix), or all."""
    deadline = time.monotonic() + wait
    delay = MIN_DELAY
    while True:
        names = list_studies(storage)
        chosen = [
            n for n in names if study is None or n == study or n.startswith(f"{study}-")
        ]
        if chosen or time.monotonic() >= deadline:
            break
        time.sleep(min(delay, max(deadline - time.monotonic(), 0)))
        delay = min(2 * delay, MAX_DELAY)
    if chosen:
        return chosen
    shown = redact_url(storage)
    if study is None:
        raise StorageError(
            f"Study storage '{shown}' holds no rtms-predict study yet (waited "
            f"{wait:g} s): start 'rtms-predict train --storage ...' first."
        )
    known = ", ".join(names) if names else "none"
    raise StorageError(
        f"Study '{study}' is not in the study storage '{shown}' (waited {wait:g} s). "
        f"Studies there: {known}."
    )


@dataclass
class _Job:
    """One study, loaded with a worker's sampler, and its objective."""

    study: optuna.Study
    objective: Callable[[optuna.Trial], float]


class _Worker:
    """Rebuilds each study's objective from its attributes (cohort read once)."""

    def __init__(
        self,
        storage: str,
        data: str | Path | None,
        visits: str | Path | None = None,
    ) -> None:
        self.storage = storage
        self.data = data
        self.visits = visits
        self.cohorts: dict[tuple[str, str | None, str, str], Cohort] = {}

    def cohort(
        self, name: str, attrs: dict[str, Any], config: ExperimentConfig
    ) -> Cohort:
        from predict.cohort import read_cohort

        scale = attrs.get(PRIMARY_SCALE, config.primary_scale)

        path = self.data if self.data is not None else attrs.get(DATA)
        if path is None:
            raise UsageError(
                f"Study '{name}' was created from a table in memory, not a file: "
                "give the worker the cohort table (--data PATH)."
            )
        at = config.predict_at.model_dump_json() if config.predict_at else ""
        key = (str(path), scale, config.raw.model_dump_json(), at)
        if key not in self.cohorts:  # read as train reads it: raw files too
            from predict.cohort._timepoint import cohort_for

            cohort = read_cohort(
                path, primary_scale=scale, visits=self.visits, raw=config.raw
            )
            self.cohorts[key] = cohort_for(config, cohort)
        cohort = self.cohorts[key]
        if cohort.fingerprint != attrs[FINGERPRINT]:
            raise UsageError(
                f"Cohort table '{path}' is not the one study '{name}' was created "
                f"from: its fingerprint is {cohort.fingerprint[:12]}..., the study's "
                f"{str(attrs[FINGERPRINT])[:12]}.... Give the worker the same table "
                "(--data PATH) as the coordinating train."
            )
        return cohort

    def job(self, name: str, attrs: dict[str, Any]) -> _Job:
        import optuna

        from predict.config import ExperimentConfig
        from predict.evaluation._nested import Plan, tuning_problem
        from predict.evaluation._splits import outer_folds, target_of
        from predict.evaluation._tuning import make_objective, make_pruner
        from predict.features import resolve_features

        config = ExperimentConfig.model_validate(attrs[CONFIG])
        cohort = self.cohort(name, attrs, config)
        data, y = target_of(config, cohort)
        where = attrs[POSITION]
        if where["fold"] == -1:
            X, y_part, seed = data, y, config.seed
        else:
            fold = next(
                f
                for f in outer_folds(config, data, y)
                if (f.repeat, f.fold) == (where["repeat"], where["fold"])
            )
            X, y_part, seed = data.iloc[fold.train], y[fold.train], fold.seed
        concrete = resolve_features(config, cohort).apply(config)  # as train
        problem = tuning_problem(Plan(concrete, cohort.primary_scale), X, y_part, seed)
        study = optuna.load_study(
            study_name=name,
            storage=open_storage(self.storage),
            # Unseeded: seeded like the coordinator, every worker would
            # draw the same random start-up trials.
            sampler=optuna.samplers.TPESampler(),
            pruner=make_pruner(config.tuning.pruning),
        )
        return _Job(study, make_objective(problem, {}))


def run_worker(
    storage: str,
    study: str | None = None,
    *,
    data: str | Path | None = None,
    visits: str | Path | None = None,
    wait: float = 60.0,
    on_trials: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Run trials of shared studies until each has all its trials.

    A worker rebuilds every study's objective exactly as the coordinating
    ``train`` does (same cohort, outer fold, inner folds and features), runs
    trials while any are left to start, and waits while other processes run
    the last ones (a trial whose process dies is retried). It returns when
    every study it serves is finished.

    Parameters
    ----------
    storage : str
        SQLAlchemy URL of the Optuna storage ``train --storage`` uses.
    study : str or None, default=None
        A study name, a job prefix (``rtms-KEY``, all studies of one train
        job), or ``None`` for every rtms-predict study in the storage.
    data : str, path-like or None, default=None
        The cohort table; ``None`` uses the file ``train`` read (a shared
        filesystem). Its fingerprint must match the study's.
    visits : str, path-like or None, default=None
        The visits table, for studies of a config with ``predict_at``.
    wait : float, default=60.0
        Seconds to wait for the studies to appear (a worker started together
        with ``train``) before giving up.
    on_trials : callable or None, default=None
        ``on_trials(study_name, n_run)`` after each round on a study in which
        this worker finished trials (progress output).

    Returns
    -------
    n_run : dict of str to int
        Trials this worker finished (COMPLETE or PRUNED), per study.

    Raises
    ------
    StorageError
        When the storage cannot be reached or the study is not there (the
        message lists the studies that are).
    UsageError
        When the cohort table is missing or is not the study's.
    """
    from predict.evaluation._nested import quiet_optuna

    names = _select(storage, study, wait)
    worker = _Worker(storage, data, visits)
    jobs: dict[str, _Job] = {}
    ran = dict.fromkeys(names, 0)
    delay = MIN_DELAY
    with quiet_optuna():
        while True:
            busy = progressed = False
            for name in names:
                job = jobs.get(name)
                loaded = job.study if job else _load(storage, name)
                attrs = loaded.user_attrs
                if N_TRIALS not in attrs:  # the coordinator is still writing it
                    busy = True
                    continue
                n_trials = int(attrs[N_TRIALS])
                if is_finished(loaded, n_trials):
                    continue
                if job is None:
                    job = jobs[name] = worker.job(name, attrs)
                n = run_study(job.study, job.objective, n_trials=n_trials, wait=False)
                ran[name] += n
                if n and on_trials is not None:
                    on_trials(name, n)
                progressed = progressed or n > 0
                busy = busy or not is_finished(job.study, n_trials)
            if not busy:
                return ran
            if progressed:
                delay = MIN_DELAY
            else:
                time.sleep(delay)
                delay = min(2 * delay, MAX_DELAY)


def _load(storage: str, name: str) -> optuna.Study:
    import optuna

    return optuna.load_study(study_name=name, storage=open_storage(storage))
