"""Every reader refuses a missing file and a format it does not read."""

from __future__ import annotations

import pytest

from predict.raw import (
    RawFileError,
    extract_connectivity,
    extract_emg,
    extract_rest_eeg,
    extract_tms_eeg,
)

READERS = [
    pytest.param(extract_tms_eeg, "absent-epo.fif", "rec.csv", "-epo.fif", id="tms"),
    pytest.param(extract_rest_eeg, "rec.vhdr", "rec.set", ".edf", id="rest"),
    pytest.param(extract_connectivity, "none.csv", "fc.mat", ".npy", id="fc"),
    pytest.param(extract_emg, "nope.csv", "trials.xlsx", ".csv", id="emg"),
]


@pytest.mark.parametrize(("reader", "absent", "wrong", "expected"), READERS)
def test_missing_file_and_wrong_format(tmp_path, reader, absent, wrong, expected):
    with pytest.raises(RawFileError, match=rf"{absent}' does not exist"):
        reader(tmp_path / absent)
    (tmp_path / wrong).write_bytes(b"x")
    with pytest.raises(RawFileError, match=rf"unsupported format.*'{expected}'"):
        reader(tmp_path / wrong)
