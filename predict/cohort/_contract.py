"""The cohort contract as data: column names, units, ranges and categories.

This module restates ``cohort-contract.md`` in a form the validator, the
feature builders and the simulator share, so the contract lives in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "CATEGORIES",
    "COLUMNS",
    "ColumnSpec",
    "IDENTITY_COLUMNS",
    "MODALITIES",
    "MODALITY_PREFIXES",
    "NOT_INPUT",
    "OUTCOME_COLUMNS",
    "PATH_COLUMNS",
    "REMISSION_CUTOFF",
    "SCALES",
    "modality_of",
    "spec_for",
]


@dataclass(frozen=True)
class ColumnSpec:
    """What the contract says about one column.

    Parameters
    ----------
    name : str
        Column name (lower-case).
    kind : {"id", "text", "numeric", "integer", "binary", "category", "path"}
        How the column's cells are parsed and checked.
    low, high : float or None
        Inclusive plausible range of a numeric column, ``None`` for unbounded.
    unit : str
        Unit or meaning, quoted in error messages.
    hint : str
        What to do when values fall outside the range, quoted in error messages.
    """

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    unit: str = ""
    hint: str = ""

    def range_text(self) -> str:
        """Describe the plausible range, for example ``'0-150 ng/mL'``."""
        unit = f" {self.unit}" if self.unit else ""
        if self.low is not None and self.high is not None:
            return f"{self.low:g}-{self.high:g}{unit}"
        if self.low is not None:
            return f">= {self.low:g}{unit}"
        if self.high is not None:
            return f"<= {self.high:g}{unit}"
        return f"finite values{unit}"


#: Modality name (as used by feature builders and configs) -> column prefix.
MODALITY_PREFIXES: dict[str, str] = {
    "tms_eeg": "tep_",
    "tms_emg": "emg_",
    "rest_eeg": "eeg_",
    "connectivity": "fc_",
    "bdnf": "bdnf_",
    "mri": "mri_",
}

#: Every modality, clinical covariates first.
MODALITIES: tuple[str, ...] = ("clinical", *MODALITY_PREFIXES)

#: Raw-recording path column -> the modality it feeds.
PATH_COLUMNS: dict[str, str] = {
    "tms_eeg_path": "tms_eeg",
    "rest_eeg_path": "rest_eeg",
    "fc_matrix_path": "connectivity",
    "emg_trials_path": "tms_emg",
    "bold_path": "connectivity",
    "mri_stats_dir": "mri",
}

#: Canonical values of categorical columns. ``sex`` also accepts any case and
#: ``female``/``male``; the others are matched exactly.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "sex": ("F", "M"),
    "diagnosis": ("MDD", "BD", "OCD", "PTSD"),
    "protocol": ("10Hz", "iTBS", "1Hz", "cTBS", "dTMS"),
    "bdnf_val66met": ("Val/Val", "Val/Met", "Met/Met"),
}

#: Depression scales: name -> (baseline column, endpoint column).
SCALES: dict[str, tuple[str, str]] = {
    "hamd17": ("baseline_hamd17", "endpoint_hamd17"),
    "madrs": ("baseline_madrs", "endpoint_madrs"),
}

#: Endpoint total at or below which a patient is in remission, per scale.
REMISSION_CUTOFF: dict[str, float] = {"hamd17": 7.0, "madrs": 10.0}

IDENTITY_COLUMNS: tuple[str, ...] = ("patient_id", "site")
OUTCOME_COLUMNS: tuple[str, ...] = ("response", "remission", "pct_change")
#: Columns never used as model input, and ignored when scoring: the outcomes
#: and the endpoint scores they derive from.
NOT_INPUT: frozenset[str] = frozenset(
    {"endpoint_hamd17", "endpoint_madrs", "endpoint_day", *OUTCOME_COLUMNS}
)

_AMP = "amplitudes are expected in µV; values in volts or mV need converting"
_LAT = "latencies are expected in ms after the pulse; values in s need converting"
_VOL = "volumes are expected in mm³; values in cm³ (mL) need multiplying by 1000"
_THICK = "cortical thickness is expected in mm (FreeSurfer's ThickAvg)"

_SPECS: tuple[ColumnSpec, ...] = (
    ColumnSpec("patient_id", "id"),
    ColumnSpec("site", "text"),
    ColumnSpec("age", "numeric", 6, 100, "years"),
    ColumnSpec("sex", "category"),
    ColumnSpec("diagnosis", "category"),
    ColumnSpec("protocol", "category"),
    ColumnSpec("n_prior_treatments", "integer", 0, 20, "failed treatment trials"),
    ColumnSpec("baseline_hamd17", "numeric", 0, 52, "HAMD-17 points"),
    ColumnSpec("baseline_madrs", "numeric", 0, 60, "MADRS points"),
    ColumnSpec("endpoint_hamd17", "numeric", 0, 52, "HAMD-17 points"),
    ColumnSpec("endpoint_madrs", "numeric", 0, 60, "MADRS points"),
    # Optional: when the endpoint was assessed (visits must come before it).
    ColumnSpec("endpoint_day", "numeric", 1, 365, "days since the first session"),
    ColumnSpec("response", "binary"),
    ColumnSpec("remission", "binary"),
    ColumnSpec("tep_n45_amp_uv", "numeric", -40, 40, "µV", _AMP),
    ColumnSpec("tep_p60_amp_uv", "numeric", -40, 40, "µV", _AMP),
    ColumnSpec("tep_n100_amp_uv", "numeric", -40, 40, "µV", _AMP),
    ColumnSpec("tep_p180_amp_uv", "numeric", -40, 40, "µV", _AMP),
    ColumnSpec("tep_n100_lat_ms", "numeric", 0, 400, "ms", _LAT),
    ColumnSpec("tep_gmfp_auc", "numeric", 0, None, "µV·s"),
    ColumnSpec("emg_rmt_pct_mso", "numeric", 20, 100, "% maximum stimulator output"),
    ColumnSpec(
        "emg_mep_amp_mv",
        "numeric",
        0,
        20,
        "mV",
        "MEP amplitudes are expected in mV; values in µV need converting",
    ),
    ColumnSpec("emg_sici_ratio", "numeric", 0, 5, "(conditioned / test MEP)"),
    ColumnSpec("emg_icf_ratio", "numeric", 0, 5, "(conditioned / test MEP)"),
    ColumnSpec("emg_lici_ratio", "numeric", 0, 5, "(conditioned / test MEP)"),
    ColumnSpec("emg_csp_ms", "numeric", 0, 400, "ms"),
    ColumnSpec("eeg_iaf_hz", "numeric", 5, 15, "Hz"),
    ColumnSpec(
        "eeg_theta_frontal_rel",
        "numeric",
        0,
        1,
        "(relative power)",
        "relative power is a fraction of total power; percentages need dividing by 100",
    ),
    ColumnSpec("eeg_alpha_asym", "numeric", None, None, "(ln F4 - ln F3)"),
    ColumnSpec(
        "fc_sgacc_dlpfc_z",
        "numeric",
        -2,
        2,
        "(Fisher z)",
        "connectivity is expected as Fisher z of a correlation",
    ),
    ColumnSpec(
        "bdnf_serum_ng_ml",
        "numeric",
        0,
        150,
        "ng/mL",
        "serum BDNF is expected in ng/mL; plasma values or pg/mL need converting",
    ),
    ColumnSpec("bdnf_val66met", "category"),
    ColumnSpec("mri_hippocampus_vol_mm3", "numeric", 0, 2_500_000, "mm³", _VOL),
    ColumnSpec("mri_racc_thickness_mm", "numeric", 0.5, 5, "mm", _THICK),
    ColumnSpec("mri_dlpfc_l_thickness_mm", "numeric", 0.5, 5, "mm", _THICK),
    ColumnSpec("mri_icv_mm3", "numeric", 0, 2_500_000, "mm³", _VOL),
    *(ColumnSpec(name, "path") for name in PATH_COLUMNS),
)

#: Contract columns by name.
COLUMNS: dict[str, ColumnSpec] = {spec.name: spec for spec in _SPECS}

# Extra columns of a modality get a range from their unit suffix.
_SUFFIX_SPECS: tuple[tuple[re.Pattern[str], ColumnSpec], ...] = (
    (re.compile(r"^tep_.*_amp_uv$"), COLUMNS["tep_n45_amp_uv"]),
    (re.compile(r"^tep_.*_lat_ms$"), COLUMNS["tep_n100_lat_ms"]),
    (re.compile(r"^emg_.*_ratio$"), COLUMNS["emg_sici_ratio"]),
    (re.compile(r"^eeg_.*_rel$"), COLUMNS["eeg_theta_frontal_rel"]),
    (re.compile(r"^fc_.*_z$"), COLUMNS["fc_sgacc_dlpfc_z"]),
    (re.compile(r"^mri_.*_mm3$"), COLUMNS["mri_icv_mm3"]),
    (re.compile(r"^mri_.*_thickness_mm$"), COLUMNS["mri_racc_thickness_mm"]),
)


def modality_of(column: str) -> str | None:
    """Return the marker modality a column belongs to, or ``None``.

    Parameters
    ----------
    column : str
        A column name.

    Returns
    -------
    modality : str or None
        ``"tms_eeg"``, ``"tms_emg"``, ``"rest_eeg"``, ``"connectivity"``,
        ``"bdnf"`` or ``"mri"`` for a prefixed marker column, ``None`` otherwise (path
        columns included).

    Examples
    --------
    >>> modality_of("tep_n100_amp_uv")
    'tms_eeg'
    >>> modality_of("age") is None
    True
    """
    if column in PATH_COLUMNS:
        return None
    for modality, prefix in MODALITY_PREFIXES.items():
        if column.startswith(prefix) and len(column) > len(prefix):
            return modality
    return None


def spec_for(column: str) -> ColumnSpec | None:
    """Return the contract's spec for a column, ``None`` if it has none.

    Contract columns have their own spec. An extra marker column (one that
    follows a modality prefix) is numeric; when its unit suffix matches a
    canonical column's (``_amp_uv``, ``_lat_ms``, ``_ratio``, ``_rel``,
    ``_z``, ``_mm3``, ``_thickness_mm``) it takes that column's plausible
    range.

    Parameters
    ----------
    column : str
        A column name.

    Returns
    -------
    spec : ColumnSpec or None
        The spec, or ``None`` for a column outside the contract.
    """
    if column in COLUMNS:
        return COLUMNS[column]
    if modality_of(column) is None:
        return None
    for pattern, template in _SUFFIX_SPECS:
        if pattern.match(column):
            return ColumnSpec(
                column,
                "numeric",
                template.low,
                template.high,
                template.unit,
                template.hint,
            )
    return ColumnSpec(column, "numeric")
