"""The files a raw reader opens besides the one a path column names.

The content cache (:func:`predict.raw.file_digest`), the size limit and the
data-root check all cover these too, so an edited companion is read again, a
large split recording counts in full, and no companion may lie outside the
root.
"""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path

from predict.raw._bold import bold_companions

__all__ = ["companions", "fif_split_parts"]

#: Most split parts followed (MNE's 2 GB parts: 2 TB of recording).
_MAX_SPLITS = 1000

#: BIDS split entity (``sub-1_split-01_eeg.fif``).
_BIDS_SPLIT = re.compile(r"_split-(\d+)_")


def companions(path: Path) -> list[Path]:
    """Return the files the reader of ``path`` opens besides ``path`` itself.

    Parameters
    ----------
    path : pathlib.Path
        A raw file or a FreeSurfer ``stats/`` folder.

    Returns
    -------
    files : list of pathlib.Path
        A BrainVision header -> the ``DataFile`` and ``MarkerFile`` it names
        (which need not share its stem); an MNE ``.fif`` -> the split parts
        MNE continues it in (:func:`fif_split_parts`); ``P1.npy`` ->
        ``P1.labels.txt``, ``P1.json``; a BOLD series -> its fMRIPrep
        confounds and sidecars; a folder -> its ``.stats`` files. The file
        itself is not in the list.
    """
    if path.suffix.lower() == ".vhdr":
        return _brainvision_files(path)
    if path.is_dir():
        return sorted(p for p in path.glob("*.stats") if p.is_file())[:64]
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    pattern = f"{glob.escape(stem)}.*"
    found = [p for p in path.parent.glob(pattern) if p.is_file() and p != path]
    return sorted({*found, *fif_split_parts(path), *bold_companions(path)})


def fif_split_parts(path: Path) -> list[Path]:
    """Return the parts an MNE ``.fif`` is continued in, in reading order.

    MNE writes a recording larger than ``split_size`` (2 GB by default) as
    parts that each name the next (``mne/_fiff/open.py``, ``_get_next_fname``),
    named by ``split_naming`` (``mne/_fiff/utils.py``, ``_make_split_fnames``):
    ``"neuromag"`` adds ``-1``, ``-2`` ... before the last extension
    (``x-epo.fif`` -> ``x-epo-1.fif``; ``x-epo.fif.gz`` -> ``x-epo.fif-1.gz``);
    ``"bids"`` counts the ``_split-01_`` entity up. Parts are listed while
    the next one exists.

    Parameters
    ----------
    path : pathlib.Path
        The file a path column names (its first part).

    Returns
    -------
    parts : list of pathlib.Path
        The existing parts after ``path``; empty for a file that is not FIF
        or not split.
    """
    name = path.name
    if not name.lower().endswith((".fif", ".fif.gz")):
        return []
    base, ext = os.path.splitext(name)
    bids = _BIDS_SPLIT.search(name)
    parts: list[Path] = []
    for i in range(1, _MAX_SPLITS + 1):
        if bids:
            number = int(bids.group(1)) + i
            part = path.with_name(
                f"{name[: bids.start()]}_split-{number:02d}_{name[bids.end() :]}"
            )
        else:
            part = path.with_name(f"{base}-{i}{ext}")
        if not part.is_file():
            break
        parts.append(part)
    return parts


def _brainvision_files(header: Path) -> list[Path]:
    """Return the data and marker files a ``.vhdr`` names, inside its folder."""
    try:
        with header.open("rb") as stream:  # a header is small: read at most 1 MiB
            text = stream.read(1 << 20).decode("utf-8", errors="replace")
    except OSError:
        return []
    named = []
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip().lower() in ("datafile", "markerfile") and value.strip():
            candidate = header.parent / value.strip()
            inside = candidate.resolve().is_relative_to(header.parent.resolve())
            if inside and candidate.is_file() and candidate != header:
                named.append(candidate)
    return named
