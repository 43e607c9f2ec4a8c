"""Reader errors say what was expected and the exception's type, never the file.

Libraries quote what they failed on (configparser the header line, ``int()``
the EDF field), so a table naming someone else's file as a recording would
print that file's content in the error.
"""

from __future__ import annotations

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
