"""``rtms-predict qc``: a page of every raw recording's quality control."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

__all__ = ["qc"]


def qc(
    data: Annotated[Path, typer.Argument(help="Cohort table naming raw files.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML page to write.")],
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="YAML config whose raw: block reads the files."
        ),
    ] = None,
) -> None:
    """Read every raw file and write one HTML page to scroll through.

    Per patient: the QC figures (trials kept, channels, stand-ins, components
    removed, ...), the TEP (butterfly, ROI trace with its peaks, GMFP) and
    the resting spectrum with the IAF; files that gave no markers at the top.
    Patient ids appear in clear: the page stays with the lab.
    """
    from predict._atomic import atomic_path
    from predict.cli._app import out_console, read_cohort_reporting
    from predict.exceptions import UsageError
    from predict.raw import RawOptions
    from predict.raw._qc_figures import render_qc_page

    options = RawOptions()
    if config is not None:
        from predict.config import load_config

        options = load_config(config).raw
    options = options.model_copy(update={"on_error": "missing"})
    cohort = read_cohort_reporting(data, raw=options)
    report = cohort.raw_report
    if report is None:
        raise UsageError(
            f"'{data}' names no raw file: expected a path column (tms_eeg_path, "
            "rest_eeg_path, fc_matrix_path, emg_trials_path) with file names."
        )
    page = render_qc_page(report, f"Raw recordings of {data.name}")
    with atomic_path(out) as tmp:
        tmp.write_text(page, encoding="utf-8")
    out_console.print(
        f"{escape(report.summary())} QC page: [bold]{escape(str(out))}[/bold]",
        soft_wrap=True,
    )
