"""What a patient lacks: features built from missing inputs, and clinical gaps.

A feature built from an input the patient does not have carries no
information about that patient: a one-hot level of a missing protocol is 0
(and standardised, a negative number), a missing age is imputed with the
training median. Their contributions are the model's view of an average
patient, not a reason for this one. :class:`FeatureInputs` knows which input
columns each built feature comes from, so the scorer (both its fast and full
paths) leaves such features out of ``top_features``, marks them in
``explain``, and warns about every clinical input the model used that a
patient lacks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from predict.cohort._contract import SCALES
from predict.features._base import FeatureBuilder
from predict.models import unwrap_calibrated

__all__ = ["FeatureInputs", "top_reasons"]

_CLINICAL_LABELS = {
    "age": "age",
    "sex": "sex",
    "diagnosis": "diagnosis",
    "protocol": "protocol",
    "n_prior_treatments": "number of prior treatments",
    **{baseline: f"baseline severity ({baseline})" for baseline, _ in SCALES.values()},
}


def _feature_set(model: Any) -> Any:
    """Return the fitted FeatureSet of a bundle's model (inside ComBat if any)."""
    features = unwrap_calibrated(model).steps[0][1]
    named = getattr(features, "named_steps", None)
    if named is not None and "features" in named:
        return named["features"]
    return features


#: Stands for a modality's ``present`` indicator among the feature inputs.
INDICATOR = ("<present>",)


def _builder_inputs(builder: FeatureBuilder) -> list[tuple[str, ...]]:
    """Return the input columns of each of a fitted builder's features, in order."""
    recipes = builder._recipes()
    inputs: list[tuple[str, ...]] = [(c,) for c in builder._passthrough()]
    inputs += [tuple(recipes[name][0]) for name in builder.derived_]
    if builder.has_indicator:
        inputs.append(INDICATOR)
    return inputs


class FeatureInputs:
    """The input columns each built feature of a fitted model comes from.

    Parameters
    ----------
    inputs : list of tuple of str
        Per feature, in the features step's output order, the input columns
        it is computed from (empty: computed whatever the patient has;
        ``INDICATOR``: a modality's ``present`` column, lacking where 0).
    clinical : list of str
        Clinical input columns the model's ``clinical`` builder uses.
    """

    def __init__(self, inputs: list[tuple[str, ...]], clinical: list[str]) -> None:
        self.inputs = inputs
        self.clinical = clinical

    @classmethod
    def of(cls, model: Any, n_features: int) -> FeatureInputs:
        """Read the feature inputs of a bundle's model.

        Parameters
        ----------
        model : estimator
            A bundle's fitted model.
        n_features : int
            Number of built features (a check on the mapping).

        Returns
        -------
        inputs : FeatureInputs
            With no input columns known (only imputed values count as
            lacking) when the features step is not made of the package's
            builders.
        """
        features = _feature_set(model)
        inputs: list[tuple[str, ...]] = []
        clinical: list[str] = []
        for _, step in getattr(features, "transformer_list", []):
            if step == "drop":
                continue
            if not isinstance(step, FeatureBuilder):
                return cls([()] * n_features, [])
            mine = _builder_inputs(step)
            inputs += mine
            if step.modality == "clinical":
                used = [c for part in mine if part != INDICATOR for c in part]
                clinical += [c for c in dict.fromkeys(used) if c not in clinical]
        if len(inputs) != n_features:
            return cls([()] * n_features, [])
        return cls(inputs, clinical)

    def lacking(self, columns: Mapping[str, Any], built: np.ndarray) -> np.ndarray:
        """Tell, per patient and feature, whether the patient lacks the feature.

        Parameters
        ----------
        columns : mapping of str to array of shape (n_patients,)
            The patients' input columns; absent columns are missing.
        built : ndarray of shape (n_patients, n_features)
            The features step's output.

        Returns
        -------
        lacking : ndarray of bool, shape (n_patients, n_features)
            True where the feature is missing (to be imputed), computed from
            an input column the patient does not have, or the ``present``
            indicator of a modality the patient does not have (0): the
            absence is named in the warnings, not given as a reason.
        """
        out = np.isnan(built)
        n = built.shape[0]
        absent: dict[str, np.ndarray] = {}
        for j, needs in enumerate(self.inputs):
            if needs == INDICATOR:
                out[:, j] |= built[:, j] == 0
                continue
            for column in needs:
                if column not in absent:
                    values = columns.get(column)
                    absent[column] = (
                        np.ones(n, dtype=bool)
                        if values is None
                        else np.asarray(pd.isna(values), dtype=bool)
                    )
                out[:, j] |= absent[column]
        return out

    def clinical_warnings(self, columns: Mapping[str, Any], n: int) -> list[list[str]]:
        """Name, per patient, the clinical inputs the model used that are missing.

        Parameters
        ----------
        columns : mapping of str to array of shape (n,)
            The patients' input columns; absent columns are missing.
        n : int
            Number of patients.

        Returns
        -------
        warnings : list of list of str
            Per patient: empty, or one warning naming every missing input.
        """
        found: list[list[str]] = [[] for _ in range(n)]
        for column in self.clinical:
            values = columns.get(column)
            gone = (
                np.ones(n, dtype=bool)
                if values is None
                else np.asarray(pd.isna(values), dtype=bool)
            )
            for i in np.flatnonzero(gone):
                found[i].append(_CLINICAL_LABELS.get(column, column))
        return [
            [
                f"missing clinical inputs: {', '.join(names)} (scored as missing; "
                "not used as reasons)"
            ]
            if names
            else []
            for names in found
        ]


def top_reasons(
    values: np.ndarray, lacking: np.ndarray, names: Sequence[str], top: int
) -> list[str]:
    """Name the ``top`` largest contributions per patient among features it has.

    Parameters
    ----------
    values : ndarray of shape (n_patients, n_features)
        Contributions.
    lacking : ndarray of bool, same shape
        Features the patient lacks (see :meth:`FeatureInputs.lacking`): never
        named as a reason.
    names : sequence of str
        Feature names.
    top : int
        Reasons per patient, at most.

    Returns
    -------
    reasons : list of str
        Per patient, ``"name +0.123; ..."``, largest absolute value first.
    """
    names_ = np.asarray(names, dtype=object)
    size = np.where(lacking, -1.0, np.abs(np.nan_to_num(values)))
    order = np.argsort(-size, axis=1, kind="stable")[:, :top]
    picked = np.take_along_axis(values, order, axis=1)
    keep = ~np.take_along_axis(lacking, order, axis=1)
    return [
        "; ".join(
            f"{name} {value:+.3f}"
            for name, value, ok in zip(names_[row], vals, flags, strict=True)
            if ok
        )
        for row, vals, flags in zip(order, picked, keep, strict=True)
    ]
