"""Path columns stay inside the data root; size limits come before any read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from predict.raw import RawExtractionError, RawOptions, extract_markers
from predict.raw._paths import PathRefusedError, SizeLimits, contain

R = np.array([[1.0, -0.3, 0.1], [-0.3, 1.0, 0.2], [0.1, 0.2, 1.0]])
LABELS = ["sgACC", "DLPFC_L", "PCC"]
SECRET = "name,ssn,diagnosis_notes\nAlice,123-45-6789,private\n"


def _matrix(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(R, columns=LABELS).to_csv(path, index=False)
    return path


def _table(value: str, column: str = "fc_matrix_path") -> pd.DataFrame:
    return pd.DataFrame(
        {column: [value]}, index=pd.Index(["P7"], name="patient_id")
    ).astype(object)


@pytest.fixture
def layout(tmp_path):
    """``data/`` (the root, with a matrix) beside ``secret/`` (outside it)."""
    root = tmp_path / "data"
    _matrix(root / "raw" / "P7.csv")
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "people.csv").write_text(SECRET)
    _matrix(secret / "matrix.csv")
    return root, secret


def test_paths_inside_the_root_are_read(layout):
    root, _ = layout
    for value in ("raw/P7.csv", str(root / "raw" / "P7.csv"), "raw/../raw/P7.csv"):
        filled, _ = extract_markers(_table(value), base_dir=root)
        assert filled["fc_sgacc_dlpfc_z"].iloc[0] == pytest.approx(np.arctanh(-0.3))


@pytest.mark.parametrize(
    "value",
    [
        "{secret}/matrix.csv",  # absolute, exists, readable
        "{secret}/absent.csv",  # absolute, does not exist
        "../secret/people.csv",  # parent traversal to a file that exists
        "../secret/absent.csv",
        "~/matrix.csv",
        "raw/../../secret/matrix.csv",
    ],
)
def test_paths_leaving_the_root_are_refused_alike(layout, value):
    root, secret = layout
    value = value.format(secret=secret)
    for on_error in ("error", "missing"):  # never softened to a missing value
        with pytest.raises(
            RawExtractionError,
            match=r"Patient P7: column 'fc_matrix_path' names a file that is not "
            r"read\. The path is outside the data root",
        ) as info:
            extract_markers(_table(value), RawOptions(on_error=on_error), base_dir=root)
        text = str(info.value)
        # nothing of the file: not its name, content, or whether it exists
        assert "secret" not in text and "ssn" not in text and "absent" not in text
        assert "does not exist" not in text


def test_symlinks_leading_out_are_refused(layout):
    root, secret = layout
    (root / "raw" / "link.csv").symlink_to(secret / "matrix.csv")
    with pytest.raises(RawExtractionError, match="outside the data root"):
        extract_markers(_table("raw/link.csv"), base_dir=root)
    # a companion (same stem) pointing out refuses the file too
    _matrix(root / "raw" / "P8.csv")
    (root / "raw" / "P8.labels.txt").symlink_to(secret / "people.csv")
    with pytest.raises(PathRefusedError, match="outside the data root"):
        contain("raw/P8.csv", root)


def test_a_wider_root_is_given_explicitly(layout):
    root, secret = layout
    value = "../secret/matrix.csv"
    wide = root.parent
    filled, _ = extract_markers(_table(value), base_dir=root, data_root=wide)
    assert filled["fc_sgacc_dlpfc_z"].notna().all()
    options = RawOptions(root=str(wide))
    filled, _ = extract_markers(_table(value), options, base_dir=root)
    assert filled["fc_sgacc_dlpfc_z"].notna().all()


def test_a_dataframe_is_contained_in_the_working_directory(layout, monkeypatch):
    root, secret = layout
    monkeypatch.chdir(root)
    filled, _ = extract_markers(_table("raw/P7.csv"))
    assert filled["fc_sgacc_dlpfc_z"].notna().all()
    with pytest.raises(RawExtractionError, match="outside the data root"):
        extract_markers(_table(str(secret / "matrix.csv")))


def test_errors_never_print_a_file_header(layout):
    root, _ = layout
    (root / "people.csv").write_text(SECRET)
    with pytest.raises(RawExtractionError, match="lacks the column") as info:
        extract_markers(_table("people.csv", "emg_trials_path"), base_dir=root)
    assert "ssn" not in str(info.value) and "diagnosis_notes" not in str(info.value)


def test_size_limit_is_checked_before_reading(layout):
    root, _ = layout
    options = RawOptions(max_mb=SizeLimits(connectivity=1e-5))  # ~10 bytes
    with pytest.raises(
        RawExtractionError, match=r"above the connectivity limit.*max_mb"
    ):
        extract_markers(_table("raw/P7.csv"), options, base_dir=root)
    with pytest.raises(ValueError, match="greater than 0"):
        SizeLimits(emg=0)


_PROBE = """
import json, resource, sys, time
import pandas as pd
from predict.raw import extract_markers
table = pd.DataFrame({"fc_matrix_path": ["big.csv"]},
                     index=pd.Index(["P1"], name="patient_id")).astype(object)
start = time.perf_counter()
try:
    extract_markers(table, base_dir=sys.argv[1])
    message = ""
except Exception as exc:
    message = str(exc)
elapsed = time.perf_counter() - start
try:  # this process's own peak (ru_maxrss would include the forking parent's)
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith("VmHWM:"))
    rss = int(line.split()[1]) / 1024
except OSError:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "rss_mb": rss, "message": message}))
"""


def test_a_2_gib_sparse_file_is_refused_fast_in_bounded_memory(tmp_path):
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(2 << 30)  # sparse: 2 GiB of zeros, no disk used
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert "2048 MiB" in result["message"] and "limit of 64 MiB" in result["message"]
    assert len(result["message"]) < 1000
    assert result["seconds"] < 2
    assert result["rss_mb"] < 500


def test_validate_read_raw_takes_a_data_root(layout, tmp_path):
    from typer.testing import CliRunner

    from predict.cli import app

    root, secret = layout
    pd.DataFrame(
        {
            "patient_id": ["P1", "P2"],
            "age": [30, 40],
            "fc_matrix_path": ["../secret/matrix.csv", ""],
        }
    ).to_csv(root / "cohort.csv", index=False)
    command = ["validate", str(root / "cohort.csv"), "--read-raw"]
    refused = CliRunner().invoke(app, command)
    assert refused.exit_code == 2 and "outside the data root" in refused.output
    widened = CliRunner().invoke(app, [*command, "--data-root", str(tmp_path)])
    assert widened.exit_code == 0, widened.output
    assert "1 files read" in widened.output
