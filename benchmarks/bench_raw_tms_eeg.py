"""TMS-EEG extraction speed: ``extract_tms_eeg`` against an MNE-only route.

Writes ``--patients`` synthetic ``-epo.fif`` recordings with ``write_tms_eeg``
(64 channels, 100 trials, 1 s at 5 kHz by default), then times, on the same
files in the same run:

- ``extract_tms_eeg``: read, trial rejection, average, artifact interpolation,
  baseline, 45 Hz low-pass, ROI peaks N45/P60/N100/P180 and the GMFP area;
- the MNE-only route: ``mne.read_epochs``, ``epochs.average()`` and
  ``evoked.get_peak`` in the N100 window on the ROI channels (one marker, no
  cleaning), twice: with ``preload=True`` (every trial copied into memory
  first) and with ``preload=False`` (``average`` reads the trials from the
  file as it goes, as ``extract_tms_eeg`` reads them; the fair comparison);
- ``extract_tms_eeg`` with ``pipeline: standard`` (decay fit, interpolation,
  downsampling to 1 kHz, filtering, bad channels, ICA, average reference).

Each route reads every file once per repeat, routes alternating; the table
gives patients per second over the best repeat and the N100 amplitude error
against the injected value. A second table runs both pipelines on the
recordings with planted decay and TMS-evoked muscle artifacts of
``tests/raw/_tep_artifacts.py`` (24 channels, 60 trials, 1 kHz, seeds 0 to
``--artifact-patients`` - 1; both pipelines at their defaults, with the
trials each kept): patients per second and the N100 error against the
planted one.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import mne
import numpy as np

from predict.raw._tms_eeg import TmsEegOptions, extract_tms_eeg
from predict.raw._tms_eeg_write import write_tms_eeg

ROI = ["F3", "F1", "FC3"]


def mne_only(path: Path, *, preload: bool = True) -> float:
    """Return the N100 amplitude (µV) by MNE alone: average, then get_peak."""
    epochs = mne.read_epochs(path, preload=preload, verbose="error")
    evoked = epochs.average().pick(ROI)
    _, _, amplitude = evoked.get_peak(
        tmin=0.085, tmax=0.14, mode="neg", return_amplitude=True
    )
    return float(amplitude) * 1e6


def mne_lazy(path: Path) -> float:
    """Return the N100 amplitude (µV) by MNE alone, epochs not preloaded."""
    return mne_only(path, preload=False)


def ours(path: Path) -> float:
    """Return the N100 amplitude (µV) by ``extract_tms_eeg``."""
    return extract_tms_eeg(path).markers["tep_n100_amp_uv"]


def standard(path: Path, **options: float) -> float:
    """Return the N100 amplitude (µV) by the ``standard`` pipeline."""
    chosen = TmsEegOptions(pipeline="standard", **options)  # type: ignore[arg-type]
    return extract_tms_eeg(path, chosen).markers["tep_n100_amp_uv"]


def artifacts(n_patients: int, folder: Path) -> None:
    """Print both pipelines' speed and N100 error on planted artifacts."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo
    from tests.raw._tep_artifacts import truth as artifact_truth
    from tests.raw._tep_artifacts import write_artifact_recording

    files = [
        write_artifact_recording(folder / f"a{i}.npz", seed=i)
        for i in range(n_patients)
    ]
    print(f"\nplanted decay + TMS-evoked muscle, {n_patients} patients:")
    print(
        f"{'pipeline':12s} {'patients/s':>10s} {'median |N100 err| µV':>22s} "
        f"{'(range)':>12s} {'trials kept':>12s}"
    )
    for name in ("minimal", "standard"):
        options = TmsEegOptions(pipeline=name)  # type: ignore[arg-type]
        start = time.perf_counter()
        got = [extract_tms_eeg(f, options) for f in files]
        took = time.perf_counter() - start
        found = np.array([g.markers["tep_n100_amp_uv"] for g in got])
        err = np.abs(found - artifact_truth())
        kept = [int(g.qc["trials_kept"]) for g in got]
        print(
            f"{name:12s} {n_patients / took:10.2f} {np.median(err):22.2f} "
            f"{f'{err.min():.2f}-{err.max():.2f}':>12s} "
            f"{f'{min(kept)}-{max(kept)}':>12s}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=5)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--sfreq", type=float, default=5000.0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--artifact-patients", type=int, default=6)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        files, truth = [], []
        start = time.perf_counter()
        for i in range(args.patients):
            n100 = float(rng.normal(-5.5, 2.0))
            markers = {"tep_n100_amp_uv": n100}
            path = write_tms_eeg(
                Path(tmp) / f"p{i}-epo.fif",
                markers,
                fmt="fif",
                seed=i,
                n_trials=args.trials,
                n_channels=args.channels,
                sfreq=args.sfreq,
            )
            files.append(path)
            truth.append(n100)
        write_s = time.perf_counter() - start
        size_mb = sum(f.stat().st_size for f in files) / len(files) / 1e6
        routes = {
            "extract_tms_eeg (minimal)": ours,
            "MNE-only, preload=True": mne_only,
            "MNE-only, preload=False": mne_lazy,
            "extract_tms_eeg (standard)": standard,
        }
        best = dict.fromkeys(routes, np.inf)
        found: dict[str, list[float]] = {}
        for _ in range(args.repeats):
            for name, route in routes.items():
                start = time.perf_counter()
                found[name] = [route(f) for f in files]
                best[name] = min(best[name], time.perf_counter() - start)
    cpu = platform.processor() or platform.machine()
    print(f"machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"{args.patients} patients, {args.channels} channels, {args.trials} trials, "
        f"{args.sfreq:g} Hz, {size_mb:.0f} MB per -epo.fif "
        f"(written in {write_s / args.patients:.1f} s each)"
    )
    header = f"{'route':32s} {'patients/s':>10s} {'s/patient':>10s}"
    print(f"{header} {'|N100 err| µV':>14s}")
    for name in routes:
        err = np.abs(np.array(found[name]) - np.array(truth))
        print(
            f"{name:32s} {args.patients / best[name]:10.2f} "
            f"{best[name] / args.patients:10.2f} {err.mean():14.2f}"
        )
    ours_s, eager_s, lazy_s, _ = best.values()
    print(f"time ratio minimal / MNE-only preload=True: {ours_s / eager_s:.2f}")
    print(f"time ratio minimal / MNE-only preload=False: {ours_s / lazy_s:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        artifacts(args.artifact_patients, Path(tmp))


if __name__ == "__main__":
    main()
