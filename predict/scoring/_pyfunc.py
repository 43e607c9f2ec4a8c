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

__all__ = ["PyfuncModel"]


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
        params : None
            Unused (MLflow inference parameters).

        Returns
        -------
        scores : pandas.DataFrame
            ``patient_id`` and ``p_response`` (binary targets) or
            ``predicted_pct_change``.
        """
        from predict.scoring._input import read_input

        data, _ = read_input(pd.DataFrame(model_input), self.bundle.metadata)
        model = self.bundle.model
        if self.bundle.metadata["task"] == "binary":
            values = np.asarray(model.predict_proba(data)[:, 1], dtype=float)
            column = "p_response"
        else:
            values = np.asarray(model.predict(data), dtype=float)
            column = "predicted_pct_change"
        return pd.DataFrame({"patient_id": data.index.astype(str), column: values})


def _load_pyfunc(data_path: str) -> PyfuncModel:
    """MLflow's entry point for ``loader_module`` flavours."""
    return PyfuncModel(data_path)
