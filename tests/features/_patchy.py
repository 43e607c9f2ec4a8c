"""A cohort generator of our own, unlike the package simulator.

Patchy cohorts: MADRS instead of HAMD-17, a few clinical columns only, each
marker modality as a random subset of its contract columns plus an extra
prefixed column, and whole-modality missingness that depends on the site (one
site never records a modality it has). The response depends on TMS-EMG and
resting-EEG markers when present, and on age otherwise, so a model has
something to learn on any subset.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

#: Columns each modality may bring (contract names plus one extra).
MODALITY_COLUMNS: dict[str, dict[str, tuple[float, float]]] = {
    "tms_eeg": {
        "tep_n45_amp_uv": (-3.0, 1.0),
        "tep_n100_amp_uv": (-6.0, 2.0),
        "tep_p60_amp_uv": (2.5, 1.0),
        "tep_p30_amp_uv": (1.5, 0.8),
    },
    "tms_emg": {
        "emg_rmt_pct_mso": (55.0, 8.0),
        "emg_mep_amp_mv": (1.2, 0.4),
        "emg_sici_ratio": (0.6, 0.15),
        "emg_mep_lat_ms": (22.0, 1.5),
    },
    "rest_eeg": {
        "eeg_iaf_hz": (9.8, 0.8),
        "eeg_alpha_asym": (0.0, 0.1),
        "eeg_beta_frontal_rel": (0.2, 0.04),
    },
    "connectivity": {
        "fc_sgacc_dlpfc_z": (-0.2, 0.15),
        "fc_dmn_within_z": (0.4, 0.1),
    },
    "bdnf": {
        "bdnf_serum_ng_ml": (25.0, 6.0),
        "bdnf_val66met": (0.0, 0.0),
    },
    "mri": {
        "mri_hippocampus_vol_mm3": (7600.0, 700.0),
        "mri_racc_thickness_mm": (2.8, 0.2),
        "mri_amygdala_vol_mm3": (3100.0, 300.0),
    },
}
MARKER_MODALITIES = tuple(MODALITY_COLUMNS)


def patchy_cohort(
    n: int = 90,
    *,
    seed: int = 0,
    modalities: Iterable[str] = MARKER_MODALITIES,
    missing: float = 0.25,
) -> pd.DataFrame:
    """Return a cohort table with only the given marker modalities.

    Parameters
    ----------
    n : int
        Patients.
    seed : int
        Seeds everything.
    modalities : iterable of str
        Marker modalities the table has (clinical columns are always there).
    missing : float
        Share of patients of the two recording sites who lack each modality.
    """
    rng = np.random.default_rng(seed)
    site = rng.choice(["north", "south", "east"], size=n)
    table: dict[str, object] = {
        "patient_id": [f"Q{seed}-{i:03d}" for i in range(n)],
        "site": site,
        "age": rng.uniform(20, 70, n).round(1),
        "sex": rng.choice(["female", "male"], size=n),
        "protocol": rng.choice(["10Hz", "iTBS"], size=n),
        "baseline_madrs": rng.integers(22, 45, n).astype(float),
    }
    signal = -0.03 * (np.asarray(table["age"]) - 45)
    for modality in modalities:
        # the east site never records this modality; the others miss some
        lacks = (site == "east") | (rng.random(n) < missing)
        for k, (column, (mean, sd)) in enumerate(MODALITY_COLUMNS[modality].items()):
            keep = k == 0 or column in ("emg_mep_amp_mv", "eeg_iaf_hz")
            if rng.random() < 0.3 and not keep:
                continue  # a protocol that did not measure this marker
            if column == "bdnf_val66met":
                values: np.ndarray = rng.choice(
                    np.array(["Val/Val", "Val/Met", "Met/Met"], dtype=object),
                    size=n,
                    p=[0.6, 0.32, 0.08],
                )
                values[lacks] = None
            else:
                values = rng.normal(mean, sd, n)
                if column == "emg_mep_amp_mv":
                    values = np.clip(values, 0.05, None)
                    signal = signal + np.where(lacks, 0, 1.5 * (values - mean) / sd)
                if column == "eeg_iaf_hz":
                    signal = signal + np.where(lacks, 0, -(values - mean) / sd)
                values = np.where(lacks, np.nan, values.round(3))
            table[column] = values
    p = 1 / (1 + np.exp(-(signal - 0.2)))
    respond = rng.random(n) < p
    baseline = np.asarray(table["baseline_madrs"])
    drop = np.where(respond, rng.uniform(0.55, 0.9, n), rng.uniform(0.0, 0.45, n))
    table["endpoint_madrs"] = np.round(baseline * (1 - drop))
    return pd.DataFrame(table)
