from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from predict.exceptions import UsageError
from predict.raw._common import RawFileError
from predict.raw._connectivity import ConnectivityOptions, extract_connectivity
from predict.raw._connectivity_write import simulate_timeseries, write_connectivity

LABELS = ["sgACC", "DLPFC_L", "PCC"]
R = np.array(
    [
        [1.0, -0.3, 0.25],
        [-0.3, 1.0, 0.1],
        [0.25, 0.1, 1.0],
    ]
)


def _csv(path, matrix, labels=LABELS, sep=",", index=False):
    frame = pd.DataFrame(matrix, columns=labels, index=labels if index else None)
    frame.to_csv(path, sep=sep, index=index)
    return path


@pytest.mark.parametrize(
    ("name", "sep", "index"),
    [
        pytest.param("m.csv", ",", False, id="csv"),
        pytest.param("m.tsv", "\t", False, id="tsv"),
        pytest.param("m.csv", ",", True, id="csv-row-labels"),
    ],
)
def test_r_matrix_table_gives_exact_fisher_z(tmp_path, name, sep, index):
    path = _csv(tmp_path / name, R, sep=sep, index=index)
    extraction = extract_connectivity(path)
    np.testing.assert_allclose(
        extraction.markers["fc_sgacc_dlpfc_z"], np.arctanh(-0.3), rtol=1e-14
    )
    assert extraction.qc == {
        "kind": "r_matrix",
        "n_rois": 3,
        "n_rows": 3,
        "rois": "sgACC,DLPFC_L",
    }


@pytest.mark.parametrize("sidecar", ["labels.txt", "json", "json-object"])
def test_npy_matrix_with_sidecar_labels(tmp_path, sidecar):
    path = tmp_path / "sub-01_fc.npy"
    np.save(path, R)
    if sidecar == "labels.txt":
        (tmp_path / "sub-01_fc.labels.txt").write_text("\n".join(LABELS) + "\n")
    elif sidecar == "json":
        (tmp_path / "sub-01_fc.json").write_text(json.dumps(LABELS))
    else:
        (tmp_path / "sub-01_fc.json").write_text(json.dumps({"labels": LABELS}))
    markers = extract_connectivity(path).markers
    np.testing.assert_allclose(
        markers["fc_sgacc_dlpfc_z"], np.arctanh(-0.3), rtol=1e-14
    )


@pytest.mark.parametrize("diagonal", [0.0, np.inf, np.nan])
def test_z_matrix_is_used_as_is(tmp_path, diagonal):
    with np.errstate(divide="ignore"):
        z = np.arctanh(R)
    np.fill_diagonal(z, diagonal)
    path = _csv(tmp_path / "z.csv", z)
    extraction = extract_connectivity(path)
    assert extraction.qc["kind"] == "z_matrix"
    np.testing.assert_allclose(
        extraction.markers["fc_sgacc_dlpfc_z"], np.arctanh(-0.3), rtol=1e-14
    )


def test_values_option_forces_the_reading(tmp_path):
    zeroed = R.copy()
    np.fill_diagonal(zeroed, 0.0)
    path = _csv(tmp_path / "r0.csv", zeroed)
    auto = extract_connectivity(path).markers["fc_sgacc_dlpfc_z"]
    forced = extract_connectivity(path, ConnectivityOptions(values="r")).markers
    np.testing.assert_allclose(auto, -0.3, rtol=1e-14)
    np.testing.assert_allclose(forced["fc_sgacc_dlpfc_z"], np.arctanh(-0.3), rtol=1e-14)


def test_labels_match_case_insensitively_and_pairs_are_configurable(tmp_path):
    path = _csv(tmp_path / "m.csv", R, labels=[" SGACC", "dlpfc_l", "pcc"])
    options = ConnectivityOptions(
        pairs={
            "fc_sgacc_dlpfc_z": ("sgACC", "DLPFC_L"),
            "fc_sgacc_pcc_z": ("sgacc", "PCC"),
        }
    )
    markers = extract_connectivity(path, options).markers
    np.testing.assert_allclose(markers["fc_sgacc_pcc_z"], np.arctanh(0.25), rtol=1e-14)
    np.testing.assert_allclose(
        markers["fc_sgacc_dlpfc_z"], np.arctanh(-0.3), rtol=1e-14
    )


