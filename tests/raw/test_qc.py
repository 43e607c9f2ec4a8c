"""QC pictures and the ``rtms-predict qc`` page, on files other tools wrote."""

from __future__ import annotations

import mne
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from predict.cli import app
from predict.raw import RawOptions
from predict.raw._qc_figures import write_qc_figures
from predict.raw._step import extract_markers
from tests.raw._other_tools import rest_eeg_raw, tms_eeg_continuous, write_pybv

runner = CliRunner()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """Three patients: pybv TMS-EEG and MNE-exported resting EEG; one bad file."""
    folder = tmp_path_factory.mktemp("lab")
    rows = []
    for i in range(3):
        data, names, onsets = tms_eeg_continuous(25, seed=i)
        write_pybv(folder, f"tep{i}", data, names, onsets)
        rest = folder / f"rest{i}.vhdr"
        mne.export.export_raw(rest, rest_eeg_raw(seed=i, seconds=20), verbose="error")
        rows.append({"patient_id": f"LAB-{i}", "tms_eeg_path": f"tep{i}.vhdr"})
        rows[-1]["rest_eeg_path"] = rest.name
    rows[2]["tms_eeg_path"] = "missing.vhdr"
    table = pd.DataFrame(rows)
    table.to_csv(folder / "cohort.csv", index=False)
    return folder, table


def test_qc_page_shows_every_patient_and_the_failures(lab):
    tmp_path, _ = lab
    config = {"features": {"tms_eeg": {}}, "raw": {"tms_eeg": {"min_trials": 20}}}
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(config))
    done = runner.invoke(
        app,
        ["qc", str(tmp_path / "cohort.csv"), "--out", str(tmp_path / "qc.html")]
        + ["--config", str(tmp_path / "c.yaml")],
    )
    assert done.exit_code == 0, done.output
    page = (tmp_path / "qc.html").read_text()
    assert page.count("<img alt='tms_eeg'") == 2
    assert page.count("<img alt='rest_eeg'") == 3
    assert "LAB-2</b> (tms_eeg_path)" in page and "missing.vhdr" in page
    assert "tms_eeg_path:trials_kept" in page


def test_figures_are_written_under_the_names_given(lab, tmp_path):
    folder, table = lab
    table = table.set_index("patient_id").head(2)
    _, report = extract_markers(table, RawOptions(), base_dir=folder)
    names = {"LAB-0": "a1b2", "LAB-1": "c3d4"}
    written = write_qc_figures(report, tmp_path / "png", names)
    assert sorted(p.name for p in written) == [
        "a1b2_rest_eeg.png",
        "a1b2_tms_eeg.png",
        "c3d4_rest_eeg.png",
        "c3d4_tms_eeg.png",
    ]
    assert all(p.stat().st_size > 5000 for p in written)
