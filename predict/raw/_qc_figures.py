"""Quality-control pictures of raw recordings, and the ``rtms-predict qc`` page.

Per patient with a TMS-EEG file: a butterfly plot of every channel's
average, the ROI trace with the measured N45/P60/N100/P180 marked, and the
GMFP; with a resting-EEG file: the posterior spectrum (log power) with the
IAF marked. :func:`write_qc_figures` writes them as PNGs (training logs them
beside ``raw_qc.csv`` under salted-hash names); :func:`render_qc_page` puts
them, the QC figures and the failures on one self-contained HTML page.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from predict.raw._step import RawReport

__all__ = ["render_qc_page", "spectrum_figure", "tep_figure", "write_qc_figures"]

_DRAWN = {"tms_eeg_path": "tms_eeg", "rest_eeg_path": "rest_eeg"}


def tep_figure(signals: Mapping[str, Any], title: str = "") -> Figure:
    """Return the TEP figure: butterfly, ROI trace with peaks, GMFP."""
    from matplotlib.figure import Figure

    t = np.asarray(signals["times_ms"])
    data = np.asarray(signals["average_uv"])
    show = (t >= -100) & (t <= 350)
    roi = data[list(signals["roi"])].mean(axis=0)
    fig = Figure(figsize=(9, 2.6), dpi=80, layout="constrained")
    axes = fig.subplots(1, 3, sharex=True)
    axes[0].plot(t[show], data[:, show].T, lw=0.5, color="0.4")
    axes[0].set_title("butterfly (µV)")
    axes[1].plot(t[show], roi[show], color="C0")
    names = [signals["ch_names"][i] for i in signals["roi"]]
    axes[1].set_title(f"ROI {','.join(names)} (µV)")
    for name, (lat, amp) in signals["peaks"].items():
        axes[1].plot([lat], [amp], "o", color="C3", ms=4)
        axes[1].annotate(
            name.upper(),
            (lat, amp),
            fontsize=7,
            xytext=(2, 2),
            textcoords="offset points",
        )
    axes[2].plot(t[show], data[:, show].std(axis=0), color="C2")
    axes[2].set_title("GMFP (µV)")
    for ax in axes:
        ax.axvline(0, color="C1", lw=0.6)
        ax.set_xlabel("ms")
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


def spectrum_figure(signals: Mapping[str, Any], title: str = "") -> Figure:
    """Return the resting spectrum figure with the IAF marked."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 2.6), dpi=80, layout="constrained")
    ax = fig.subplots()
    ax.semilogy(signals["freqs"], signals["psd"], color="C0")
    ax.axvspan(*signals["iaf_band"], color="0.9")
    iaf = signals["iaf_hz"]
    if np.isfinite(iaf):
        ax.axvline(iaf, color="C3", lw=1)
        ax.set_title(f"posterior spectrum, IAF {iaf:.2f} Hz", fontsize=9)
    else:
        ax.set_title("posterior spectrum, no alpha peak", fontsize=9)
    ax.set_xlabel("Hz")
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


def _figures(signals: Mapping[str, Mapping[str, Any]]) -> dict[str, Figure]:
    out = {}
    if "tms_eeg_path" in signals:
        out["tms_eeg"] = tep_figure(signals["tms_eeg_path"])
    if "rest_eeg_path" in signals:
        out["rest_eeg"] = spectrum_figure(signals["rest_eeg_path"])
    return out


def write_qc_figures(
    report: RawReport, folder: str | Path, names: Mapping[str, str]
) -> list[Path]:
    """Write each patient's QC pictures as ``<name>_<modality>.png``.

    Parameters
    ----------
    report : RawReport
        From reading the files (its ``signals``).
    folder : str or path-like
        Created if needed.
    names : mapping of str to str
        Patient id -> the name its files get (a salted hash in MLflow).

    Returns
    -------
    paths : list of pathlib.Path
    """
    folder = Path(folder)
    written = []
    for pid, signals in report.signals.items():
        for modality, fig in _figures(signals).items():
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{names[pid]}_{modality}.png"
            fig.savefig(path)
            written.append(path)
    return written


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def render_qc_page(report: RawReport, title: str) -> str:
    """Return a self-contained HTML page: per patient, QC figures and pictures."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;"
        "margin:2em}} table{{border-collapse:collapse;font-size:12px}} td,th{{"
        "border:1px solid #ccc;padding:2px 6px}} .bad{{color:#b00}}</style>"
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(report.summary())}</p>",
    ]
    failures = [(pid, c, why) for c, f in report.failed.items() for pid, why in f]
    if failures:
        parts.append("<h2>Files that gave no markers</h2><ul>")
        parts += [
            f"<li class='bad'><b>{html.escape(pid)}</b> ({html.escape(c)}): "
            f"{html.escape(why)}</li>"
            for pid, c, why in failures
        ]
        parts.append("</ul>")
    qc = report.qc
    for pid in qc.index:
        parts.append(f"<h2>{html.escape(str(pid))}</h2>")
        row = qc.loc[pid].dropna()
        cells = "".join(
            f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in row.items()
        )
        parts.append(f"<table>{cells}</table>")
        for modality, fig in _figures(report.signals.get(str(pid), {})).items():
            parts.append(
                f"<p><img alt='{modality}' src='data:image/png;base64,{_png(fig)}'></p>"
            )
    parts.append("</body></html>")
    return "\n".join(parts)