def test_time_series_are_correlated_then_fisher_z(tmp_path):
    rng = np.random.default_rng(0)
    series = rng.standard_normal((120, 3))
    series[:, 1] = -0.5 * series[:, 0] + series[:, 1]
    series[5, 2] = np.nan  # a missing value in an ROI outside the pair
    path = _csv(tmp_path / "ts.csv", series)
    extraction = extract_connectivity(path)
    expected = np.arctanh(np.corrcoef(series[:, 0], series[:, 1])[0, 1])
    np.testing.assert_allclose(
        extraction.markers["fc_sgacc_dlpfc_z"], expected, rtol=1e-12
    )
    assert extraction.qc["kind"] == "timeseries"
    assert extraction.qc["n_rows"] == 120


def test_nan_value_gives_nan_marker(tmp_path):
    matrix = R.copy()
    matrix[0, 1] = matrix[1, 0] = np.nan
    markers = extract_connectivity(_csv(tmp_path / "m.csv", matrix)).markers
    assert math.isnan(markers["fc_sgacc_dlpfc_z"])


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("matrix_csv", "fc.csv"),
        ("matrix_tsv", "fc.tsv"),
        ("npy", "fc.npy"),
        ("timeseries_csv", "ts.csv"),
    ],
)
@pytest.mark.parametrize("z", [-1.4, -0.12, 0.0, 0.8, 2.5])
def test_writer_round_trip(tmp_path, fmt, name, z):
    path = write_connectivity(tmp_path / name, {"fc_sgacc_dlpfc_z": z}, fmt=fmt, seed=4)
    extraction = extract_connectivity(path)
    # Matrices store tanh(z) exactly; time series reproduce r to rounding.
    atol = 1e-13 if fmt != "timeseries_csv" else 1e-10
    np.testing.assert_allclose(extraction.markers["fc_sgacc_dlpfc_z"], z, atol=atol)
    kind = "timeseries" if fmt == "timeseries_csv" else "r_matrix"
    assert extraction.qc["kind"] == kind


def test_simulated_series_look_like_bold(tmp_path):
    labels, series = simulate_timeseries({"fc_sgacc_dlpfc_z": -0.2}, seed=1)
    assert series.shape == (200, len(labels))
    lag1 = np.corrcoef(series[:-1, 3], series[1:, 3])[0, 1]
    assert 0.3 < lag1 < 0.9  # AR(1) autocorrelation of BOLD at TR 2 s


def test_unknown_label_is_named_without_quoting_the_file(tmp_path):
    path = _csv(tmp_path / "m.csv", R, labels=["sgACC", "DLPFC-L", "PCC"])
    with pytest.raises(
        RawFileError, match=r"no ROI labelled 'DLPFC_L' among its 3 labels"
    ) as info:
        extract_connectivity(path)
    assert "PCC" not in str(info.value)  # the file's header stays private


def test_npy_without_sidecar(tmp_path):
    path = tmp_path / "fc.npy"
    np.save(path, R)
    with pytest.raises(
        RawFileError, match=r"no label list: expected 'fc\.labels\.txt'"
    ):
        extract_connectivity(path)


def test_npy_label_count_must_match(tmp_path):
    path = tmp_path / "fc.npy"
    np.save(path, R)
    (tmp_path / "fc.json").write_text(json.dumps(LABELS[:2]))
    with pytest.raises(RawFileError, match="3 columns but its label list has 2"):
        extract_connectivity(path)


def test_npy_must_be_2d(tmp_path):
    path = tmp_path / "fc.npy"
    np.save(path, np.zeros((2, 3, 3)))
    with pytest.raises(RawFileError, match="expected a 2-D numeric array"):
        extract_connectivity(path)


