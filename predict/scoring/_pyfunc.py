"""The MLflow ``python_function`` flavour of a bundle, without pickle.

A bundle folder is an MLflow model whose ``MLmodel`` names this module as its
``loader_module``: ``mlflow.pyfunc.load_model`` imports it and calls
:func:`_load_pyfunc` on the bundle's ``data`` folder, which loads the skops
and XGBoost files (:func:`predict.scoring.load_bundle`). No Python object is
unpickled, unlike MLflow's ``python_model`` route (cloudpickle).

The loader verifies the bundle against its manifest (signed with
``$RTMS_BUNDLE_KEY`` when that is set) before it loads anything. It cannot
protect against an ``MLmodel`` edited to name another module: MLflow imports
that module before this one runs, so verify bundles from others first
(``rtms-predict verify``, or serve them with ``rtms-predict serve``).

Path columns in a request are read inside the working directory; MLflow's
``model_config`` sets ``data_root`` (another folder) or
``allow_raw_paths: false`` (refuse them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["PyfuncModel", "split_visit_rows"]


class PyfuncModel:
    """What ``mlflow.pyfunc.load_model`` wraps: scores cohort tables.

    Parameters
    ----------
    data_path : str or path-like
        The bundle's ``data`` folder.
    model_config : dict or None, default=None
        ``data_root`` (folder path columns must stay inside; the working
        directory by default) and ``allow_raw_paths`` (default ``True``).
    """

    def __init__(
        self, data_path: str | Path, model_config: dict[str, Any] | None = None
    ) -> None:
        from predict.scoring._bundle import load_bundle
        from predict.scoring._manifest import bundle_key

        config = dict(model_config or {})
        self.data_root = config.get("data_root")
        self.allow_raw_paths = bool(config.get("allow_raw_paths", True))
        self.bundle = load_bundle(data_path, key=bundle_key())

    def predict(self, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
        """Return the response probability (or predicted % change) per patient.

        Parameters
        ----------
        model_input : pandas.DataFrame
            Patients in the cohort contract's columns (outcomes are ignored).
            For a model trained with ``predict_at``, the same frame carries
            the visits: rows with a ``visit`` label are visits (``patient_id``,
            ``visit``, ``day``, scores and markers), rows without one are the
            patients' baseline rows.
        params : None
            Unused (MLflow inference parameters).

        Returns
        -------
        scores : pandas.DataFrame
            ``patient_id`` and ``p_response`` (binary targets) or
            ``predicted_pct_change``.
        """
        from mlflow.exceptions import MlflowException
        from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

        from predict.exceptions import PredictError
        from predict.scoring._input import read_input

        try:
            frame, visits = split_visit_rows(pd.DataFrame(model_input))
            data, _ = read_input(
                frame,
                self.bundle.metadata,
                visits,
                data_root=self.data_root,
                allow_raw_paths=self.allow_raw_paths,
            )
        except PredictError as exc:  # the client's input: say what is wrong
            raise MlflowException(
                str(exc), error_code=INVALID_PARAMETER_VALUE
            ) from None
        model = self.bundle.model
        if self.bundle.metadata["task"] == "binary":
            values = np.asarray(model.predict_proba(data)[:, 1], dtype=float)
            column = "p_response"
        else:
            values = np.asarray(model.predict(data), dtype=float)
            column = "predicted_pct_change"
        return pd.DataFrame({"patient_id": data.index.astype(str), column: values})


def split_visit_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Split one frame into baseline rows and visit rows (those with a ``visit``).

    Parameters
    ----------
    frame : pandas.DataFrame
        Baseline rows and, for a model that predicts during the course, visit
        rows in the same columns.

    Returns
    -------
    baseline : pandas.DataFrame
        Rows without a visit label, without the visit-only columns.
    visits : pandas.DataFrame or None
        Rows with a visit label, in the columns they fill; ``None`` when no
        row has one.
    """
    if "visit" not in frame.columns:
        return frame, None
    label = frame["visit"]
    is_visit = label.notna() & (label.astype(str).str.strip() != "")
    only = [c for c in ("visit", "day", "hamd17", "madrs") if c in frame.columns]
    baseline = frame.loc[~is_visit].drop(columns=only)
    rows = frame.loc[is_visit]
    if rows.empty:  # a batch of baseline rows only: no visits yet
        return baseline.reset_index(drop=True), None
    visits = rows.loc[:, rows.notna().any() | rows.columns.isin(["patient_id"])]
    return baseline.reset_index(drop=True), visits.reset_index(drop=True)


def _load_pyfunc(
    data_path: str, model_config: dict[str, Any] | None = None
) -> PyfuncModel:
    """MLflow's entry point for ``loader_module`` flavours."""
    return PyfuncModel(data_path, model_config)
