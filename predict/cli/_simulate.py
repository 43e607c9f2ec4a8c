"""``rtms-predict simulate``: write a synthetic cohort in the contract's names."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

__all__ = ["simulate"]


def simulate(
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Cohort table to write (.csv, .tsv, .parquet)."
        ),
    ] = Path("data/cohort.csv"),
    n: Annotated[int, typer.Option("--n", help="Number of patients.", min=10)] = 500,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same cohort.")] = 0,
    sites: Annotated[int, typer.Option(help="Number of acquisition sites.", min=1)] = 4,
    missing: Annotated[
        bool,
        typer.Option("--missing/--no-missing", help="Simulate missing modalities."),
    ] = True,
    outcomes: Annotated[
        bool,
        typer.Option(
            "--outcomes/--no-outcomes",
            help="Write the endpoint scores (--no-outcomes: new patients to score, "
            "before treatment).",
        ),
    ] = True,
    truth: Annotated[
        Path | None,
        typer.Option(
            help="Also write each patient's true response probability here "
            "(never into the cohort table)."
        ),
    ] = None,
    raw: Annotated[
        Path | None,
        typer.Option(
            help="Also write raw recordings (TMS-EEG, resting EEG, connectivity, "
            "fMRIPrep BOLD, EMG trials, FreeSurfer stats) for the patients into "
            "this folder; the table then names them in its path columns instead "
            "of giving those markers."
        ),
    ] = None,
    visits: Annotated[
        Path | None,
        typer.Option(
            "--visits",
            help="Also write the patients' visits (s1 day 0, w1 day 7, w2 day 14: "
            "markers and HAMD-17 over the course) to this table; the cohort table "
            "then gets each patient's endpoint_day.",
        ),
    ] = None,
    raw_share: Annotated[
        float,
        typer.Option(
            min=0.01,
            max=1.0,
            help="Share of each modality's patients given a raw file (the rest "
            "keep precomputed markers).",
        ),
    ] = 1.0,
) -> None:
    """Simulate a cohort with realistic markers, moderators and site effects."""
    from predict._atomic import write_table
    from predict.cli._app import out_console
    from predict.cohort import PATH_COLUMNS, simulate_cohort

    table, p_true = simulate_cohort(
        n, seed=seed, n_sites=sites, missing=missing, return_truth=True
    )
    if not outcomes:
        from predict.cohort._contract import NOT_INPUT

        table = table.drop(columns=[c for c in table if c in NOT_INPUT])
    if raw is not None:
        from predict.raw._simulate import write_raw_files

        table = write_raw_files(
            table, raw, relative_to=out.parent, share=raw_share, seed=seed
        )
        count = int(table[[c for c in PATH_COLUMNS if c in table]].notna().sum().sum())
        out_console.print(
            f"Wrote {count} raw recordings to [bold]{escape(str(raw))}[/bold]",
            soft_wrap=True,
        )
    if visits is not None:
        from predict.cohort import simulate_visits
        from predict.cohort._simulate_visits import ENDPOINT_DAY

        visit_table = simulate_visits(n, seed=seed, n_sites=sites, missing=missing)
        table = table.assign(endpoint_day=ENDPOINT_DAY)
        write_table(visit_table, visits)
        out_console.print(
            f"Wrote {len(visit_table)} visits to [bold]{escape(str(visits))}[/bold]",
            soft_wrap=True,
        )
    write_table(table, out)
    out_console.print(
        f"Wrote {len(table)} patients to [bold]{escape(str(out))}[/bold]",
        soft_wrap=True,
    )
    if truth is not None:
        write_table(p_true.to_frame(), truth, index=True)
        out_console.print(
            f"Wrote true response probabilities to [bold]{escape(str(truth))}[/bold]",
            soft_wrap=True,
        )
