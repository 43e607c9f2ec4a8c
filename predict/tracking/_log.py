"""Log a training run to MLflow: parent run, one child per outer fold, artifacts.

No patient identifier and no raw row reaches the store: out-of-fold
predictions carry salted hashes of the ids, with a salt drawn per run and
never stored.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

if TYPE_CHECKING:
    from predict.cohort import Cohort
    from predict.evaluation import ExperimentResult

__all__ = [
    "DEFAULT_TRACKING_URI",
    "flatten_config",
    "hash_ids",
    "log_training",
    "resolve_tracking_uri",
    "tracking_run",
]

#: The default store: an SQLite database in the working directory.
DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"


def resolve_tracking_uri(cli: str | None = None, config: str | None = None) -> str:
    """Pick the tracking store: ``--tracking-uri``, the config, the environment.

    Parameters
    ----------
    cli : str or None
        ``--tracking-uri`` from the command line.
    config : str or None
        ``tracking.uri`` from the experiment config.

    Returns
    -------
    uri : str
        ``MLFLOW_TRACKING_URI`` when neither is given, else the default SQLite
        store ``sqlite:///mlflow.db`` (artifacts in ``mlartifacts/`` beside it).

    Examples
    --------
    >>> resolve_tracking_uri("http://127.0.0.1:5000", "sqlite:///x.db")
    'http://127.0.0.1:5000'
    """
    return (
        cli or config or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI
    )


def flatten_config(config: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Flatten a nested config into MLflow params (``model.name``, ``cv.outer.k``).

    Examples
    --------
    >>> flatten_config({"model": {"name": "svm", "params": {}}, "seed": 0})
    {'model.name': 'svm', 'model.params': '{}', 'seed': '0'}
    """
    flat: dict[str, str] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten_config(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


def hash_ids(ids: Any, salt: str) -> list[str]:
    """Return salted SHA-256 digests (16 hex characters) of patient ids."""
    return [hashlib.sha256(f"{salt}:{pid}".encode()).hexdigest()[:16] for pid in ids]


def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _artifact_location(uri: str) -> str | None:
    """Artifacts of a local SQLite store go in ``mlartifacts/`` beside the file."""
    if uri.startswith("sqlite:///"):
        database = Path(uri.removeprefix("sqlite:///")).resolve()
        return (database.parent / "mlartifacts").as_uri()
    return None


@contextmanager
def tracking_run(
    uri: str, experiment: str, run_name: str | None = None
) -> Iterator[Any]:
    """Start a parent run; end it FINISHED, FAILED, or KILLED on Ctrl-C.

    Yields
    ------
    run : mlflow.ActiveRun
    """
    import mlflow

    mlflow.set_tracking_uri(uri)
    if mlflow.get_experiment_by_name(experiment) is None:
        mlflow.create_experiment(experiment, artifact_location=_artifact_location(uri))
    mlflow.set_experiment(experiment)
    run = mlflow.start_run(run_name=run_name)
    from predict.tracking._store import process_tags

    mlflow.set_tags(process_tags())  # so a later train can fail it if we are killed
    try:
        yield run
    except KeyboardInterrupt:
        mlflow.end_run(status="KILLED")
        raise
    except BaseException:
        mlflow.end_run(status="FAILED")
        raise
    else:
        mlflow.end_run(status="FINISHED")


def _metrics(table: pd.DataFrame) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, row in table.iterrows():
        for column, suffix in (
            ("value", ""),
            ("ci_low", "_ci_low"),
            ("ci_high", "_ci_high"),
        ):
            value = row[column]
            if pd.notna(value):
                out[f"{name}{suffix}"] = float(value)
    return out


def _metric_key(text: str) -> str:
    """Make a site name safe inside an MLflow metric name."""
    return re.sub(r"[^0-9A-Za-z_.-]", "_", text)


def _site_metrics(result: ExperimentResult) -> dict[str, float]:
    """Per-site metrics and their spread as MLflow metrics (leave-site-out).

    Returns
    -------
    metrics : dict of str to float
        ``site_<site>_<metric>`` (site names with characters other than
        letters, digits, ``_``, ``.`` and ``-`` replaced by ``_``), ``site_n``
        per site, and ``site_<metric>_<stat>`` for ``mean``, ``sd``, ``min``,
        ``max``, ``iqr``; empty unless leave-site-out.
    """
    out: dict[str, float] = {}
    for site, row in result.site_metrics().iterrows():
        for name, value in row.items():
            if pd.notna(value):
                out[f"site_{_metric_key(str(site))}_{name}"] = float(value)
    for name, row in result.site_spread().iterrows():
        for stat, value in row.items():
            if pd.notna(value):
                out[f"site_{name}_{stat}"] = float(value)
    return out


def log_training(
    result: ExperimentResult,
    cohort: Cohort,
    *,
    bundle: Path | None = None,
    register: bool = True,
) -> str:
    """Log a finished training to the active MLflow run.

    Parameters
    ----------
    result : ExperimentResult
        From :func:`predict.train`.
    cohort : Cohort
        The training cohort (only its fingerprint and counts are logged).
    bundle : pathlib.Path or None, default=None
        The saved bundle (an MLflow model) to log and register.
    register : bool, default=True
        Register the model as ``rtms-NAME`` when the store has a registry.

    Returns
    -------
    run_id : str
    """
    import mlflow

    from predict import __version__
    from predict.tracking._models import log_cohort_dataset
    from predict.tracking._plots import save_figures
    from predict.tracking._views import set_training_view

    config = result.config
    run = mlflow.active_run()
    assert run is not None, "log_training needs an active run (tracking_run)"
    tags = {
        "rtms.config": str(config.name),
        "rtms.data_fingerprint": result.fingerprint,
        "rtms.package_version": __version__,
        "rtms.target": config.target,
        "rtms.model": config.model.name,
    }
    commit = _git_commit()
    if commit:
        tags["rtms.git_commit"] = commit
    if config.tuning.storage is not None:  # the shared Optuna studies' prefix
        from predict.evaluation._shared import job_key

        key = job_key(config, cohort, fingerprint=result.fingerprint)
        tags["rtms.optuna_studies"] = f"rtms-{key}"
    params = flatten_config(config.model_dump(mode="json", exclude={"name"}))
    if result.features is not None:  # the builders used, and why others were not
        tags.update(result.features.tags())
        params.update(result.features.params())
    weights = result.final_params.get("weights") if result.final_params else None
    if isinstance(weights, dict):  # auto / select: the final model's stack
        params.update({f"stack.weight.{f}": f"{w:.4g}" for f, w in weights.items()})
        used = [f"{f} {w:.2f}" for f, w in weights.items() if w > 0]
        tags["rtms.stack"] = ", ".join(used) or "intercept only"
    mlflow.set_tags(tags)
    # the UI's runs table: headline metric, CI, calibration, permutation p
    set_training_view(mlflow.MlflowClient(), run.info.experiment_id, result.headline)
    dataset = log_cohort_dataset(cohort)  # fingerprint and schema, no rows
    mlflow.log_params(params)
    metrics = _metrics(result.metrics)
    if result.permutation_p is not None:
        metrics["permutation_p"] = result.permutation_p
    metrics["n_patients"] = float(len(cohort) - result.n_excluded)
    raw = result.raw_report
    if raw is not None:
        for column, n in raw.read.items():
            name = column.removesuffix("_path")
            metrics[f"raw_{name}_files"] = float(n)
            metrics[f"raw_{name}_failed"] = float(len(raw.failed.get(column, [])))
    metrics.update(_site_metrics(result))
    mlflow.log_metrics(metrics)
    salt = secrets.token_hex(16)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        from predict.cohort._timepoint import cohort_for

        trained = cohort_for(config, cohort).data  # what the final model saw
        trained = trained.loc[trained.index.isin(result.predictions.index)]
        save_figures(result, folder / "plots", trained)
        predictions = result.predictions.copy()
        predictions.index = pd.Index(
            hash_ids(predictions.index, salt), name="patient_hash"
        )
        predictions.to_csv(folder / "oof_predictions.csv")
        (folder / "config.yaml").write_text(
            yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
        )
        if result.decision_curve is not None:
            result.decision_curve.to_csv(folder / "decision_curve.csv", index=False)
        result.fold_metrics.to_csv(folder / "fold_metrics.csv", index=False)
        if raw is not None and not raw.qc.empty:
            qc = raw.qc.copy()
            qc.index = pd.Index(hash_ids(qc.index, salt), name="patient_hash")
            qc.to_csv(folder / "raw_qc.csv")
            from predict.raw._qc_figures import write_qc_figures

            names = dict(zip(raw.qc.index.astype(str), qc.index, strict=True))
            write_qc_figures(raw, folder / "raw_qc", names)  # TEP and spectra
        if not result.site_metrics().empty:
            result.site_metrics().to_csv(folder / "site_metrics.csv")
        mlflow.log_artifacts(str(folder))
    _log_folds(result)
    if bundle is not None:
        _log_bundle(bundle, str(config.name), register, metrics, dataset)
    return str(run.info.run_id)


def _log_folds(result: ExperimentResult) -> None:
    import mlflow

    for (_, fold), params in zip(
        result.fold_metrics.iterrows(), result.best_params, strict=True
    ):
        name = f"outer fold {int(fold['fold']) + 1}" + (
            f" (repeat {int(fold['repeat']) + 1})" if fold["repeat"] else ""
        )
        with mlflow.start_run(run_name=f"{name}: {fold['label']}", nested=True):
            mlflow.log_params(flatten_config(params))
            mlflow.log_params({"label": fold["label"], "threshold": fold["threshold"]})
            values = {
                k: float(v)
                for k, v in fold.items()
                if k not in {"repeat", "fold", "label", "threshold"} and pd.notna(v)
            }
            mlflow.log_metrics(values)
            trials = result.trials
            mine = trials[
                (trials["fold"] == fold["fold"]) & (trials["repeat"] == fold["repeat"])
            ]
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "optuna_trials.csv"
                mine.to_csv(path, index=False)
                mlflow.log_artifact(str(path))


def _log_bundle(
    bundle: Path,
    name: str,
    register: bool,
    metrics: dict[str, float],
    dataset: Any,
) -> None:
    """Log the bundle as the run's artifact ``model`` and as its logged model."""
    import mlflow

    from predict.tracking._models import log_logged_model

    mlflow.log_artifacts(str(bundle), artifact_path="model")  # runs:/<id>/model
    model_id, version = log_logged_model(
        bundle, name, metrics=metrics, dataset=dataset, register=register
    )
    mlflow.set_tag("rtms.model_id", model_id)
    if version is not None:
        mlflow.set_tag("rtms.registered_version", f"rtms-{name}/{version}")
