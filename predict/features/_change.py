"""Change features: how each marker moved from baseline by the prediction time.

The builders here read the ``visit__*`` columns that
:meth:`predict.cohort.Cohort.at` adds to the cohort's table (the latest
eligible value of each measure, its day, its slope per week), so visits after
the prediction time can never reach them and the feature matrix stays one
row per patient through the pipeline and cross-validation.
"""

from __future__ import annotations

from numbers import Real
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, StrOptions

from predict.cohort._contract import SCALES, modality_of
from predict.cohort._timepoint import VISIT_PREFIX
from predict.features._base import (
    Columns,
    FeatureBuilder,
    Recipe,
    missing,
    numeric,
    safe_log,
    safe_ratio,
)

__all__ = ["ChangeFeatures", "EarlyImprovementFeatures", "RATIO_SUFFIXES"]

#: Unit suffixes of markers that are positive magnitudes, for which a log
#: ratio to baseline is meaningful (mV, ng/mL, µV·s, ratios, relative power);
#: signed amplitudes, latencies and z-scores get differences only.
RATIO_SUFFIXES: tuple[str, ...] = ("_mv", "_ng_ml", "_auc", "_ratio", "_rel")


def _measure(column: str) -> tuple[str, str] | None:
    """Split ``visit__<measure>__<what>`` into its measure and summary."""
    if not column.startswith(VISIT_PREFIX):
        return None
    parts = column[len(VISIT_PREFIX) :].rsplit("__", 1)
    return (parts[0], parts[1]) if len(parts) == 2 else None


def _column(measure: str, what: str) -> str:
    return f"{VISIT_PREFIX}{measure}__{what}"


class ChangeFeatures(FeatureBuilder):
    """Marker change from baseline to the latest visit before the prediction time.

    Per marker measured at visits: ``<marker>__delta`` (latest eligible value
    minus baseline, in the marker's unit), ``<marker>__log_ratio`` (natural
    log of latest / baseline, for positive magnitudes: see
    :data:`RATIO_SUFFIXES`), ``<marker>__slope_per_week`` (least-squares slope
    over baseline and the eligible visits, unit per 7 days) and
    ``<marker>__day`` (day of that latest visit); ``<modality>_present`` per
    modality and ``present`` (any visit value). Needs a cohort at a prediction
    time (``predict_at`` in the config).

    Parameters
    ----------
    markers : list of str or None, default=None
        Marker columns to describe (``["tep_n100_amp_uv", ...]``); ``None``:
        every marker measured at visits.
    ratios : bool, default=True
        Whether to add the log ratios.

    Attributes
    ----------
    measures_ : list of str
        Markers with visit columns in the training table.
    informative_ : list of str
        ``visit__*`` columns with a value for some training patient; a slope
        no patient has (every eligible visit on day 0) is left out.
    columns_ : list of str
        The ``visit__*`` columns read.
    derived_ : list of str
        Derived features whose source columns were present.
    feature_names_out_ : ndarray of str
        Output feature names.
    n_features_in_ : int
        Number of columns seen in ``fit``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"emg_mep_amp_mv": [1.0, 2.0],
    ...                       "visit__emg_mep_amp_mv__last": [1.5, None]})
    >>> out = ChangeFeatures().set_output(transform="pandas").fit_transform(table)
    >>> out["emg_mep_amp_mv__delta"].tolist()
    [0.5, nan]
    """

    modality: ClassVar[str] = "change"
    #: Reads the ``visit__*`` columns of a cohort at a prediction time.
    reads_visits: ClassVar[bool] = True
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "markers": [list, tuple, None],
        "ratios": ["boolean"],
    }

    def __init__(
        self, *, markers: list[str] | None = None, ratios: bool = True
    ) -> None:
        self.markers = markers
        self.ratios = ratios

    def _owns(self, column: str) -> bool:
        if not hasattr(self, "feature_names_in_"):
            return True
        split = _measure(column)
        if split is None or modality_of(split[0]) is None:
            return False
        return self.markers is None or split[0] in self.markers

    def _passthrough(self) -> list[str]:
        if not hasattr(self, "feature_names_in_"):
            return list(self.columns_)
        return []

    def _learn(self, frame: pd.DataFrame) -> None:
        splits = [_measure(c) for c in self.columns_]
        found = list(dict.fromkeys(s[0] for s in splits if s is not None))
        if self.markers is not None:
            unknown = [m for m in self.markers if modality_of(str(m)) is None]
            if unknown:
                raise ValueError(
                    f"The 'markers' parameter of ChangeFeatures names {unknown}, which "
                    "are not marker columns: expected names with a modality prefix "
                    "(tep_, emg_, eeg_, fc_, bdnf_)."
                )
            found = [m for m in self.markers if m in found]
        self.measures_ = found
        # a summary no training patient has (a slope from one visit day) is
        # left out instead of giving an all-missing feature
        self.informative_ = [
            c for c in self.columns_ if c in frame and frame[c].notna().any()
        ]

    def _recipes(self) -> dict[str, Recipe]:
        recipes: dict[str, Recipe] = {}
        by_modality: dict[str, list[str]] = {}
        for marker in getattr(self, "measures_", []):
            last = _column(marker, "last")
            recipes[f"{marker}__delta"] = ((last, marker), _delta(last, marker))
            if self.ratios and marker.endswith(RATIO_SUFFIXES):
                recipes[f"{marker}__log_ratio"] = (
                    (last, marker),
                    _log_ratio(last, marker),
                )
            slope = _column(marker, "slope_per_week")
            if slope in getattr(self, "informative_", []):
                recipes[f"{marker}__slope_per_week"] = ((slope,), _copy(slope))
            day = _column(marker, "day")
            recipes[f"{marker}__day"] = ((day,), _copy(day))
            by_modality.setdefault(str(modality_of(marker)), []).append(last)
        for modality, columns in by_modality.items():
            recipes[f"{modality}_present"] = (tuple(columns), _any_present(columns))
        return recipes


