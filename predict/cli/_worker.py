"""``rtms-predict worker``: run trials of the Optuna studies of ``train`` jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

__all__ = ["worker"]


def worker(
    storage: Annotated[
        str,
        typer.Option(
            help="Optuna storage URL that 'train --storage' uses "
            "(postgresql://user@host/db or sqlite:///studies.db)."
        ),
    ],
    study: Annotated[
        str | None,
        typer.Option(
            help="A study name or a train job's prefix (rtms-KEY) as train prints "
            "it (default: every rtms-predict study in the storage)."
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            "-d",
            help="Cohort table (default: the file train read, on a shared "
            "filesystem); must be the same data.",
        ),
    ] = None,
    visits: Annotated[
        Path | None,
        typer.Option(
            "--visits",
            help="Visits table, for a train job whose config has predict_at "
            "(the same file train read).",
        ),
    ] = None,
    wait: Annotated[
        float,
        typer.Option(
            help="Seconds to wait for the studies to appear (workers started "
            "together with train).",
            min=0,
        ),
    ] = 60.0,
) -> None:
    """Join shared Optuna studies and run trials until each has all of them.

    Start any number of workers, on any machine that reaches the storage and
    the cohort table; each rebuilds the same objective as the coordinating
    ``train`` (checked by the table's fingerprint) and exits when every study
    it serves is finished.
    """
    from predict.cli._app import out_console
    from predict.evaluation import run_worker
    from predict.evaluation._shared import redact_url

    where = escape(redact_url(storage))
    out_console.print(f"Worker joining studies in {where}", highlight=False)

    def report(name: str, n: int) -> None:
        out_console.print(f"{escape(name)}: ran {n} trials", highlight=False)

    ran = run_worker(
        storage, study, data=data, visits=visits, wait=wait, on_trials=report
    )
    total = sum(ran.values())
    out_console.print(
        f"All {len(ran)} studies finished; this worker ran {total} trials.",
        highlight=False,
    )
