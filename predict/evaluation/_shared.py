"""Optuna studies shared through a database by many processes.

One ``train`` job keeps one study per outer fold (and one for the final model)
in an Optuna relational storage (PostgreSQL, or SQLite on one machine). Study
names are derived from what determines the work, so a rerun of the same job
finds its finished trials and a changed config or cohort never mixes with
them. Each study carries in its user attributes what a worker needs to rebuild
exactly the same objective (see :mod:`predict.evaluation._worker`).

Running trials send heartbeats: a process that dies mid-trial stops sending
them, and its trial is failed after the grace period and retried with the same
parameters by whoever runs next (see :mod:`predict.evaluation._budget`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from predict.exceptions import StorageError, UsageError

if TYPE_CHECKING:
    import optuna

    from predict.cohort import Cohort
    from predict.config import ExperimentConfig
    from predict.evaluation._splits import OuterFold

__all__ = [
    "StudyRef",
    "create_studies",
    "job_key",
    "open_storage",
    "redact_config",
    "redact_url",
    "study_name",
]

#: Seconds between a running trial's heartbeats.
HEARTBEAT_INTERVAL = 30
#: Seconds without a heartbeat after which a running trial is failed and retried.
GRACE_PERIOD = 120
#: Retries of a trial whose process died.
MAX_RETRY = 3

# User attributes of a study (what a worker needs to rebuild the objective).
CONFIG = "rtms.config"
FINGERPRINT = "rtms.fingerprint"
PRIMARY_SCALE = "rtms.primary_scale"
DATA = "rtms.data"
JOB = "rtms.job"
POSITION = "rtms.position"
CLOSED = "rtms.closed"
N_TRIALS = "rtms.n_trials"  # written last: a study is ready once it is there


@dataclass(frozen=True)
class StudyRef:
    """A study in a shared storage, by URL and name (picklable).

    Attributes
    ----------
    url : str
        SQLAlchemy URL of the Optuna storage.
    name : str
        Study name (see :func:`study_name`).
    """

    url: str
    name: str

    def load(
        self,
        *,
        sampler: optuna.samplers.BaseSampler | None = None,
        pruner: optuna.pruners.BasePruner | None = None,
    ) -> optuna.Study:
        """Load the study with this process's sampler and pruner."""
        import optuna

        return optuna.load_study(
            study_name=self.name,
            storage=open_storage(self.url),
            sampler=sampler,
            pruner=pruner,
        )


def redact_url(url: str) -> str:
    """Return a storage URL with its password replaced by ``***``.

    Examples
    --------
    >>> redact_url("postgresql://rtms:s3cret@db.example.org:5432/optuna")
    'postgresql://rtms:***@db.example.org:5432/optuna'
    >>> redact_url("sqlite:///studies.db")
    'sqlite:///studies.db'
    """
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def redact_config(config: ExperimentConfig) -> ExperimentConfig:
    """Return the config with the password of ``tuning.storage`` redacted."""
    url = config.tuning.storage
    if url is None or redact_url(url) == url:
        return config
    tuning = config.tuning.model_copy(update={"storage": redact_url(url)})
    return config.model_copy(update={"tuning": tuning})


