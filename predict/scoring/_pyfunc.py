"""The MLflow ``python_function`` flavour of a bundle, without pickle.

A bundle folder is an MLflow model whose ``MLmodel`` names this module as its
``loader_module``: ``mlflow.pyfunc.load_model`` imports it and calls
:func:`_load_pyfunc` on the bundle's ``data`` folder, which loads the skops
and XGBoost files (:func:`predict.scoring.load_bundle`). No Python object is
unpickled, unlike MLflow's ``python_model`` route (cloudpickle).
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
    """

    def __init__(self, data_path: str | Path) -> None:
        from predict.scoring._bundle import load_bundle

        self.bundle = load_bundle(data_path)

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
        from predict.scoring._input import read_input

        frame, visits = split_visit_rows(pd.DataFrame(model_input))
        data, _ = read_input(frame, self.bundle.metadata, visits)
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


def _load_pyfunc(data_path: str) -> PyfuncModel:
    """MLflow's entry point for ``loader_module`` flavours."""
    return PyfuncModel(data_path)
