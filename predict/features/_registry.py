"""Feature builders by the names configs use, and what data each one needs.

Every builder is registered once, with :func:`register_builder`, into an
ordered registry (the order features are concatenated in). Its entry, a
:class:`BuilderEntry`, declares what the builder reads:

- ``modality`` and ``label``: the modality's config name and human name;
- ``prefix`` and/or ``columns``: the marker columns it reads (``fc_`` for
  connectivity; the clinical covariates by name);
- ``path_columns``: the raw-recording path columns whose files the raw stage
  turns into its markers (from the contract's ``PATH_COLUMNS``);
- ``detect`` (optional): a function of the cohort for builders whose input is
  not a set of columns of the cohort table (for example a visits table).

By default all of it comes from the builder class's attributes
(:attr:`~predict.features.FeatureBuilder.modality`, ``prefix``, ``label``,
``named_columns``), so a builder added later (an ``mri`` builder for ``mri_``
columns fed by ``mri_stats_dir``, visits-based builders) is used by
``features: auto`` and by ``optional: true`` by being registered, with no
change anywhere else: :func:`predict.features.resolve_features` asks every
entry whether the cohort (after the raw stage filled markers from path
columns) has any value it reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
from sklearn.utils._param_validation import InvalidParameterError

from predict.cohort._contract import PATH_COLUMNS
from predict.cohort._messages import did_you_mean
from predict.exceptions import ConfigError
from predict.features._base import FeatureBuilder
from predict.features._bdnf import BDNFFeatures
from predict.features._change import (
    ChangeFeatures,
    EarlyImprovementFeatures,
    change_absent_reason,
    early_improvement_absent_reason,
)
from predict.features._clinical import ClinicalFeatures
from predict.features._connectivity import ConnectivityFeatures
from predict.features._mri import MRIFeatures
from predict.features._rest_eeg import RestEEGFeatures
from predict.features._tms_eeg import TMSEEGFeatures
from predict.features._tms_emg import TMSEMGFeatures

if TYPE_CHECKING:
    from predict.cohort import Cohort

__all__ = [
    "BUILDERS",
    "BuilderEntry",
    "ENTRIES",
    "get_builder",
    "list_builders",
    "register_builder",
]


@dataclass(frozen=True)
class BuilderEntry:
    """What a registered feature builder reads, to tell whether data have it.

    Parameters
    ----------
    name : str
        Config name of the builder.
    builder : type of FeatureBuilder
        The builder class.
    modality : str
        The modality it builds features of.
    label : str
        Human name of the modality ("TMS-EEG"), in summaries and warnings.
    prefix : str or None
        Prefix of the marker columns it reads.
    columns : tuple of str
        Columns it reads by name.
    path_columns : tuple of str
        Raw-recording path columns whose files give its markers.
    detect : callable or None
        ``detect(cohort)`` returns why the cohort lacks the builder's data, or
        ``None`` when it has them; replaces the column check.
    """

    name: str
    builder: type[FeatureBuilder]
    modality: str
    label: str
    prefix: str | None = None
    columns: tuple[str, ...] = ()
    path_columns: tuple[str, ...] = ()
    detect: Callable[[Cohort], str | None] | None = field(default=None, repr=False)

    @property
    def what(self) -> str:
        """The columns it reads, in words: ``fc_*`` or ``clinical``."""
        return f"{self.prefix}*" if self.prefix else self.modality

    def reads(self, column: str) -> bool:
        """Whether a column of a table is one this builder reads."""
        if column in PATH_COLUMNS:
            return False
        if column in self.columns:
            return True
        return bool(self.prefix) and column.startswith(str(self.prefix))

    def absent_reason(self, cohort: Cohort) -> str | None:
        """Return why the cohort has no data for the builder, ``None`` if it has.

        Parameters
        ----------
        cohort : Cohort
            After the raw stage (:func:`predict.raw.read_raw_markers`), so
            markers from files named by path columns count.

        Returns
        -------
        reason : str or None
            For example ``"no patient has any fc_* value"``.
        """
        if self.detect is not None:
            return self.detect(cohort)
        data = cohort.data
        mine = [str(c) for c in data.columns if self.reads(str(c))]
        if mine and bool(data[mine].notna().to_numpy().any()):
            return None
        reason = f"no patient has any {self.what} value"
        files = [
            c for c in self.path_columns if c in data and bool(pd.notna(data[c]).any())
        ]
        if files:
            reason += f"; {', '.join(files)} named files but none gave markers"
        elif not mine:
            reason += f"; the table has no {self.what} column"
        return reason


#: Builder classes by config name, in the order features are concatenated.
BUILDERS: dict[str, type[FeatureBuilder]] = {}
#: Registry entries by config name, in the same order.
ENTRIES: dict[str, BuilderEntry] = {}


def register_builder(
    builder: type[FeatureBuilder],
    *,
    name: str | None = None,
    label: str | None = None,
    columns: tuple[str, ...] | None = None,
    path_columns: tuple[str, ...] | None = None,
    detect: Callable[[Cohort], str | None] | None = None,
) -> BuilderEntry:
    """Register a feature builder under a config name.

    Parameters
    ----------
    builder : type of FeatureBuilder
        The builder class; its ``modality``, ``prefix``, ``label`` and
        ``named_columns`` attributes give the defaults below.
    name : str or None, default=None
        Config name; ``None`` uses ``builder.modality``.
    label : str or None, default=None
        Human name; ``None`` uses ``builder.label`` (or the name).
    columns : tuple of str or None, default=None
        Columns read by name; ``None`` uses ``builder.named_columns``.
    path_columns : tuple of str or None, default=None
        Path columns feeding it; ``None`` takes those the contract's
        ``PATH_COLUMNS`` maps to the builder's modality.
    detect : callable or None, default=None
        See :class:`BuilderEntry`.

    Returns
    -------
    entry : BuilderEntry

    Examples
    --------
    >>> ENTRIES["connectivity"].path_columns
    ('fc_matrix_path', 'bold_path')
    """
    key = name or builder.modality
    if key in BUILDERS:
        raise ValueError(f"A feature builder named '{key}' is already registered.")
    if path_columns is None:
        modality = builder.modality
        path_columns = tuple(c for c, m in PATH_COLUMNS.items() if m == modality)
    entry = BuilderEntry(
        name=key,
        builder=builder,
        modality=builder.modality,
        label=label or builder.label or key,
        prefix=builder.prefix,
        columns=tuple(builder.named_columns if columns is None else columns),
        path_columns=path_columns,
        detect=detect,
    )
    BUILDERS[key] = builder
    ENTRIES[key] = entry
    return entry


for _builder in (
    ClinicalFeatures,
    TMSEEGFeatures,
    TMSEMGFeatures,
    RestEEGFeatures,
    ConnectivityFeatures,
    BDNFFeatures,
    MRIFeatures,
):
    register_builder(_builder)
# Visit builders read the ``visit__*`` columns of a cohort at a prediction time.
register_builder(ChangeFeatures, label="marker change", detect=change_absent_reason)
register_builder(
    EarlyImprovementFeatures,
    label="early improvement",
    detect=early_improvement_absent_reason,
)


def list_builders() -> list[str]:
    """Return the names of the available feature builders.

    Examples
    --------
    >>> list_builders()[:4]
    ['bdnf', 'change', 'clinical', 'connectivity']
    """
    return sorted(BUILDERS)


def get_builder(name: str, options: Mapping[str, Any] | None = None) -> FeatureBuilder:
    """Build a feature builder by name, checking its options.

    Parameters
    ----------
    name : str
        A name from :func:`list_builders`.
    options : mapping or None, default=None
        Keyword arguments of the builder.

    Returns
    -------
    builder : FeatureBuilder
        Unfitted.

    Raises
    ------
    ConfigError
        For an unknown name or option (listing the valid ones) or an invalid
        value.

    Examples
    --------
    >>> get_builder("tms_emg", {"log_ratios": False})
    TMSEMGFeatures(log_ratios=False)
    """
    if name not in BUILDERS:
        raise ConfigError(
            f"Unknown feature builder '{name}'.{did_you_mean(name, list(BUILDERS))} "
            f"Valid builders: {', '.join(list_builders())}."
        )
    cls = BUILDERS[name]
    options = dict(options or {})
    options.pop("optional", None)  # whether the data must have it, not an option
    valid = sorted(cls._get_param_names())
    unknown = sorted(set(options) - set(valid))
    if unknown:
        listed = ", ".join(valid) if valid else "none"
        hint = did_you_mean(unknown[0], valid) if valid else ""
        raise ConfigError(
            f"Unknown option '{unknown[0]}' for feature builder '{name}'.{hint} "
            f"Valid options: {listed}."
        )
    builder = cls(**options)
    try:
        builder._validate_params()
    except InvalidParameterError as exc:
        raise ConfigError(f"Feature builder '{name}': {exc}") from None
    return builder
