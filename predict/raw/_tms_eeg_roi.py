"""The TEP's region of interest: named channels, or stand-ins near them."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from predict.raw._channels import Substitute, file_positions, resolve
from predict.raw._common import RawFileError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import mne

    from predict.raw._tms_eeg import TmsEegOptions

__all__ = ["roi_channels", "select_roi", "standard_positions"]


@cache
def standard_positions() -> dict[str, np.ndarray]:
    """Return standard 10-05 positions (m) by upper-case channel name.

    MNE's ``colin27_1005`` montage (formerly ``standard_1005``).
    """
    import mne

    montage = mne.channels.make_standard_montage("colin27_1005")
    return {k.upper(): v for k, v in montage.get_positions()["ch_pos"].items()}


def roi_channels(
    ch_names: Sequence[str],
    options: TmsEegOptions,
    path: Path | None = None,
    info: mne.Info | None = None,
) -> tuple[list[int], list[Substitute]]:
    """Return the indices of the ROI channels in ``ch_names`` and the stand-ins.

    The first ``n_roi_channels`` of ``options.roi`` present; absent ones are
    replaced by the nearest unused channel within
    ``options.max_substitute_distance_m`` (head frame, see
    :mod:`predict.raw._channels`).

    Raises
    ------
    RawFileError
        If no ROI channel is present and none lies near enough to stand in.
    """
    positions = file_positions(info, ch_names)
    chosen, substitutes = resolve(
        ch_names,
        positions,
        options.roi,
        max_distance_m=options.max_substitute_distance_m,
        n=options.n_roi_channels,
    )
    if not chosen:
        raise RawFileError(
            f"File '{path}': none of the ROI channels {list(options.roi)} is present"
            f" and no channel lies within {100 * options.max_substitute_distance_m:g}"
            f" cm of them (head-frame positions; channels: {', '.join(ch_names)})."
        )
    return [list(ch_names).index(c) for c in chosen], substitutes


def select_roi(
    ch_names: Sequence[str], options: TmsEegOptions, path: Path | None = None
) -> list[int]:
    """Return the indices of the ROI channels in ``ch_names`` (standard positions)."""
    return roi_channels(ch_names, options, path)[0]
