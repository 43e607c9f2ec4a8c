"""``rtms-predict validate``: check a cohort table and summarise it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from predict.cli._app import visits_option

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

    from predict.cohort import Cohort, CohortSummary
    from predict.raw import RawOptions

__all__ = ["render_site_effects", "render_summary", "render_visits", "validate"]


def _fmt_rate(rate: float | None) -> str:
    return "n/a" if rate is None else f"{100 * rate:.1f} %"


def render_summary(summary: CohortSummary, console: Console) -> None:
    """Print a cohort summary as rich tables."""
    from rich.table import Table

    overview = Table(title="Cohort", show_header=False)
    overview.add_row("patients", str(summary.n_patients))
    sites = escape(", ".join(f"{k} ({v})" for k, v in summary.site_counts.items()))
    overview.add_row(
        "sites", f"{len(summary.site_counts)}: {sites}" if sites else "none"
    )
    overview.add_row("primary scale", summary.primary_scale or "none")
    overview.add_row("patients with outcome", str(summary.n_with_outcome))
    overview.add_row("response rate", _fmt_rate(summary.response_rate))
    overview.add_row("remission rate", _fmt_rate(summary.remission_rate))
    console.print(overview)

    modalities = Table(title="Modalities")
    modalities.add_column("modality")
    modalities.add_column("patients with it", justify="right")
    for name, share in summary.modality_coverage.items():
        modalities.add_row(name, f"{100 * share:.1f} %")
    console.print(modalities)

    columns = Table(title="Columns")
    for header in ("column", "modality", "% missing", "range / levels"):
        columns.add_column(header, justify="right" if header == "% missing" else "left")
    for name, row in summary.columns.iterrows():
        if row["min"] is not None and row["min"] == row["min"]:
            spread = f"{row['min']:.4g} to {row['max']:.4g}"
        else:
            spread = escape(str(row["levels"]))
        columns.add_row(
            escape(str(name)), str(row["modality"]), f"{row['pct_missing']:.1f}", spread
        )
    console.print(columns)


def render_raw_files(
    cohort: Cohort, console: Console, *, read: RawOptions | None
) -> Cohort:
    """Print how many raw files each path column names, and which are missing.

    ``mri_stats_dir`` names a folder and is checked as one.

    With ``read`` options, also read the files (every failure reported, as
    with ``on_error: missing``) and return the cohort with their markers;
    otherwise return ``cohort``.
    """
    from rich.table import Table

    from predict.cohort._messages import quote_ids

    base = cohort.base_dir or Path()
    files = Table(title="Raw recordings")
    for header in ("path column", "files named", "not found"):
        files.add_column(header)
    for column in cohort.path_columns:
        named = cohort.data[column].dropna()
        # mri_stats_dir names a FreeSurfer stats/ folder, the others a file
        exists = Path.is_dir if column == "mri_stats_dir" else Path.is_file
        absent = [pid for pid, value in named.items() if not exists(base / str(value))]
        files.add_row(
            column, str(len(named)), escape(quote_ids(absent)) if absent else "0"
        )
    console.print(files)
    if read is not None:
        cohort = cohort.read_raw(read.model_copy(update={"on_error": "missing"}))
        report = cohort.raw_report
        assert report is not None  # only called for cohorts with path columns
        console.print(escape(report.summary()), soft_wrap=True)
        for failures in report.failed.values():
            for pid, reason in failures:
                console.print(f"  {escape(pid)}: {escape(reason)}", soft_wrap=True)
    return cohort


def render_visits(cohort: Cohort, console: Console) -> None:
    """Print each visit label's patients, days and measures."""
    from rich.table import Table

    assert cohort.visits is not None
    data = cohort.visits.data
    out = Table(title=f"Visits ({len(data)} rows)")
    for header in ("visit", "patients", "median day", "days", "measured"):
        out.add_column(
            header, justify="left" if header in ("visit", "measured") else "right"
        )
    for label, median in cohort.visits.nominal_days.items():
        rows = data[data["visit"] == label]
        measured = [c for c in cohort.visits.measures if rows[c].notna().any()]
        out.add_row(
            escape(label),
            str(rows.index.nunique()),
            f"{median:g}",
            f"{rows['day'].min():g} to {rows['day'].max():g}",
            escape(", ".join(measured)),
        )
    console.print(out)


