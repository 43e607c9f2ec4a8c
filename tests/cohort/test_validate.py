"""Every class of bad input raises one CohortError naming the column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from predict import read_cohort
from predict.exceptions import CohortError, CohortWarning


def _corrupt(table: pd.DataFrame, column: str, rows: list[int], value) -> pd.DataFrame:
    table = table.copy()
    if column not in table:
        table[column] = np.nan
    table[column] = table[column].astype(object)
    for row in rows:
        table.iloc[row, table.columns.get_loc(column)] = value
    return table


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        pytest.param(
            "age", 140, r"'age' has 2 values outside 6-100 years", id="age-range"
        ),
        pytest.param(
            "bdnf_serum_ng_ml",
            25000.0,
            r"'bdnf_serum_ng_ml'.*outside 0-150 ng/mL.*pg/mL need converting",
            id="bdnf-units",
        ),
        pytest.param(
            "tep_n100_lat_ms", 0.1e4, r"'tep_n100_lat_ms'.*outside 0-400 ms", id="lat"
        ),
        pytest.param(
            "emg_sici_ratio", -0.2, r"'emg_sici_ratio'.*outside 0-5", id="ratio"
        ),
        pytest.param("eeg_iaf_hz", 22.0, r"'eeg_iaf_hz'.*outside 5-15 Hz", id="iaf"),
        pytest.param("fc_sgacc_dlpfc_z", 3.5, r"'fc_sgacc_dlpfc_z'.*-2-2", id="fc"),
        pytest.param(
            "n_prior_treatments",
            2.5,
            r"'n_prior_treatments'.*non-integer",
            id="integer",
        ),
        pytest.param(
            "age", "forty", r"'age' has 2 non-numeric values.*'forty'", id="text"
        ),
        pytest.param("age", np.inf, r"'age' has 2 infinite values", id="inf-number"),
        pytest.param(
            "emg_mep_amp_mv", "inf", r"'emg_mep_amp_mv'.*infinite", id="inf-text"
        ),
        pytest.param(
            "protocol",
            "itbs",
            r"'protocol'.*unknown.*Did you mean 'iTBS'",
            id="protocol",
        ),
        pytest.param("sex", "X", r"'sex' has 2 unknown values", id="sex"),
        pytest.param(
            "diagnosis", "MMD", r"'diagnosis'.*Did you mean 'MDD'", id="diagnosis"
        ),
        pytest.param(
            "bdnf_val66met",
            "Val/Mett",
            r"'bdnf_val66met'.*Did you mean 'Val/Met'",
            id="genotype",
        ),
        pytest.param("response", 2, r"'response'.*other than 0 or 1", id="binary"),
    ],
)
def test_bad_values_name_column_and_patients(table, column, value, message):
    bad = _corrupt(table, column, [3, 11], value)
    with pytest.raises(CohortError, match=message) as info:
        read_cohort(bad)
    ids = table["patient_id"].iloc[[3, 11]].tolist()
    assert all(pid in str(info.value) for pid in ids)


def test_all_problems_reported_at_once(table):
    bad = _corrupt(table, "age", [0], 3)
    bad = _corrupt(bad, "protocol", [1], "20Hz")
    bad = _corrupt(bad, "eeg_iaf_hz", [2], "ten")
    with pytest.raises(CohortError, match="3 problems found") as info:
        read_cohort(bad)
    assert len(info.value.problems) == 3
    assert isinstance(info.value, ValueError)


def test_missing_patient_id():
    with pytest.raises(CohortError, match="Required column 'patient_id' is missing"):
        read_cohort(pd.DataFrame({"age": [30, 40]}))


def test_duplicate_ids(table):
    table.loc[5, "patient_id"] = table.loc[2, "patient_id"]
    pid = table.loc[2, "patient_id"]
    with pytest.raises(
        CohortError, match=rf"'patient_id' has duplicate ids \(patients {pid}\)"
    ):
        read_cohort(table)


def test_empty_ids(table):
    table["patient_id"] = table["patient_id"].astype(object)
    table.loc[4, "patient_id"] = "  "
    table.loc[8, "patient_id"] = None
    with pytest.raises(CohortError, match=r"'patient_id' has 2 empty ids \(rows 6, 10"):
        read_cohort(table)


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param(pd.DataFrame(), id="no-columns"),
        pytest.param(pd.DataFrame({"patient_id": []}), id="header-only"),
    ],
)
def test_empty_table(frame):
    with pytest.raises(CohortError, match="The table is empty"):
        read_cohort(frame)


def test_endpoint_without_baseline_column(table):
    with pytest.raises(
        CohortError, match="'endpoint_hamd17' is present but 'baseline_hamd17'"
    ):
        read_cohort(table.drop(columns="baseline_hamd17"))


def test_endpoint_without_baseline_value(table):
    table.loc[[1, 9], "baseline_hamd17"] = np.nan
    pid = table.loc[1, "patient_id"]
    with pytest.raises(
        CohortError, match=rf"'endpoint_hamd17' has 2 scores without a baseline.*{pid}"
    ):
        read_cohort(table)


def test_contradicting_response(minimal_table):
    minimal_table["response"] = [1, 1, 1, 0, 1]  # P2 did not respond (20 -> 15)
    with pytest.raises(
        CohortError, match=r"'response' contradicts the scores.*patients P2"
    ):
        read_cohort(minimal_table)


def test_contradicting_remission(minimal_table):
    minimal_table["remission"] = [0, 0, 0, 0, 0]  # P3 remitted (6 <= 7)
    with pytest.raises(CohortError, match=r"'remission' contradicts.*patients P3"):
        read_cohort(minimal_table)


def test_upper_case_column_named(minimal_table):
    with pytest.raises(
        CohortError, match="Column 'Age' must be lower-case: expected 'age'"
    ):
        read_cohort(minimal_table.rename(columns={"age": "Age"}))


def test_extra_columns_warn_once_and_are_dropped(minimal_table):
    minimal_table["notes"] = "x"
    minimal_table["scanner"] = "Prisma"
    minimal_table["eeg_beta_rel"] = 0.2
    with pytest.warns(
        CohortWarning, match=r"Ignoring 2 column\(s\).*'notes', 'scanner'"
    ) as rec:
        cohort = read_cohort(minimal_table)
    assert len(rec) == 1
    assert "notes" not in cohort.data and "scanner" not in cohort.data
    assert cohort.ignored_columns == ("notes", "scanner")
    # a prefixed extra marker is kept for its modality
    assert "eeg_beta_rel" in cohort.marker_columns["rest_eeg"]


def test_extra_marker_range_from_unit_suffix(minimal_table):
    minimal_table["tep_p30_amp_uv"] = [1.0, 2.0, 90.0, 1.0, 1.0]
    with pytest.raises(CohortError, match=r"'tep_p30_amp_uv'.*outside -40-40 µV.*P3"):
        read_cohort(minimal_table)


def test_parsed_types_and_canonical_categories(minimal_table):
    cohort = read_cohort(minimal_table)
    data = cohort.data
    assert data.index.name == "patient_id"
    assert data.index.tolist() == ["P1", "P2", "P3", "P4", "P5"]
    assert data["sex"].tolist() == ["F", "M", "F", "M", "F"]
    assert data["age"].dtype == float
    assert np.isnan(data.loc["P3", "tep_n100_amp_uv"])
    assert cohort.modalities == ("clinical", "tms_eeg", "bdnf")
    assert cohort.site_column == "site"
    assert cohort.sites == ["A", "B"]


def test_modality_coverage(minimal_table):
    coverage = read_cohort(minimal_table).modality_coverage()
    assert coverage["tms_eeg"] == pytest.approx(0.8)
    assert coverage["bdnf"] == pytest.approx(0.8)
    assert coverage["tms_emg"] == 0.0
    assert coverage["clinical"] == 1.0


def test_path_columns_are_found_and_not_counted_as_markers(minimal_table):
    minimal_table["tms_eeg_path"] = [None, None, "raw/p3-epo.fif", None, None]
    minimal_table["emg_trials_path"] = ["raw/p1.csv", None, None, None, None]
    cohort = read_cohort(minimal_table)  # files are read by predict.raw, not here
    assert cohort.path_columns == ("tms_eeg_path", "emg_trials_path")
    assert cohort.modality_mask("tms_eeg").tolist() == [True, True, False, True, True]
    assert "tms_emg" not in cohort.modalities
    from predict.features import make_features

    built = make_features({"tms_emg": {}, "tms_eeg": {}}).fit_transform(cohort.data)
    assert "tms_emg__emg_trials_path" not in built.columns
    assert built["tms_emg__present"].tolist() == [0.0] * 5


def test_complex_numbers_are_refused_unless_real(table):
    bad = table.copy()
    bad["age"] = bad["age"].astype(complex)
    assert read_cohort(bad).data["age"].dtype == float  # 41+0j is 41
    bad.loc[bad.index[[3, 11]], "age"] += 2j
    with pytest.raises(CohortError, match=r"'age' has 2 complex numbers") as info:
        read_cohort(bad)
    assert all(pid in str(info.value) for pid in table["patient_id"].iloc[[3, 11]])