@functools.cache
def open_storage(url: str) -> optuna.storages.RDBStorage:
    """Connect to an Optuna relational storage (one connection pool per process).

    Running trials send heartbeats; a trial whose process died is failed after
    :data:`GRACE_PERIOD` seconds and retried with the same parameters.

    Parameters
    ----------
    url : str
        SQLAlchemy URL: ``postgresql://user@host:port/db`` (needs the
        ``postgres`` extra, ``pip install 'rtms-predict[postgres]'``) or
        ``sqlite:///path/studies.db`` (several processes on one machine).

    Returns
    -------
    storage : optuna.storages.RDBStorage

    Raises
    ------
    StorageError
        When the URL cannot be parsed, its driver is not installed or the
        database cannot be reached.
    """
    import sqlalchemy.exc

    sqlite = url.startswith("sqlite")
    # SQLite serialises writers: wait for the lock instead of failing.
    engine = {"connect_args": {"timeout": 60}} if sqlite else {"pool_pre_ping": True}
    shown = redact_url(url)
    try:
        return _connect(url, engine)
    except ModuleNotFoundError as exc:
        raise StorageError(
            f"Study storage '{shown}' needs the database driver '{exc.name}', which "
            "is not installed: pip install 'rtms-predict[postgres]' (PostgreSQL)."
        ) from None
    except (sqlalchemy.exc.SQLAlchemyError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        raise StorageError(
            f"Cannot open the study storage '{shown}': {first}. Expected a reachable "
            "database URL such as 'postgresql://user@host:5432/db' or "
            "'sqlite:///studies.db' (check the host, port, database and that the "
            "server is running)."
        ) from None


def _connect(url: str, engine: dict[str, Any]) -> optuna.storages.RDBStorage:
    import optuna
    import sqlalchemy.exc

    for attempt in range(1, 6):
        try:
            with warnings.catch_warnings():  # heartbeats are "experimental"
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    url,
                    engine_kwargs=engine,
                    heartbeat_interval=HEARTBEAT_INTERVAL,
                    grace_period=GRACE_PERIOD,
                    heartbeat_stale_trial_callback=(
                        optuna.storages.RetryHeartbeatStaleTrialCallback(
                            max_retry=MAX_RETRY
                        )
                    ),
                )
        except sqlalchemy.exc.IntegrityError:
            # Two processes creating Optuna's tables in a new database at
            # once: the loser finds them there on its next attempt.
            if attempt == 5:
                raise
            time.sleep(0.5 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def job_key(
    config: ExperimentConfig, cohort: Cohort, *, fingerprint: str | None = None
) -> str:
    """Return 12 hex digits identifying the work of a ``train`` job.

    Made from everything that decides what a trial computes (target, primary
    scale, harmonisation, features, model, cross-validation, pruning, seed) and
    the cohort's fingerprint (taken after raw files became markers, so the
    ``raw:`` options count through it); not from ``n_trials`` or ``timeout``
    (a rerun with more trials continues the same studies), tracking,
    evaluation or ``n_jobs``. ``fingerprint`` replaces the cohort's (a
    result's, whose cohort had raw files read).
    """
    relevant = config.model_dump(
        mode="json",
        include={
            "target",
            "primary_scale",
            "harmonize",
            "features",
            "model",
            "cv",
            "seed",
        },
    )
    relevant["tuning.pruning"] = config.tuning.pruning
    relevant["cohort"] = [fingerprint or cohort.fingerprint, cohort.primary_scale]
    text = json.dumps(relevant, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def study_name(key: str, fold: OuterFold | None) -> str:
    """Return ``rtms-KEY-rREPEAT-fFOLD``, or ``rtms-KEY-final`` for the final model.

    Examples
    --------
    >>> study_name("0123456789ab", None)
    'rtms-0123456789ab-final'
    """
    if fold is None:
        return f"rtms-{key}-final"
    return f"rtms-{key}-r{fold.repeat}-f{fold.fold}"


def create_studies(config: ExperimentConfig, cohort: Cohort) -> list[str]:
    """Create (or find) the studies of a ``train`` job in ``config.tuning.storage``.

    One study per outer fold and one for the final model, each with what a
    worker needs: the config, the cohort's fingerprint and file, the fold's
    position and the number of trials. Existing studies keep their trials;
    their trial budget is set to ``config.tuning.n_trials`` and they are
    reopened if an earlier run's timeout closed them.

    Parameters
    ----------
    config : ExperimentConfig
        With ``tuning.storage`` set.
    cohort : Cohort
        The training cohort; workers re-read it from ``cohort.source``
        (or the file given to them) and check its fingerprint.

    Returns
    -------
    names : list of str
        Study names, outer folds in order, then the final model's.

    Raises
    ------
    UsageError
        When ``config.tuning.storage`` is not set.
    StorageError
        When the storage cannot be reached.
    """
    import optuna

    from predict.evaluation._nested import quiet_optuna
    from predict.evaluation._splits import outer_folds, target_of
    from predict.evaluation._tuning import _no_params
    from predict.models import get_model

    if config.tuning.storage is None:
        raise UsageError(
            "Shared studies need a storage: set 'tuning.storage' in the config or "
            "pass --storage (for example sqlite:///studies.db)."
        )
    storage = open_storage(config.tuning.storage)
    cohort = cohort.read_raw(config.raw)  # the table train fits and workers check
    data, y = target_of(config, cohort)
    positions: list[OuterFold | None] = [*outer_folds(config, data, y), None]
    key = job_key(config, cohort)
    space = get_model(config.model.name).search_space
    n_trials = 1 if _no_params(space, config.task) else config.tuning.n_trials
    stored = config.model_copy(
        update={"tuning": config.tuning.model_copy(update={"storage": None})}
    )
    common = {
        CONFIG: stored.model_dump(mode="json"),
        FINGERPRINT: cohort.fingerprint,
        PRIMARY_SCALE: cohort.primary_scale,
        DATA: str(Path(cohort.source).resolve()) if cohort.source else None,
        JOB: key,
    }
    names = []
    for index, fold in enumerate(positions):
        name = study_name(key, fold)
        with quiet_optuna():  # not one "study created" line per fold
            study = optuna.create_study(
                storage=storage,
                study_name=name,
                direction="maximize",
                load_if_exists=True,
            )
        where = {
            "index": index,
            "repeat": fold.repeat if fold else 0,
            "fold": fold.fold if fold else -1,
            "label": fold.label if fold else "final",
        }
        for attr, value in {**common, POSITION: where, CLOSED: False}.items():
            study.set_user_attr(attr, value)
        study.set_user_attr(N_TRIALS, n_trials)
        names.append(name)
    return names