def render_site_effects(table: pd.DataFrame, console: Console) -> None:
    """Print site-prediction balanced accuracy per modality, before and after ComBat."""
    from rich.table import Table

    if table.empty:
        return
    out = Table(
        title="Site effects: balanced accuracy of predicting the site from the "
        "markers (5-fold CV; ComBat fit inside the folds)"
    )
    for header in ("modality", "patients", "sites", "chance", "before", "after"):
        out.add_column(header, justify="left" if header == "modality" else "right")
    for name, row in table.iterrows():
        out.add_row(
            str(name),
            f"{int(row['n_patients'])}",
            f"{int(row['n_sites'])}",
            f"{row['chance']:.2f}",
            f"{row['before']:.2f}",
            f"{row['after']:.2f}",
        )
    console.print(out)


def validate(
    data: Annotated[Path, typer.Argument(help="Cohort table: CSV, TSV or Parquet.")],
    primary_scale: Annotated[
        str | None, typer.Option(help="Scale outcomes derive from: hamd17 or madrs.")
    ] = None,
    read_raw: Annotated[
        bool,
        typer.Option(
            "--read-raw",
            help="Also read every raw file named by a path column, report the "
            "ones that give no markers and include the markers read in the "
            "site-effect diagnostics.",
        ),
    ] = False,
    visits: Annotated[Path | None, visits_option] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="YAML experiment config whose raw: block --read-raw reads the "
            "files with (default: the default raw options).",
        ),
    ] = None,
    data_root: Annotated[
        Path | None,
        typer.Option(
            help="Folder raw files named by path columns must stay inside "
            "(default: the table's folder)."
        ),
    ] = None,
    site_diagnostics: Annotated[
        bool,
        typer.Option(
            "--site-diagnostics",
            help="With two or more sites, show per modality how well the site is "
            "predicted from the markers, before and after ComBat (cross-validated: "
            "a few seconds).",
        ),
    ] = False,
) -> None:
    """Check a cohort table (and its visits) against the contract and summarise it.

    With ``--site-diagnostics`` and two or more sites, also shows per modality
    how well the site can be predicted from the markers before and after
    ComBat harmonisation. Exit code 2 and the list of problems when the table
    breaks the contract.
    """
    from predict.cli._app import out_console, read_cohort_reporting
    from predict.cohort import summarize_cohort

    options = None
    if config is not None:
        from predict.config import load_config

        options = load_config(config).raw
    if read_raw:
        from predict.raw import RawOptions  # the readers: imported only to read

        options = options or RawOptions()
    elif options is not None:
        from predict.exceptions import UsageError

        raise UsageError("--config sets how --read-raw reads files: add --read-raw.")
    if options is not None and data_root is not None:
        options = options.model_copy(update={"root": str(data_root)})
    cohort = read_cohort_reporting(data, primary_scale, visits)
    render_summary(summarize_cohort(cohort), out_console)
    if cohort.visits is not None:
        render_visits(cohort, out_console)
    if cohort.missing_spellings:
        counts = ", ".join(
            f"{'empty' if k == '' else repr(k)} {n}"
            for k, n in sorted(cohort.missing_spellings.items(), key=lambda x: -x[1])
        )
        out_console.print(
            f"Missing values read: {escape(counts)} (spellings accepted: empty, "
            "n/a, NA, NaN, NULL).",
            soft_wrap=True,
            highlight=False,
        )
    if cohort.path_columns:  # site effects then include markers read from files
        cohort = render_raw_files(cohort, out_console, read=options)
    if len(cohort.sites) >= 2 and site_diagnostics:
        from predict.harmonize import site_predictability  # fits models: slow

        render_site_effects(site_predictability(cohort), out_console)
    elif len(cohort.sites) >= 2:
        out_console.print(
            f"{len(cohort.sites)} sites: --site-diagnostics shows how well the "
            "markers predict the site, before and after ComBat.",
            soft_wrap=True,
            highlight=False,
        )
    out_console.print(
        f"[green]{escape(str(data))} follows the cohort contract.[/green]",
        soft_wrap=True,
    )
