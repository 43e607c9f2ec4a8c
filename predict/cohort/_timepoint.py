"""Prediction time: the one place where visits become per-patient columns.

A model that predicts at a time point (``predict_at: {day: 7}`` or ``{visit:
w1}``) may use the baseline table and the visits at or before that time, and
nothing later. :func:`cohort_at` (``Cohort.at``) drops every later visit and
summarises the eligible ones into wide columns of the cohort's table, one row
per patient, so the feature builders, cross-validation (split by patient) and
scoring all see one table and no builder can reach a later visit:

- ``visit__<column>__last``: the value at the latest eligible visit that
  measured it (``<column>`` is a marker, or ``hamd17``/``madrs``);
- ``visit__<column>__day``: that visit's day;
- ``visit__<column>__slope_per_week``: least-squares slope of the value over
  the baseline (counted at day 0) and the eligible visits, per 7 days (needs
  two distinct days);
- ``visit__n_visits`` and ``visit__last_day``: how many eligible visits the
  patient has, and the day of the latest.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from predict.cohort._messages import did_you_mean, plural, quote_ids
from predict.cohort._visits import SCALE_COLUMNS, Visits
from predict.exceptions import ConfigError, UsageError

if TYPE_CHECKING:
    from predict.cohort._cohort import Cohort

__all__ = [
    "TimePoint",
    "VISIT_PREFIX",
    "card_texts",
    "cohort_at",
    "cohort_at_config",
    "cohort_for",
    "resolve_time_point",
    "visit_notes",
]

#: Prefix of the columns :func:`cohort_at` adds to the cohort's table.
VISIT_PREFIX = "visit__"


@dataclass(frozen=True)
class TimePoint:
    """When a model predicts.

    Parameters
    ----------
    day : float
        Days since the first treatment session; visits on or before it are
        eligible.
    visit : str or None, default=None
        The visit label the time point was named by. A patient's own day of
        that visit is their cutoff (visit windows vary); ``day`` (the label's
        median day in the training visits) is the cutoff of patients without it.
    """

    day: float
    visit: str | None = None

    def describe(self) -> str:
        """Say when the model predicts, for example ``'day 7 (visit w1)'``."""
        label = f" (visit {self.visit})" if self.visit else ""
        return f"day {self.day:g}{label}"

    def to_dict(self) -> dict[str, Any]:
        """Return the time point as JSON-ready values (bundle metadata)."""
        return {"day": self.day, "visit": self.visit}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TimePoint:
        """Rebuild a time point saved with :meth:`to_dict`."""
        visit = values.get("visit")
        return cls(float(values["day"]), None if visit is None else str(visit))


def card_texts(time_point: TimePoint | None) -> tuple[str, str]:
    """Say when a model predicts, for its card.

    Returns
    -------
    prediction_time : str
        ``"predicts at day 7 (visit w1) from baseline and visits up to day 7"``.
    intended_use : str
        What the model estimates, and when, for the intended-use sentence.
    """
    if time_point is None:
        return (
            "predicts at baseline, before the first session, from baseline "
            "markers only",
            "before a course of rTMS, a patient's probability of response from "
            "baseline markers",
        )
    when = time_point.describe()
    return (
        f"predicts at {when} from baseline and visits up to day {time_point.day:g}",
        f"at {when} of a course of rTMS, a patient's probability of response from "
        "baseline markers and the visits so far",
    )


def resolve_time_point(
    visits: Visits | None, *, day: float | None = None, visit: str | None = None
) -> TimePoint:
    """Return the time point named by a day or a visit label.

    Parameters
    ----------
    visits : Visits or None
        The visits a visit label is looked up in (its median day).
    day : float or None, default=None
        Days since the first treatment session.
    visit : str or None, default=None
        A visit label of ``visits``.

    Returns
    -------
    time_point : TimePoint

    Raises
    ------
    ConfigError
        For a label no visit has, or neither or both of ``day`` and ``visit``.
    """
    if (day is None) == (visit is None):
        raise ConfigError("A prediction time needs either a day or a visit label.")
    if day is not None:
        if not (math.isfinite(day) and 0 <= day <= 365):
            raise ConfigError(f"A prediction day must be in 0-365; got {day!r}.")
        return TimePoint(float(day))
    labels = list(visits.nominal_days) if visits is not None else []
    if visit not in labels:
        known = ", ".join(repr(v) for v in labels) or "none (no visits table)"
        raise ConfigError(
            f"Column 'visit' has no visit labelled '{visit}' to predict at."
            f"{did_you_mean(str(visit), labels)} Labels in the visits table: {known}."
        )
    assert visits is not None and visit is not None
    return TimePoint(float(visits.nominal_days[visit]), visit)


def _cutoffs(time_point: TimePoint, patients: pd.Index, visits: Visits) -> pd.Series:
    """Each patient's last eligible day."""
    cutoff = pd.Series(time_point.day, index=patients, dtype=float)
    if time_point.visit is not None:
        own = visits.data.loc[visits.data["visit"] == time_point.visit, "day"]
        own = own[~own.index.duplicated()]
        cutoff.update(own.reindex(patients).dropna())
    return cutoff


