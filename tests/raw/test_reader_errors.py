"""Reader errors say what was expected and the exception's type, never the file.

Libraries quote what they failed on (configparser the header line, ``int()``
the EDF field), so a table naming someone else's file as a recording would
print that file's content in the error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from predict.raw import RawExtractionError, RawOptions, extract_markers
from predict.raw import _step as step

SECRET = "Zq9X-123-45-6789"
CSV = f"name,ssn,diagnosis_notes\nAlice,{SECRET},private\n" * 3


def _edf_header() -> bytes:
    """An EDF header whose fields hold the secret where numbers belong."""
    fields = [
        ("0", 8),
        (SECRET, 80),
        (SECRET, 80),
        ("01.01.01", 8),
        ("01.01.01", 8),
        ("512", 8),
        ("", 44),
        ("1", 8),
        ("1", 8),
        (SECRET[:4], 4),  # number of signals: int() quotes it
    ]
    return "".join(text.ljust(width) for text, width in fields).encode()


TEXT = CSV.encode()
CASES = [
    pytest.param("tms_eeg_path", "p.vhdr", TEXT, "BrainVision", id="tms-vhdr"),
    pytest.param("rest_eeg_path", "p.vhdr", TEXT, "resting EEG", id="rest-vhdr"),
    pytest.param("tms_eeg_path", "p.edf", _edf_header(), "EDF", id="tms-edf"),
    pytest.param("rest_eeg_path", "p.edf", _edf_header(), "EDF", id="rest-edf"),
    pytest.param("tms_eeg_path", "p-epo.fif", TEXT, "Epochs.save", id="tms-fif"),
    pytest.param("rest_eeg_path", "p_eeg.fif", TEXT, "FIF", id="rest-fif"),
    pytest.param(
        "fc_matrix_path",
        "p.csv",
        f'"sgACC","DLPFC_L"\n"{SECRET}\n'.encode(),  # unterminated quote
        "connectivity",
        id="connectivity-csv",
    ),
    pytest.param(
        "emg_trials_path",
        "p.csv",
        f'condition,isi_ms,mep_amp_mv\n"{SECRET}\n'.encode(),
        "EMG",
        id="emg-csv",
    ),
]


@pytest.mark.parametrize(("column", "name", "content", "expected"), CASES)
def test_reader_errors_name_the_type_not_the_content(
    tmp_path, monkeypatch, column, name, content, expected
):
    monkeypatch.setattr(step, "_CACHE", {})
    (tmp_path / name).write_bytes(content)
    table = pd.DataFrame(
        {column: [name]}, index=pd.Index(["P1"], name="patient_id")
    ).astype(object)
    named_type = r"P1.*\((\w+Error|\w+Exception)"
    with pytest.raises(RawExtractionError, match=named_type) as err:
        extract_markers(table, RawOptions(), base_dir=tmp_path)
    message = str(err.value)
    assert expected in message
    for part in (SECRET[:4], "Alice", "private", "diagnosis"):
        assert part not in message, message


def test_cached_errors_name_the_file_and_reader_they_are_about(tmp_path, monkeypatch):
    """Identical bytes under another name (or format) get their own error."""
    monkeypatch.setattr(step, "_CACHE", {})
    for name in ("c.csv", "c_other_patient.csv", "x.vhdr", "x-epo.fif"):
        (tmp_path / name).write_text(CSV)
    table = pd.DataFrame(
        {
            "fc_matrix_path": ["c.csv", "c_other_patient.csv"],
            "tms_eeg_path": ["x.vhdr", "x-epo.fif"],
        },
        index=pd.Index(["P1", "P2"], name="patient_id"),
    ).astype(object)
    _, report = extract_markers(
        table, RawOptions(on_error="missing"), base_dir=tmp_path
    )
    fc = dict(report.failed["fc_matrix_path"])
    assert "c.csv'" in fc["P1"] and "c_other_patient.csv'" in fc["P2"]
    assert "/c.csv'" not in fc["P2"]
    assert fc["P2"] == fc["P1"].replace("c.csv", "c_other_patient.csv")
    tms = dict(report.failed["tms_eeg_path"])
    assert "x.vhdr'" in tms["P1"] and "continuous recording" in tms["P1"]
    assert "x-epo.fif'" in tms["P2"] and "MNE epochs" in tms["P2"]
    assert "x.vhdr" not in tms["P2"]


_WIDE_PROBE = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # a safety net only
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
from predict.raw import extract_markers
column = sys.argv[2]
table = pd.DataFrame({column: ["wide.csv"]},
                     index=pd.Index(["P1"], name="patient_id")).astype(object)
try:
    extract_markers(table, base_dir=sys.argv[1])
    message = ""
except BaseException as exc:
    message = f"{type(exc).__name__}: {exc}"
with open("/proc/self/status") as status:  # this process's own peak
    rss = int(next(x for x in status if x.startswith("VmHWM:")).split()[1]) / 1024
print(json.dumps({"rss_mb": rss, "message": message}))
"""


@pytest.mark.parametrize(
    ("column", "mib"),
    [("fc_matrix_path", 60), ("emg_trials_path", 15)],
    ids=["connectivity", "emg"],
)
def test_a_one_line_table_under_the_size_limit_is_refused_in_bounded_memory(
    tmp_path, column, mib
):
    """Millions of header cells: pandas needed 13.5 GB for 60 MiB."""
    with (tmp_path / "wide.csv").open("wb") as handle:
        for _ in range(mib):
            handle.write(b"a," * (1 << 19))
        handle.write(b"\n1\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    out = subprocess.run(
        [sys.executable, "-c", _WIDE_PROBE, str(tmp_path), column],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert "RawExtractionError" in result["message"]
    assert "header line is longer than 1 MiB" in result["message"], result
    assert result["rss_mb"] < 500


@pytest.mark.parametrize(
    ("column", "header", "lines", "message"),
    [
        ("fc_matrix_path", "a," * 3000 + "a", 2, "has 3001 columns"),
        ("fc_matrix_path", "a,b", 100_001, "more than 100000 rows"),
        ("fc_matrix_path", "a," * 1999 + "a", 2001, "4000000 values"),
        ("emg_trials_path", "condition,isi_ms,mep_amp_mv" + ",x" * 62, 2, "65 col"),
        ("emg_trials_path", "condition,isi_ms,mep_amp_mv", 100_001, "100000 rows"),
    ],
    ids=["wide", "long", "cells", "emg-wide", "emg-long"],
)
def test_tables_beyond_the_largest_sensible_shape_are_refused(
    tmp_path, monkeypatch, column, header, lines, message
):
    monkeypatch.setattr(step, "_CACHE", {})
    row = ",".join(["1"] * (header.count(",") + 1))
    (tmp_path / "t.csv").write_text(header + "\n" + (row + "\n") * lines)
    table = pd.DataFrame(
        {column: ["t.csv"]}, index=pd.Index(["P1"], name="patient_id")
    ).astype(object)
    with pytest.raises(RawExtractionError, match=message):
        extract_markers(table, RawOptions(), base_dir=tmp_path)
