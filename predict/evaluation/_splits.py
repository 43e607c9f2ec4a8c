"""Outer and inner cross-validation splits, and the guard rails checked first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    LeaveOneGroupOut,
    RepeatedKFold,
    RepeatedStratifiedKFold,
    StratifiedKFold,
)

from predict.cohort._messages import plural, quote_ids
from predict.exceptions import TrainingError

if TYPE_CHECKING:
    from predict.cohort import Cohort
    from predict.config import ExperimentConfig

__all__ = [
    "OuterFold",
    "check_folds",
    "check_trainable",
    "inner_splitter",
    "outer_folds",
    "target_of",
]


@dataclass(frozen=True)
class OuterFold:
    """One outer split: its position, seed and row positions."""

    repeat: int
    fold: int
    seed: int
    train: np.ndarray
    test: np.ndarray
    label: str = ""


def target_of(
    config: ExperimentConfig, cohort: Cohort
) -> tuple[pd.DataFrame, np.ndarray]:
    """Return the patients with a known target and the target values.

    Raises
    ------
    TrainingError
        When the cohort has no values for the config's target.
    """
    target = config.target
    data = cohort.data
    if target not in data.columns or data[target].notna().sum() == 0:
        scale = cohort.primary_scale
        needs = (
            "baseline and endpoint scores on the primary scale"
            if scale is None
            else f"'endpoint_{scale}' scores"
        )
        raise TrainingError(
            f"Target '{target}' has no values in the cohort: training needs a "
            f"'{target}' column or {needs} to derive it."
        )
    known = data[target].notna()
    return data.loc[known], data.loc[known, target].to_numpy(dtype=float)


def check_trainable(config: ExperimentConfig, cohort: Cohort, y: np.ndarray) -> None:
    """Check, before any fitting, that the config can be trained on the cohort.

    Raises
    ------
    TrainingError
        For a single class, a class smaller than the number of folds, leave-
        site-out without two sites, or a missing group column (a modality
        no patient has is checked by :func:`predict.features.resolve_features`).
    """
    outer, inner = config.cv.outer, config.cv.inner
    if config.task == "binary":
        values, counts = np.unique(y, return_counts=True)
        if len(values) < 2:
            raise TrainingError(
                f"Target '{config.target}' has a single class ({int(values[0])} for "
                f"all {len(y)} patients): a classifier needs responders and "
                "non-responders."
            )
        smallest = int(counts.min())
        folds = outer.n_splits if outer.scheme == "stratified" else 2
        needed = max(folds, inner.n_splits)
        if smallest < needed:
            label = "positive" if values[counts.argmin()] == 1 else "negative"
            raise TrainingError(
                f"Target '{config.target}' has only {smallest} {label} patients, "
                f"fewer than the {needed} cross-validation folds: lower "
                "'cv.outer.n_splits'/'cv.inner.n_splits' or add patients."
            )
    if outer.scheme == "leave_site_out" and cohort.site_column:
        no_site = cohort.data.index[cohort.data["site"].isna()]
        if len(no_site):
            raise TrainingError(
                f"Column 'site' is empty for {plural(len(no_site), 'patient')} "
                f"({quote_ids(no_site)}): leave-site-out cross-validation needs every "
                "patient's site."
            )
    if outer.scheme == "leave_site_out":
        sites = cohort.data.loc[:, "site"].nunique() if cohort.site_column else 0
        if sites < 2:
            raise TrainingError(
                f"Leave-site-out cross-validation needs at least 2 sites; the cohort "
                f"has {sites}. Use scheme 'stratified' or add a 'site' column."
            )
    if config.harmonize is not None and cohort.site_column is None:
        raise TrainingError(
            "The config asks for 'harmonize' but the cohort table has no 'site' "
            "column: add each patient's site or remove the 'harmonize' block."
        )
    if outer.scheme == "group":
        column = str(outer.group_column)
        if column not in cohort.data.columns:
            raise TrainingError(
                f"Group column '{column}' is not in the cohort table: "
                "'cv.outer.group_column' must name one of its columns."
            )
        n_groups = cohort.data[column].nunique()
        if n_groups < outer.n_splits:
            raise TrainingError(
                f"Group column '{column}' has {n_groups} groups, fewer than "
                f"'cv.outer.n_splits' = {outer.n_splits}."
            )


def outer_folds(
    config: ExperimentConfig, data: pd.DataFrame, y: np.ndarray
) -> list[OuterFold]:
    """Split patients into outer folds as the config says.

    Each fold gets its own seed derived from the config's seed, so tuning in
    every fold is reproducible whatever order the folds run in.
    """
    outer, seed = config.cv.outer, config.seed
    groups: Any = None
    labels: list[str] = []
    if outer.scheme == "leave_site_out":
        splitter: Any = LeaveOneGroupOut()
        groups = data["site"].astype(str).to_numpy()
        n_per_repeat = len(np.unique(groups))
    elif outer.scheme == "group":
        splitter = GroupKFold(n_splits=outer.n_splits, shuffle=True, random_state=seed)
        groups = data[str(outer.group_column)].astype(str).to_numpy()
        n_per_repeat = outer.n_splits
    elif config.task == "binary":
        splitter = RepeatedStratifiedKFold(
            n_splits=outer.n_splits, n_repeats=outer.n_repeats, random_state=seed
        )
        n_per_repeat = outer.n_splits
    else:
        splitter = RepeatedKFold(
            n_splits=outer.n_splits, n_repeats=outer.n_repeats, random_state=seed
        )
        n_per_repeat = outer.n_splits
    folds = []
    for i, (train, test) in enumerate(splitter.split(data, y, groups)):
        repeat, fold = divmod(i, n_per_repeat)
        if groups is not None and outer.scheme == "leave_site_out":
            labels.append(str(groups[test][0]))
        folds.append(
            OuterFold(
                repeat=repeat,
                fold=fold,
                seed=seed * 10_007 + i + 1,
                train=train,
                test=test,
                label=labels[-1] if labels else f"fold {fold + 1}",
            )
        )
    return folds


def check_folds(
    config: ExperimentConfig, folds: list[OuterFold], y: np.ndarray
) -> None:
    """Check that every outer training part can be split into the inner folds.

    Raises
    ------
    TrainingError
        Naming the outer fold (the site left out, for leave-site-out) whose
        training part has fewer patients of a class than inner folds.
    """
    needed = config.cv.inner.n_splits
    for fold in folds:
        train = y[fold.train]
        if config.task == "binary":
            counts = [int(np.sum(train == c)) for c in (0, 1)]
            smallest = min(counts)
            what = "patients of its smaller class"
        else:
            smallest = len(train)
            what = "patients"
        if smallest < needed:
            raise TrainingError(
                f"Outer fold '{fold.label}' leaves {smallest} {what} to train on, "
                f"fewer than the {needed} inner folds: lower 'cv.inner.n_splits', "
                "merge small sites or groups, or use scheme 'stratified'."
            )


def inner_splitter(config: ExperimentConfig, seed: int) -> StratifiedKFold | KFold:
    """Return the inner splitter used for tuning on an outer training part."""
    n_splits = config.cv.inner.n_splits
    if config.task == "binary":
        return StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return KFold(n_splits=n_splits, shuffle=True, random_state=seed)
