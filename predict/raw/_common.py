"""What every raw-recording reader shares: its result and its error."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from predict.exceptions import PredictError

__all__ = ["Extraction", "RawFileError", "check_file"]


class RawFileError(PredictError, ValueError):
    """A raw recording is missing, unreadable or too noisy to give markers.

    The message names the file and says what was expected; the caller adds the
    patient id (``RawMarkers`` does) before it reaches the user.
    """


@dataclass(frozen=True)
class Extraction:
    """Markers read from one raw file, with its quality-control figures.

    Parameters
    ----------
    markers : dict of str to float
        Contract marker columns (for example ``tep_n100_amp_uv``) and their
        values, in the contract's units. A marker that could not be measured is
        ``nan``.
    qc : dict of str to float, int or str
        Quality-control figures, keyed without a modality prefix so they never
        become model input (for example ``{"trials_kept": 87, "channels":
        "F3,F1,FC3"}``).
    signals : dict of str to object
        What the QC pictures draw (a TEP average, a spectrum), as small
        float32 arrays; empty for readers without pictures.
    """

    markers: dict[str, float]
    qc: dict[str, float | int | str] = field(default_factory=dict)
    signals: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


def check_file(path: str | Path, suffixes: tuple[str, ...]) -> Path:
    """Return ``path`` as a Path after checking it exists and has a known suffix.

    Parameters
    ----------
    path : str or path-like
        The raw file.
    suffixes : tuple of str
        Accepted endings, lower case with their dot (``"-epo.fif"``, ``".vhdr"``).

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    RawFileError
        If the file does not exist or its name ends with none of ``suffixes``.
    """
    path = Path(path)
    if not path.is_file():
        raise RawFileError(f"File '{path}' does not exist or is not a file.")
    name = path.name.lower()
    if not any(name.endswith(s) for s in suffixes):
        raise RawFileError(
            f"File '{path}' has an unsupported format: expected a name ending in "
            f"{', '.join(repr(s) for s in suffixes)}."
        )
    return path
