"""Where a path column may point: inside a data root, below a size limit.

A cohort table (or a request to a served model) names raw files in its path
columns. Such a table may come from someone else, so every path is resolved
inside a *data root*: the table's folder by default, ``--data-root DIR`` or
the config's ``raw: {root: DIR}`` to widen it, and for a DataFrame given to
the Python API the ``data_root=`` argument or the working directory.

A path that leaves the root (absolute elsewhere, ``~``, ``..``, or a symlink
whose target is outside, the file's companions included) is refused before
anything is read, with one message whatever lies outside: nothing tells
whether such a file exists. Each modality has a size limit, checked on the
file's size before it is hashed or parsed, so a huge (or sparse) file costs
nothing to refuse.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from predict.raw._common import RawFileError

__all__ = [
    "MAX_PATH_CHARS",
    "PathRefusedError",
    "SizeLimits",
    "check_size",
    "contain",
    "contain_companions",
]

#: Longest path cell accepted (characters).
MAX_PATH_CHARS = 1024

_MIB = 1 << 20


class PathRefusedError(RawFileError):
    """A path column names a file outside the data root (never read)."""


class SizeLimits(BaseModel):
    """Largest raw file read per modality, in MiB (the config's ``raw: {max_mb:}``).

    The size of a file and its companions (a BrainVision ``.eeg``/``.vmrk``, a
    ``.npy``'s label file) together is compared with the limit before the file
    is hashed or parsed.

    Parameters
    ----------
    tms_eeg : float, default=2048
        TMS-EEG epochs (``.fif``, ``.set``, BrainVision, EDF).
    rest_eeg : float, default=2048
        Resting EEG recordings.
    connectivity : float, default=64
        Connectivity matrices or ROI time series (``.csv``, ``.tsv``, ``.npy``).
    emg : float, default=16
        MEP trial tables (``.csv``).
    bold : float, default=4096
        A preprocessed BOLD series (``.nii.gz``) with its confounds table.
    mri : float, default=16
        The ``.stats`` files of a FreeSurfer ``stats/`` folder.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    tms_eeg: float = Field(2048, gt=0)
    rest_eeg: float = Field(2048, gt=0)
    connectivity: float = Field(64, gt=0)
    emg: float = Field(16, gt=0)
    bold: float = Field(4096, gt=0)
    mri: float = Field(16, gt=0)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _refusal(root: Path) -> PathRefusedError:
    return PathRefusedError(
        "The path is outside the data root: raw files are read only inside "
        f"'{root}' (the table's folder unless --data-root or `raw: {{root: ...}}` "
        "widens it); absolute paths elsewhere, '~', '..' and symlinks leading out "
        "are refused."
    )


def contain(value: str, root: str | Path, base: str | Path | None = None) -> Path:
    """Return the file a path cell names, refusing any path that leaves ``root``.

    Parameters
    ----------
    value : str
        The cell as written: a path relative to ``root``, or an absolute path
        inside it.
    root : str or path-like
        The data root.
    base : str, path-like or None, default=None
        Folder a relative path is resolved against (the table's folder);
        ``root`` when ``None``.

    Returns
    -------
    path : pathlib.Path
        The file, with symlinks resolved (inside ``root``).

    Raises
    ------
    PathRefusedError
        When the path (or, through a symlink, its target or a companion's)
        lies outside ``root``, starts with ``~``, holds a NUL or is longer
        than :data:`MAX_PATH_CHARS`. The message is the same whether or not
        such a file exists.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as root:
    ...     contain("raw/P1.csv", root).name
    'P1.csv'
    """
    real_root = Path(os.path.realpath(root))
    if (
        len(value) > MAX_PATH_CHARS
        or "\0" in value
        or value.startswith("~")
        or not value.strip()
    ):
        raise _refusal(real_root)
    candidate = Path(value)
    if not candidate.is_absolute():
        candidate = Path(root if base is None else base) / candidate
    real = Path(os.path.realpath(candidate))
    if not _inside(real, real_root) or real == real_root:
        raise _refusal(real_root)
    parent = real.parent
    if parent.is_dir():  # companions (same stem) may not lead out either
        stem = real.name[: -len(real.suffix)] if real.suffix else real.name
        for sibling in parent.glob(f"{glob.escape(stem)}.*"):
            if not _inside(Path(os.path.realpath(sibling)), real_root):
                raise _refusal(real_root)
    return real


def contain_companions(companions: list[Path], root: str | Path) -> None:
    """Refuse when a file a reader opens besides the named one leaves ``root``.

    Parameters
    ----------
    companions : list of pathlib.Path
        The files a reader opens with the named one (a BrainVision header's
        ``DataFile``, a BOLD series' confounds, a ``stats/`` folder's files).
    root : str or path-like
        The data root.

    Raises
    ------
    PathRefusedError
        When one of them (through a symlink) lies outside ``root``.
    """
    real_root = Path(os.path.realpath(root))
    for companion in companions:
        if not _inside(Path(os.path.realpath(companion)), real_root):
            raise _refusal(real_root)


def check_size(
    path: Path, companions: list[Path], limit_mb: float, key: str, label: str
) -> None:
    """Refuse a file that, with its companions, is larger than ``limit_mb`` MiB.

    Parameters
    ----------
    path : pathlib.Path
        The raw file or folder (already contained; a folder counts as 0).
    companions : list of pathlib.Path
        The files its reader opens besides it.
    limit_mb : float
        The modality's limit.
    key : str
        The modality's ``max_mb`` key, for the message.
    label : str
        The modality as users name it, for the message.

    Raises
    ------
    RawFileError
        When the file and its companions are larger than the limit.
    """
    parts = {path, *companions}
    size = sum(p.stat().st_size for p in parts if p.is_file())
    if size > limit_mb * _MIB:
        raise RawFileError(
            f"File '{path}' is {size / _MIB:.0f} MiB with its companion files, above "
            f"the {label} limit of {limit_mb:g} MiB: raise `raw: {{max_mb: {{{key}: "
            "...}}` in the config if such files are expected."
        )