def _check_endpoint(cohort: Cohort, cutoff: pd.Series, time_point: TimePoint) -> None:
    if "endpoint_day" not in cohort.data:
        return
    endpoint = cohort.data["endpoint_day"].astype(float)
    late = (endpoint <= cutoff).to_numpy()
    if late.any():
        raise ConfigError(
            f"Predicting at {time_point.describe()} is on or after the endpoint "
            f"(column 'endpoint_day') of {plural(int(late.sum()), 'patient')} "
            f"({quote_ids(cohort.data.index[late])}): a prediction must come before "
            "the outcome is assessed; choose an earlier predict_at."
        )


def _slopes(points: pd.DataFrame) -> pd.Series:
    """Least-squares slope of ``value`` on ``day`` per patient, per week."""
    t, v = points["day"], points["value"]
    sums = (
        pd.DataFrame(
            {"n": 1.0, "t": t, "v": v, "tt": t * t, "tv": t * v}, index=points.index
        )
        .groupby(level=0)
        .sum()
    )
    den = sums["n"] * sums["tt"] - sums["t"] ** 2
    num = sums["n"] * sums["tv"] - sums["t"] * sums["v"]
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(den > 1e-9, num / den.where(den > 1e-9, 1.0), np.nan)
    return pd.Series(7.0 * slope, index=sums.index)


def _baseline(cohort: Cohort, measure: str) -> pd.Series | None:
    column = SCALE_COLUMNS.get(measure, measure)
    if column not in cohort.data:
        return None
    return cohort.data[column]


def _wide(
    cohort: Cohort, eligible: pd.DataFrame, measures: tuple[str, ...]
) -> pd.DataFrame:
    patients = cohort.data.index
    out: dict[str, pd.Series] = {}
    for measure in measures:
        rows = eligible[eligible[measure].notna()]
        last = rows[~rows.index.duplicated(keep="last")]  # sorted by day
        out[f"{VISIT_PREFIX}{measure}__last"] = last[measure].reindex(patients)
        out[f"{VISIT_PREFIX}{measure}__day"] = last["day"].reindex(patients)
        points = pd.DataFrame({"day": rows["day"], "value": rows[measure]})
        base = _baseline(cohort, measure)
        if base is not None:
            base = pd.to_numeric(base, errors="coerce").dropna()
            start = pd.DataFrame({"day": 0.0, "value": base}, index=base.index)
            points = pd.concat([start, points])
        out[f"{VISIT_PREFIX}{measure}__slope_per_week"] = _slopes(points).reindex(
            patients
        )
    counts = eligible.groupby(level=0).size()
    out[f"{VISIT_PREFIX}n_visits"] = counts.reindex(patients).fillna(0).astype(float)
    out[f"{VISIT_PREFIX}last_day"] = (
        eligible.groupby(level=0)["day"].max().reindex(patients)
    )
    wide = pd.DataFrame(out, index=patients)
    return wide.astype(float)