class EarlyImprovementFeatures(FeatureBuilder):
    """Early symptom change on the primary scale, by the prediction time.

    Features: ``pct_change`` (``100 * (latest - baseline) / baseline`` on the
    primary scale, negative for improvement, as the contract's percent
    change), ``improved`` (1 when the improvement has reached ``threshold``
    %), ``slope_per_week`` (points per 7 days over baseline and the eligible
    visits), ``day`` (day of the latest rating) and ``present``.

    Parameters
    ----------
    primary_scale : {"hamd17", "madrs"} or None, default=None
        Scale of the change; ``None`` takes HAMD-17 when the training table
        has visit ratings of it, MADRS otherwise.
    threshold : float, default=20.0
        Improvement (%) counted as early improvement; 20 % at week 2 is the
        usual criterion (Szegedi et al., 2009, J Clin Psychiatry 70:344-53).

    Attributes
    ----------
    scale_ : str or None
        Scale used.
    informative_ : list of str
        ``visit__*`` columns with a value for some training patient.
    columns_ : list of str
        The ``visit__<scale>__*`` columns read.
    feature_names_out_ : ndarray of str
        Output feature names.
    n_features_in_ : int
        Number of columns seen in ``fit``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"baseline_hamd17": [20.0, 25.0],
    ...                       "visit__hamd17__last": [15.0, 24.0]})
    >>> builder = EarlyImprovementFeatures().set_output(transform="pandas")
    >>> builder.fit_transform(table)["improved"].tolist()
    [1.0, 0.0]
    """

    modality: ClassVar[str] = "early_improvement"
    #: Reads the ``visit__*`` columns of a cohort at a prediction time.
    reads_visits: ClassVar[bool] = True
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "primary_scale": [StrOptions(set(SCALES)), None],
        "threshold": [Interval(Real, 0, 100, closed="neither")],
    }

    def __init__(
        self, *, primary_scale: str | None = None, threshold: float = 20.0
    ) -> None:
        self.primary_scale = primary_scale
        self.threshold = threshold

    def _owns(self, column: str) -> bool:
        if not hasattr(self, "feature_names_in_"):
            return True
        split = _measure(column)
        return split is not None and split[0] in SCALES

    def _passthrough(self) -> list[str]:
        if not hasattr(self, "feature_names_in_"):
            return list(self.columns_)
        return []

    def _learn(self, frame: pd.DataFrame) -> None:
        self.scale_ = self.primary_scale
        if self.scale_ is None and hasattr(self, "feature_names_in_"):
            for scale in SCALES:
                column = _column(scale, "last")
                if column in frame and frame[column].notna().any():
                    self.scale_ = scale
                    break
        if hasattr(self, "feature_names_in_") and self.scale_ is not None:
            prefix = f"{VISIT_PREFIX}{self.scale_}__"
            self.columns_ = [c for c in self.columns_ if c.startswith(prefix)]
        self.informative_ = [
            c for c in self.columns_ if c in frame and frame[c].notna().any()
        ]

    def _recipes(self) -> dict[str, Recipe]:
        scale = getattr(self, "scale_", None)
        if scale is None:
            return {}
        last, baseline = _column(scale, "last"), SCALES[scale][0]
        change = _pct_change(last, baseline)
        threshold = float(self.threshold)

        def improved(columns: Columns) -> np.ndarray:
            pct = change(columns)
            return np.where(np.isnan(pct), np.nan, (pct <= -threshold).astype(float))

        slope, day = _column(scale, "slope_per_week"), _column(scale, "day")
        recipes: dict[str, Recipe] = {
            "pct_change": ((last, baseline), change),
            "improved": ((last, baseline), improved),
            "slope_per_week": ((slope,), _copy(slope)),
            "day": ((day,), _copy(day)),
        }
        if slope not in getattr(self, "informative_", [slope]):
            del recipes["slope_per_week"]  # every rating on one day: no slope
        return recipes


