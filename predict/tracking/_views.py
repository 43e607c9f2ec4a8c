"""The MLflow UI's view of the training runs: columns, sort order, its URL.

MLflow 3's UI opens on its GenAI home; an experiment's training runs are at
``#/experiments/ID/runs?workflowType=machine_learning``. Which columns the
runs table shows is UI state kept in the browser, not in the URL (the URL
carries only the search facets: ``searchFilter``, ``orderByKey``,
``orderByAsc``, ``startTime``, ``lifecycleFilter``, ``modelVersionFilter``,
``datasetsFilter``). A *shared view* carries both: the UI reads the
experiment tag ``mlflow.sharedViewState.KEY`` (a JSON document of search
facets and UI state such as ``selectedColumns``) when the URL names
``viewStateShareKey=KEY`` (and no search facet, which would override it).
Every training sets such a view, so the URL printed by ``rtms-predict ui``
opens the runs table with the headline metric, its CI, the calibration
slope and the permutation p as columns, parent runs sorted by the headline
metric, best first.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["VIEW_KEY", "set_training_view", "training_runs_url", "training_view"]

#: The share key of the training-runs view, in URLs and the experiment tag.
VIEW_KEY = "rtms-training-runs"
_TAG = "mlflow.sharedViewState."


def _column(kind: str, key: str) -> str:
    """Return a runs-table column id as the MLflow UI writes it (``metrics.`auc```)."""
    return f"{kind}.`{key}`"


def training_view(headline: str = "auc") -> dict[str, Any]:
    """Return the shared view state of the training runs.

    Parameters
    ----------
    headline : {"auc", "r2"}, default="auc"
        The metric the parent runs are sorted by (descending) and shown with
        its CI bounds.

    Returns
    -------
    state : dict
        ``searchFilter``: the parent (training) runs only, which carry the
        tag ``rtms.config`` (the UI lists runs flat when sorted by a metric,
        so the outer folds' child runs would mix in; they stay one click
        away in each run); ``orderByKey``/``orderByAsc``: headline metric,
        best first; ``selectedColumns`` and ``columnOrder``: ``headline``,
        ``headline_ci_low``, ``headline_ci_high``, ``calibration_slope``
        (binary targets) and ``permutation_p`` first, then the Dataset and
        Models columns.

    Examples
    --------
    >>> training_view()["orderByKey"]
    'metrics.`auc`'
    """
    metrics = [headline, f"{headline}_ci_low", f"{headline}_ci_high"]
    if headline == "auc":
        metrics.append("calibration_slope")
    metrics.append("permutation_p")
    first = [_column("metrics", m) for m in metrics]
    return {
        "searchFilter": "tags.`rtms.config` LIKE '%'",
        "orderByKey": _column("metrics", headline),
        "orderByAsc": False,
        "selectedColumns": [
            *first,
            _column("attributes", "Dataset"),
            _column("attributes", "Models"),
        ],
        "columnOrder": first,
    }


def set_training_view(client: Any, experiment_id: str, headline: str) -> None:
    """Store the training-runs view on an experiment (an experiment tag).

    Parameters
    ----------
    client : mlflow.MlflowClient
        A client of the tracking store.
    experiment_id : str
        The experiment.
    headline : str
        See :func:`training_view`.
    """
    state = json.dumps(training_view(headline), separators=(",", ":"))
    client.set_experiment_tag(experiment_id, f"{_TAG}{VIEW_KEY}", state)


def training_runs_url(base: str, experiment_id: str, *, view: bool = True) -> str:
    """Return the UI address of an experiment's training runs.

    Parameters
    ----------
    base : str
        The UI's address, e.g. ``http://127.0.0.1:5000``.
    experiment_id : str
        The experiment.
    view : bool, default=True
        Add the shared view (columns and sort) set by
        :func:`set_training_view`.

    Returns
    -------
    url : str

    Examples
    --------
    >>> training_runs_url("http://127.0.0.1:5000", "1")
    'http://127.0.0.1:5000/#/experiments/1/runs?workflowType=machine_learning&viewStateShareKey=rtms-training-runs'
    """
    url = f"{base.rstrip('/')}/#/experiments/{experiment_id}/runs"
    url += "?workflowType=machine_learning"
    if view:
        url += f"&viewStateShareKey={VIEW_KEY}"
    return url