def cohort_at(
    cohort: Cohort,
    *,
    day: float | None = None,
    visit: str | None = None,
    time_point: TimePoint | None = None,
) -> Cohort:
    """Return the cohort as known at a prediction time (``Cohort.at``).

    Visits after the time point are dropped and the eligible ones become the
    ``visit__*`` columns of the table (see the module docstring); this is the
    only place visits reach features.

    Parameters
    ----------
    cohort : Cohort
        A validated cohort, with visits (without: every visit column is
        missing, as when scoring patients who have none yet).
    day, visit : float or str, optional
        The time point, by day or by visit label (see
        :func:`resolve_time_point`).
    time_point : TimePoint or None, default=None
        An already resolved time point (a bundle's), instead of ``day``/``visit``.

    Returns
    -------
    cohort : Cohort
        Its ``data`` has the ``visit__*`` columns, its ``visits`` only the
        eligible visits and its ``time_point`` is set.

    Raises
    ------
    ConfigError
        For an unknown visit label, or a time point on or after a patient's
        ``endpoint_day``.
    """
    if cohort.time_point is not None:
        raise UsageError(
            f"This cohort is already at {cohort.time_point.describe()}: call "
            "at() on the cohort as read."
        )
    visits = cohort.visits if cohort.visits is not None else Visits.empty()
    if time_point is None:
        time_point = resolve_time_point(visits, day=day, visit=visit)
    cutoff = _cutoffs(time_point, cohort.data.index, visits)
    _check_endpoint(cohort, cutoff, time_point)
    days = visits.data["day"].to_numpy(dtype=float)
    limit = cutoff.reindex(visits.data.index).to_numpy(dtype=float)
    eligible = visits.data[days <= limit]
    data = cohort.data.join(_wide(cohort, eligible, visits.measures))
    kept = dataclasses.replace(visits, data=eligible)
    return dataclasses.replace(cohort, data=data, visits=kept, time_point=time_point)


def visit_notes(cohort: Cohort) -> dict[str, list[str]]:
    """Name, per patient, the visit a cohort at a time point is missing.

    Parameters
    ----------
    cohort : Cohort
        Returned by :func:`cohort_at`.

    Returns
    -------
    notes : dict of str to list of str
        Patient id -> a sentence naming the missing visit, for scores'
        ``warnings``; patients with what the time point needs are absent.
    """
    time_point = cohort.time_point
    if time_point is None:
        return {}
    visits = cohort.visits.data if cohort.visits is not None else pd.DataFrame()
    notes: dict[str, list[str]] = {}
    has_any = set(visits.index) if len(visits) else set()
    has_label = (
        set(visits.index[visits["visit"] == time_point.visit])
        if time_point.visit is not None and len(visits)
        else set()
    )
    when = time_point.describe()
    for pid in cohort.data.index:
        if pid not in has_any:
            notes[str(pid)] = [
                f"no visit up to {when}: visit features scored as missing"
            ]
        elif time_point.visit is not None and pid not in has_label:
            notes[str(pid)] = [
                f"no visit '{time_point.visit}': visit features use the latest "
                "earlier visit"
            ]
    return notes


def cohort_at_config(cohort: Cohort, predict_at: Any) -> Cohort:
    """Return the cohort at a config's ``predict_at`` (unchanged for ``None``).

    Parameters
    ----------
    cohort : Cohort
        The cohort as read, with its visits.
    predict_at : PredictAtConfig or None
        Anything with ``day`` and ``visit`` attributes.

    Returns
    -------
    cohort : Cohort

    Raises
    ------
    ConfigError
        When the config predicts at a time but the cohort has no visits.
    """
    if predict_at is None:
        return cohort
    if cohort.visits is None:
        raise ConfigError(
            "The config predicts at a time during the course ('predict_at') but "
            "no visits table was given: pass read_cohort(..., visits=...) or "
            "--visits FILE."
        )
    return cohort.at(day=predict_at.day, visit=predict_at.visit)


def cohort_for(config: Any, cohort: Cohort) -> Cohort:
    """Return the cohort a config trains on: raw files read, then at its time.

    The one place the raw stage and the prediction time are applied, in that
    order (markers read from files count; later visits stop here), for
    training, workers, feature tables and tracking alike.

    Parameters
    ----------
    config : ExperimentConfig
        Its ``raw`` options and ``predict_at``.
    cohort : Cohort
        As read; reading raw files again with the same options is a no-op.

    Returns
    -------
    cohort : Cohort
    """
    return cohort_at_config(cohort.read_raw(config.raw), config.predict_at)