def test_non_numeric_cell(tmp_path):
    frame = pd.DataFrame(R, columns=LABELS).astype(object)
    frame.iloc[1, 2] = "n/a?"
    frame.to_csv(tmp_path / "m.csv", index=False)
    with pytest.raises(RawFileError, match=r"column 3 holds non-numeric.*lines 3"):
        extract_connectivity(tmp_path / "m.csv")


def test_perfect_correlation_has_no_fisher_z(tmp_path):
    matrix = R.copy()
    matrix[0, 1] = matrix[1, 0] = 1.0
    with pytest.raises(RawFileError, match="has no Fisher z"):
        extract_connectivity(_csv(tmp_path / "m.csv", matrix))


def test_r_matrix_beyond_one_is_rejected(tmp_path):
    matrix = R.copy()
    matrix[0, 2] = matrix[2, 0] = 1.7
    with pytest.raises(RawFileError, match="beyond \\+-1; set values='z'"):
        extract_connectivity(_csv(tmp_path / "m.csv", matrix))


def test_ambiguous_diagonal_is_rejected(tmp_path):
    matrix = R.copy()
    np.fill_diagonal(matrix, 2.0)
    with pytest.raises(RawFileError, match="neither 1 .* nor 0, inf or NaN"):
        extract_connectivity(_csv(tmp_path / "m.csv", matrix))


def test_duplicated_labels(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("sgACC,DLPFC_L,sgacc\n1,0.1,0.2\n0.1,1,0.3\n0.2,0.3,1\n")
    with pytest.raises(RawFileError, match="duplicated ROI labels"):
        extract_connectivity(path)


def test_too_few_time_points(tmp_path):
    path = _csv(tmp_path / "ts.csv", np.random.default_rng(0).standard_normal((5, 3)))
    with pytest.raises(RawFileError, match="at least 10 time points"):
        extract_connectivity(path)


def test_constant_time_series(tmp_path):
    series = np.random.default_rng(0).standard_normal((30, 3))
    series[:, 1] = 2.0
    with pytest.raises(RawFileError, match="'DLPFC_L' is constant"):
        extract_connectivity(_csv(tmp_path / "ts.csv", series))


def test_options_are_validated():
    with pytest.raises(ValidationError, match="must start with 'fc_'"):
        ConnectivityOptions(pairs={"sgacc_z": ("sgACC", "DLPFC_L")})
    with pytest.raises(ValidationError, match="with itself"):
        ConnectivityOptions(pairs={"fc_x": ("PCC", "pcc")})
    with pytest.raises(ValidationError, match="Extra inputs"):
        ConnectivityOptions(pair={})


def test_writer_errors(tmp_path):
    markers = {"fc_sgacc_dlpfc_z": 0.1}
    with pytest.raises(UsageError, match="expected a name ending in '.tsv'"):
        write_connectivity(tmp_path / "a.csv", markers, fmt="matrix_tsv", seed=0)
    with pytest.raises(UsageError, match="Unknown connectivity format 'xlsx'"):
        write_connectivity(tmp_path / "a.csv", markers, fmt="xlsx", seed=0)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="missing: fc_sgacc_dlpfc_z"):
        write_connectivity(tmp_path / "a.csv", {}, fmt="matrix_csv", seed=0)
    with pytest.raises(UsageError, match=r"Fisher z in \[-3, 3\]"):
        write_connectivity(
            tmp_path / "a.csv", {"fc_sgacc_dlpfc_z": math.nan}, fmt="matrix_csv", seed=0
        )
    options = ConnectivityOptions(
        pairs={"fc_a_z": ("sgACC", "DLPFC_L"), "fc_b_z": ("PCC", "DLPFC_L")}
    )
    with pytest.raises(UsageError, match="'DLPFC_L' is already part of an earlier"):
        write_connectivity(
            tmp_path / "a.csv",
            {"fc_a_z": 0.1, "fc_b_z": 0.2},
            fmt="matrix_csv",
            seed=0,
            options=options,
        )
