"""Which feature builders a config gets on a cohort, and why others are left out.

``features: auto`` asks for every registered builder, each optional (the
builders of visits only when the config has a ``predict_at``: given visits
without one, they are left out with the reason ``"no predict_at"``); a
builder listed with ``optional: true`` is optional; any other listed builder
is required. An optional builder whose data the cohort lacks is left out with
the reason; a required one stops training with :class:`MissingModalityError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from predict.exceptions import MissingModalityError
from predict.features._registry import ENTRIES

if TYPE_CHECKING:
    from predict.cohort import Cohort
    from predict.config import ExperimentConfig

__all__ = ["ResolvedFeatures", "requested_builders", "resolve_features"]


def requested_builders(
    features: str | Mapping[str, Mapping[str, Any] | None],
) -> list[tuple[str, dict[str, Any], bool]]:
    """Return the builders a ``features:`` block asks for, in registry order.

    Parameters
    ----------
    features : "auto" or mapping of str to mapping
        A config's ``features:`` block.

    Returns
    -------
    requested : list of (name, options, optional)
        ``options`` without the ``optional`` key.

    Examples
    --------
    >>> requested_builders({"bdnf": {"optional": True}, "clinical": {}})
    [('clinical', {}, False), ('bdnf', {}, True)]
    """
    if isinstance(features, str):
        return [(name, {}, True) for name in ENTRIES]
    order = list(ENTRIES)
    out = []
    for name in sorted(features, key=lambda n: order.index(n) if n in order else -1):
        options = dict(features[name] or {})
        optional = bool(options.pop("optional", False))
        out.append((name, options, optional))
    return out


@dataclass(frozen=True)
class ResolvedFeatures:
    """The builders a training uses, and those it left out with the reason.

    Computed once per training by :func:`predict.train` (after the raw stage)
    and read by the printed summary, the MLflow run and the bundle.

    Attributes
    ----------
    requested : {"auto", "explicit"}
        ``features: auto`` or a list of builders.
    used : dict of str to dict
        Builder name -> options (without ``optional``), in registry order.
    left_out : dict of str to str
        Builder name -> why it was left out
        (``"no patient has any fc_* value"``).
    """

    requested: str
    used: dict[str, dict[str, Any]]
    left_out: dict[str, str] = field(default_factory=dict)

    def apply(self, config: ExperimentConfig) -> ExperimentConfig:
        """Return the config with its ``features`` replaced by the used builders."""
        return config.model_copy(update={"features": dict(self.used)})

    def summary(self) -> str:
        """One line for people: what was used, what was left out and why.

        Examples
        --------
        >>> ResolvedFeatures("auto", {"clinical": {}}, {"bdnf": "no patient has "
        ...     "any bdnf_* value"}).summary()
        'Features (auto): clinical. Left out: bdnf (no patient has any bdnf_* value).'
        """
        text = f"Features ({self.requested}): {', '.join(self.used)}."
        if self.left_out:
            why = ", ".join(f"{n} ({r})" for n, r in self.left_out.items())
            text += f" Left out: {why}."
        return text

    def params(self) -> dict[str, str]:
        """MLflow params: ``features_used`` and ``features_left_out``."""
        return {
            "features_used": ",".join(self.used),
            "features_left_out": ",".join(self.left_out) or "none",
        }

    def tags(self) -> dict[str, str]:
        """MLflow tags: ``rtms.left_out.NAME`` -> the reason, per builder."""
        return {f"rtms.left_out.{n}": r for n, r in self.left_out.items()}

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready record for the bundle's metadata.

        Each left-out builder keeps what scoring needs to recognise its
        columns: ``label``, ``prefix``, ``columns`` and ``reason``.
        """
        left_out = {}
        for name, reason in self.left_out.items():
            entry = ENTRIES.get(name)
            left_out[name] = {
                "reason": reason,
                "label": entry.label if entry else name,
                "prefix": entry.prefix if entry else None,
                "columns": list(entry.columns) if entry else [],
            }
        return {
            "requested": self.requested,
            "used": list(self.used),
            "left_out": left_out,
        }


def resolve_features(config: ExperimentConfig, cohort: Cohort) -> ResolvedFeatures:
    """Decide which builders of a config the cohort has data for.

    Parameters
    ----------
    config : ExperimentConfig
        Its ``features`` block: ``auto``, or builders, some ``optional``.
    cohort : Cohort
        After the raw stage (:func:`predict.raw.read_raw_markers`): markers
        extracted from files named by path columns count as data.

    Returns
    -------
    resolved : ResolvedFeatures

    Raises
    ------
    MissingModalityError
        When a builder listed without ``optional: true`` has no data, or when
        no builder is left.

    Examples
    --------
    >>> from predict import read_cohort, simulate_cohort
    >>> from predict.config import ExperimentConfig
    >>> table = simulate_cohort(40, seed=0).drop(columns=["fc_sgacc_dlpfc_z"])
    >>> resolved = resolve_features(ExperimentConfig(features="auto"),
    ...                             read_cohort(table))
    >>> resolved.left_out
    {'connectivity': 'no patient has any fc_* value; the table has no fc_* column'}
    """
    used: dict[str, dict[str, Any]] = {}
    left_out: dict[str, str] = {}
    required: list[str] = []
    auto = isinstance(config.features, str)
    for name, options, optional in requested_builders(config.features):
        entry = ENTRIES[name]
        if auto and config.predict_at is None and entry.builder.reads_visits:
            # candidates only at a prediction time; said when visits were given
            if cohort.visits is not None:
                left_out[name] = "no predict_at"
            continue
        reason = entry.absent_reason(cohort)
        if reason is None:
            used[name] = options
        elif optional:
            left_out[name] = reason
        else:
            required.append(name)
    if required:
        wanted = ", ".join(f"'{n}' ({ENTRIES[n].what} columns)" for n in required)
        raise MissingModalityError(
            f"The config asks for {wanted} but no patient has any value of it: "
            "remove the builder from 'features' or add the markers to the table."
        )
    if not used:
        why = "; ".join(f"{n}: {r}" for n, r in left_out.items())
        raise MissingModalityError(
            f"No feature builder of the config has data in the cohort ({why}): add "
            "markers or clinical covariates to the table."
        )
    requested = "auto" if isinstance(config.features, str) else "explicit"
    return ResolvedFeatures(requested, used, left_out)
