"""mne-denoise's SOUND and SSP-SIR inside ``pipeline: standard``, planted artifacts.

mne-denoise is not a dependency of the package (see the README's TMS-EEG
section for why); this script is the trial that decided it. Run it in an
environment that has it::

    python -m venv /tmp/venv-denoise
    /tmp/venv-denoise/bin/pip install -e . mne-denoise
    /tmp/venv-denoise/bin/python benchmarks/bench_mne_denoise.py

Each variant puts one method into the ``standard`` pipeline where TESA puts
it, by replacing one of the pipeline's private steps for the run:

- ``sspsir k=K``: ``SSPSIR(n_components=K, art_window=(0, 0.05))`` on the
  trials after pulse interpolation, before filtering (SSP-SIR finds the
  muscle subspace above 100 Hz, which the 45 Hz low-pass would remove);
- ``sound``: ``SOUND(reference="average")`` on the average-referenced
  trials after filtering and bad-channel interpolation, before rejection;
  ``sound ref=best`` with mne-denoise's default reference instead;
- ``no ICA``: the ICA is fitted but no component is removed.

Every variant runs on the recordings of ``tests/raw/_tep_artifacts.py``
(seeds 0 to ``--seeds`` - 1) and prints the N100 error against the planted
one (median |error|, range, signed per seed) and seconds per recording.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mne
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo

import predict.raw._tms_eeg_clean as clean  # noqa: E402
import predict.raw._tms_eeg_reject as reject  # noqa: E402
from predict.raw._tms_eeg import TmsEegOptions, extract_tms_eeg  # noqa: E402
from tests.raw._other_tools import CHANNELS  # noqa: E402
from tests.raw._tep_artifacts import truth, write_artifact_recording  # noqa: E402

STEPS = {"_filter": clean._filter, "_labels": clean._labels}
REJECT = reject.reject_trials
MONTAGE = mne.channels.make_standard_montage("colin27_1005")

#: name -> (method, its settings, whether ICA components are removed)
VARIANTS: dict[str, tuple[str, dict[str, Any], bool]] = {
    "standard": ("none", {}, True),
    "standard, no ICA": ("none", {}, False),
    "sspsir k=1": ("sspsir", {"k": 1}, True),
    "sspsir k=2": ("sspsir", {"k": 2}, True),
    "sspsir k=3": ("sspsir", {"k": 3}, True),
    "sspsir k=2, no ICA": ("sspsir", {"k": 2}, False),
    "sspsir k=3, no ICA": ("sspsir", {"k": 3}, False),
    "sound": ("sound", {"reference": "average"}, True),
    "sound, no ICA": ("sound", {"reference": "average"}, False),
    "sound ref=best": ("sound", {"reference": "best"}, True),
}


def _epochs(data: np.ndarray, names: list[str], sfreq: float, tmin: float):
    info = mne.create_info(names, sfreq, "eeg")
    info.set_montage(MONTAGE, verbose="error")
    return mne.EpochsArray(data, info, tmin=tmin, baseline=None, verbose="error")


def _with_sspsir(k: int) -> Callable[..., Any]:
    from mne_denoise.sspsir import SSPSIR

    def _filter(data: np.ndarray, sfreq: float, options: TmsEegOptions):
        epochs = _epochs(data * 1e-6, list(CHANNELS), sfreq, -0.5)
        model = SSPSIR(n_components=k, art_window=(0.0, 0.05), verbose="error")
        out = model.fit_transform(epochs).get_data() * 1e6
        return STEPS["_filter"](out, sfreq, options)

    return _filter


def _with_sound(reference: str) -> Callable[..., Any]:
    from mne_denoise.sound import SOUND

    def reject_trials(path: Path, trials: Any, options: TmsEegOptions):
        epochs = _epochs(
            trials.data.copy(), list(trials.ch_names), trials.sfreq, trials.tmin
        )
        if reference == "average":
            epochs.set_eeg_reference("average", verbose="error")
        model = SOUND(reference=reference, random_state=0, verbose="error")
        # trials.data is a view of the pipeline's epochs: cleaned in place
        trials.data[...] = model.fit_transform(epochs).get_data()
        return REJECT(path, trials, options)

    return reject_trials


def _install(method: str, settings: dict[str, Any], ica: bool) -> None:
    clean._filter, clean._labels = STEPS["_filter"], STEPS["_labels"]
    reject.reject_trials = REJECT
    if method == "sspsir":
        clean._filter = _with_sspsir(settings["k"])
    elif method == "sound":
        reject.reject_trials = _with_sound(settings["reference"])
    if not ica:
        clean._labels = lambda *args, **kwargs: {}


def main() -> None:
    import mne_denoise

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6)
    args = parser.parse_args()
    cpu = platform.processor() or platform.machine()
    print(f"machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"mne {mne.__version__}, mne-denoise {mne_denoise.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        files = [
            write_artifact_recording(Path(tmp) / f"p{seed}.npz", seed=seed)
            for seed in range(args.seeds)
        ]
        print(f"{'variant':20s} {'median':>7s} {'range':>10s} {'s/rec':>6s}  signed")
        options = TmsEegOptions(pipeline="standard")
        for name, (method, settings, ica) in VARIANTS.items():
            _install(method, settings, ica)
            start = time.perf_counter()
            found = [extract_tms_eeg(f, options).markers for f in files]
            took = (time.perf_counter() - start) / len(files)
            errors = np.array([m["tep_n100_amp_uv"] for m in found]) - truth()
            size = np.abs(errors)
            print(
                f"{name:20s} {np.median(size):7.2f} "
                f"{f'{size.min():.2f}-{size.max():.2f}':>10s} {took:6.1f}  "
                + " ".join(f"{e:+.2f}" for e in errors)
            )
    _install("none", {}, True)


if __name__ == "__main__":
    main()
