"""Recordings written by other tools (pyedflib, pybv, mne.export), not ours.

A small generator of its own: continuous TMS-EEG with a known TEP (Gaussian
N45/P60/N100/P180 over a left-frontal topography), optional non-EEG channels
(a 1 mV ECG typed as EEG), and resting EEG with a known alpha peak and band
powers; the writers are pyedflib (EDF with chosen labels and units), pybv
(BrainVision) and MNE (``mne.export``, FIF with digitised positions).
"""

from __future__ import annotations

from pathlib import Path

import mne
import numpy as np

#: 10-20 channels plus the F3 neighbours the TEP ROI uses.
CHANNELS = (
    "Fp1 Fp2 F7 F3 Fz F4 F8 T7 C3 Cz C4 T8 P7 P3 Pz P4 P8 O1 O2 F1 FC3 F5 FC1 AF3"
).split()
SFREQ = 1000.0
#: (amplitude µV at F3, latency ms, width ms) of the planted TEP components.
TEP = {"n45": (-2.0, 45, 5), "p60": (3.0, 62, 5), "n100": (-6.0, 110, 12)}
TEP["p180"] = (4.0, 190, 20)
SPACING_S = 1.2  # between pulses


def _positions() -> dict[str, np.ndarray]:
    from predict.raw._channels import normalise, standard_head_positions

    pos = standard_head_positions()
    return {c: pos[normalise(c)] for c in CHANNELS}


def tep_waveform(times_ms: np.ndarray) -> np.ndarray:
    """The planted TEP at F3 (µV)."""
    return sum(
        a * np.exp(-((times_ms - lat) ** 2) / (2 * w**2)) for a, lat, w in TEP.values()
    )


def gains() -> dict[str, float]:
    """TEP gain per channel: Gaussian falloff (5 cm) from F3."""
    pos = _positions()
    return {
        c: float(np.exp(-np.sum((pos[c] - pos["F3"]) ** 2) / (2 * 0.05**2)))
        for c in CHANNELS
    }


def roi_n100(roi: tuple[str, ...] = ("F3", "F1", "FC3")) -> float:
    """The noiseless N100 (µV) of the mean of ``roi``: the truth to recover."""
    times_ms = np.arange(85, 141.0)
    weight = np.mean([gains()[c] for c in roi])
    return float((weight * tep_waveform(times_ms)).min())


def tms_eeg_continuous(
    n_pulses: int = 30, *, noise_uv: float = 1.0, seed: int = 0, ecg: bool = False
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Continuous TMS-EEG (channels x samples, µV), names, pulse onsets (s)."""
    rng = np.random.default_rng(seed)
    gain = np.array(list(gains().values()))
    n = int((n_pulses * SPACING_S + 1.0) * SFREQ)
    data = rng.normal(0, noise_uv, (len(CHANNELS), n))
    onsets = 0.6 + SPACING_S * np.arange(n_pulses)
    times_ms = np.arange(-500, 501.0)
    wave = tep_waveform(times_ms)
    for onset in onsets:
        i = int(round(onset * SFREQ))
        data[:, i - 500 : i + 501] += np.outer(gain, wave)
    names = list(CHANNELS)
    if ecg:  # 1 mV R waves at 70 beats/min
        beat = np.zeros(n)
        beat[:: int(SFREQ * 60 / 70)] = 1000.0
        kernel = np.exp(-(np.arange(-20, 21) ** 2) / 20.0)
        data = np.vstack([data, np.convolve(beat, kernel, "same")])
        names.append("ECG")
    return data, names, onsets


def _eight_chars(x: float) -> float:
    """``x`` rounded to what an EDF header's 8 characters hold with a sign."""
    if x < 0.01:  # pyedflib writes small numbers as decimals: a power of ten
        return float(10 ** np.ceil(np.log10(x)))
    return next(
        float(text)
        for digits in range(7, 0, -1)
        if len("-" + (text := f"{x:.{digits}g}")) <= 8
    )


def write_pyedflib(
    path: Path,
    data_uv: np.ndarray,
    labels: list[str],
    onsets: np.ndarray | None = None,
    *,
    unit: str = "uV",
    scale: float = 1.0,
    annotation: str = "TMS",
    sfreq: float = SFREQ,
) -> Path:
    """Write an EDF+ with pyedflib: ``data_uv * scale`` under ``unit``."""
    import pyedflib.highlevel as edf

    values = np.asarray(data_uv, dtype=float) * scale
    peak = _eight_chars(float(np.abs(values).max()) * 1.1 or 1.0)
    headers = edf.make_signal_headers(
        labels,
        dimension=unit,
        sample_frequency=sfreq,
        physical_min=-peak,
        physical_max=peak,
    )
    header = edf.make_header()
    if onsets is not None:
        header["annotations"] = [[float(t), -1, annotation] for t in onsets]
    edf.write_edf(str(path), values, headers, header)
    return path


def write_pybv(
    folder: Path,
    stem: str,
    data_uv: np.ndarray,
    names: list[str],
    onsets: np.ndarray,
    *,
    description: str = "TMS",
    bad: tuple[float, float] | None = None,
) -> Path:
    """Write BrainVision with pybv; markers ``Comment/<description>``."""
    from pybv import write_brainvision

    events = [
        {"onset": int(round(t * SFREQ)), "description": description, "type": "Comment"}
        for t in onsets
    ]
    if bad is not None:
        start, stop = (int(round(t * SFREQ)) for t in bad)
        events.append(
            {
                "onset": start,
                "duration": stop - start,
                "description": "BAD_segment",
                "type": "Comment",
            }
        )
    write_brainvision(
        data=np.asarray(data_uv) * 1e-6,
        sfreq=SFREQ,
        ch_names=names,
        fname_base=stem,
        folder_out=folder,
        events=events,
        unit="µV",
        overwrite=True,
    )
    return folder / f"{stem}.vhdr"


def rest_eeg_raw(
    *, seconds: float = 40.0, seed: int = 0, iaf: float = 10.0
) -> mne.io.RawArray:
    """Resting EEG with 10-10 names: alpha at ``iaf`` stronger at the back."""
    rng = np.random.default_rng(seed)
    pos = _positions()
    n = int(seconds * SFREQ / 4)
    sfreq = SFREQ / 4
    t = np.arange(n) / sfreq
    rows = []
    for k, name in enumerate(CHANNELS):
        back = 1 / (1 + np.exp(pos[name][1] / 0.02))  # y < 0 is posterior
        left = 1.0 + 0.3 * (pos[name][0] < 0)  # more alpha on the left
        alpha = (4 + 16 * back) * left * np.sin(2 * np.pi * iaf * t + k)
        theta = (3 + 3 * (pos[name][1] > 0)) * np.sin(2 * np.pi * 6 * t + 2 * k)
        rows.append(alpha + theta + rng.normal(0, 3, n))
    info = mne.create_info(list(CHANNELS), sfreq, "eeg")
    return mne.io.RawArray(np.array(rows) * 1e-6, info, verbose="error")