def _copy(column: str) -> Any:
    return lambda columns: numeric(columns, column)


def _delta(last: str, baseline: str) -> Any:
    return lambda columns: numeric(columns, last) - numeric(columns, baseline)


def _log_ratio(last: str, baseline: str) -> Any:
    return lambda columns: safe_log(
        safe_ratio(numeric(columns, last), numeric(columns, baseline))
    )


def _pct_change(last: str, baseline: str) -> Any:
    def change(columns: Columns) -> np.ndarray:
        base = numeric(columns, baseline)
        return 100.0 * safe_ratio(numeric(columns, last) - base, base)

    return change


def _any_present(names: list[str]) -> Any:
    def present(columns: Columns) -> np.ndarray:
        found = np.zeros(len(columns[names[0]]), dtype=bool)
        for name in names:
            found |= ~missing(columns[name])
        return found.astype(float)

    return present


def _visit_values_reason(cohort: Any, reads: Any, what: str) -> str | None:
    data = cohort.data
    if not any(str(c).startswith(VISIT_PREFIX) for c in data.columns):
        return "no visits at a prediction time (give visits and 'predict_at')"
    mine = [str(c) for c in data.columns if reads(_measure(str(c)))]
    if mine and bool(data[mine].notna().to_numpy().any()):
        return None
    return f"no patient has a {what} at a visit up to the prediction time"


def change_absent_reason(cohort: Any) -> str | None:
    """Return why a cohort gives :class:`ChangeFeatures` nothing, or ``None``.

    Parameters
    ----------
    cohort : Cohort
        At a prediction time (:meth:`predict.cohort.Cohort.at`).

    Returns
    -------
    reason : str or None
        ``None`` when some patient has a marker value at an eligible visit.
    """
    return _visit_values_reason(
        cohort,
        lambda split: (
            split is not None
            and split[1] == "last"
            and modality_of(split[0]) is not None
        ),
        "marker value",
    )


def early_improvement_absent_reason(cohort: Any) -> str | None:
    """Return why a cohort gives :class:`EarlyImprovementFeatures` nothing.

    Parameters
    ----------
    cohort : Cohort
        At a prediction time (:meth:`predict.cohort.Cohort.at`).

    Returns
    -------
    reason : str or None
        ``None`` when some patient has a scale total at an eligible visit.
    """
    return _visit_values_reason(
        cohort,
        lambda split: split is not None and split[1] == "last" and split[0] in SCALES,
        "scale total",
    )
