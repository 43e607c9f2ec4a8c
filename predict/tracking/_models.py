"""MLflow 3 entities of a training run: its input dataset and its logged model.

- The cohort is logged as an MLflow dataset (``mlflow.log_input``, context
  ``training``) by its fingerprint and its schema (column names and types)
  only: no row, no patient id, no file path reaches the store.
- The bundle is logged as an MLflow 3 *logged model* (``LoggedModel``) of the
  run: the bundle folder's files unchanged (the ``MLmodel`` gains the model's
  id and run), linked to the run as its output, carrying the run's metrics
  (with the dataset they were measured on) and registered as a version of
  ``rtms-NAME``. The runs table's Models and Dataset columns and the
  experiment's Models tab then show them.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from predict.cohort import Cohort

__all__ = ["log_cohort_dataset", "log_logged_model"]


def log_cohort_dataset(cohort: Cohort, name: str = "cohort") -> Any:
    """Log the training cohort to the active run: fingerprint and schema only.

    Parameters
    ----------
    cohort : Cohort
        The training cohort.
    name : str, default="cohort"
        The dataset's name in MLflow.

    Returns
    -------
    dataset : mlflow.data.pandas_dataset.PandasDataset
        Built from an empty frame with the cohort's columns and types, with
        the cohort's fingerprint (its first 32 hex digits) as digest.
    """
    import mlflow
    from mlflow.data.code_dataset_source import CodeDatasetSource
    from mlflow.data.pandas_dataset import from_pandas

    empty = cohort.data.iloc[:0].reset_index(drop=True)  # schema, no patient
    dataset = from_pandas(
        empty,
        source=CodeDatasetSource(tags={"rtms.data_fingerprint": cohort.fingerprint}),
        name=name,
        digest=cohort.fingerprint[:32],
    )
    mlflow.log_input(dataset, context="training")
    return dataset


def _mlmodel_for(bundle: Path, folder: Path, model: Any, run_id: str) -> None:
    """Copy the bundle to ``folder``; its MLmodel names the logged model and run."""
    from mlflow.models import Model

    from predict.scoring._manifest import bundle_key, verify_bundle, write_manifest

    key = bundle_key()
    verify_bundle(bundle, key)  # never re-seal a bundle that was altered
    shutil.copytree(bundle, folder)
    mlmodel = Model.load(str(folder / "MLmodel"))
    mlmodel.model_id = model.model_id
    mlmodel.model_uuid = model.model_id
    mlmodel.run_id = run_id
    mlmodel.artifact_path = model.artifact_location
    mlmodel.save(str(folder / "MLmodel"))
    write_manifest(folder, key)  # the edited MLmodel, sealed (and signed) again


def log_logged_model(
    bundle: Path,
    name: str,
    *,
    metrics: dict[str, float],
    dataset: Any | None,
    register: bool,
) -> tuple[str, str | None]:
    """Log a saved bundle as the active run's MLflow 3 logged model.

    Parameters
    ----------
    bundle : pathlib.Path
        The bundle folder (an MLflow model) written by ``save_bundle``.
    name : str
        The config's name: the logged model's name (as listed in the
        experiment's Models tab), registered as ``rtms-NAME``.
    metrics : dict of str to float
        The run's metrics, linked to the model (and to ``dataset``).
    dataset : mlflow.data.Dataset or None
        The training dataset (:func:`log_cohort_dataset`).
    register : bool
        Register a model version (when the store has a registry).

    Returns
    -------
    model_id : str
    version : str or None
        The registered version, ``None`` when not registered (the reason is
        in the run's tag ``rtms.registry``).
    """
    import mlflow
    from mlflow.entities import LoggedModelOutput, LoggedModelStatus

    run = mlflow.active_run()
    assert run is not None, "log_logged_model needs an active run"
    run_id = run.info.run_id
    client = mlflow.MlflowClient()
    model = mlflow.initialize_logged_model(
        name=name,  # the Models tab lists configs: default, clinical_only, ...
        source_run_id=run_id,
        model_type="rtms-predict bundle",
        tags={"rtms.config": name},
    )
    try:
        client.log_outputs(run_id, models=[LoggedModelOutput(model.model_id, step=0)])
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "model"
            _mlmodel_for(bundle, folder, model, run_id)
            client.log_model_artifacts(model.model_id, str(folder))
        finite = {k: v for k, v in metrics.items() if pd.notna(v)}
        mlflow.log_metrics(finite, step=0, model_id=model.model_id, dataset=dataset)
    except BaseException:
        mlflow.finalize_logged_model(model.model_id, LoggedModelStatus.FAILED)
        raise
    mlflow.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
    if not register:
        return model.model_id, None
    try:
        version = mlflow.register_model(f"models:/{model.model_id}", f"rtms-{name}")
    except mlflow.exceptions.MlflowException as exc:  # a store without a registry
        mlflow.set_tag("rtms.registry", f"not registered: {exc}")
        return model.model_id, None
    return model.model_id, str(version.version)
