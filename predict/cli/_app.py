"""The Typer application, error handling and command registration.

Commands import heavy libraries inside their bodies so ``rtms-predict --help``
and ``--version`` return fast.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from predict.cohort import Cohort
    from predict.raw import RawOptions

__all__ = [
    "app",
    "err_console",
    "friendly_errors",
    "main",
    "out_console",
    "read_cohort_reporting",
    "visits_option",
]

F = TypeVar("F", bound=Callable[..., Any])

out_console = Console()
err_console = Console(stderr=True)

app = typer.Typer(
    name="rtms-predict",
    help="Predict who will respond to rTMS from baseline neuroplasticity markers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
)


def friendly_errors(command: F) -> F:
    """Turn the package's own errors into a message and exit code 2.

    Unexpected errors keep their traceback; Ctrl-C stops with exit code 130.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from predict.exceptions import PredictError

        try:
            return command(*args, **kwargs)
        except PredictError as exc:
            err_console.print(
                f"[bold red]Error:[/bold red] {escape(str(exc))}",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(code=2) from None
        except KeyboardInterrupt:
            err_console.print(
                "[yellow]Interrupted: no bundle or file was written.[/yellow]"
            )
            raise typer.Exit(code=130) from None

    return wrapper  # type: ignore[return-value]


def read_cohort_reporting(
    path: Path,
    primary_scale: str | None = None,
    visits: Path | None = None,
    *,
    raw: RawOptions | None = None,
) -> Cohort:
    """Read a cohort table, its visits and (with ``raw``) its raw files.

    Warnings go to stderr.
    """
    import warnings

    from predict.cohort import read_cohort

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cohort = read_cohort(path, primary_scale=primary_scale, visits=visits, raw=raw)
    for warning in caught:
        err_console.print(
            f"[yellow]Warning:[/yellow] {escape(str(warning.message))}",
            highlight=False,
            soft_wrap=True,
        )
    return cohort


#: The ``--visits`` option of every command that reads a cohort.
visits_option = typer.Option(
    "--visits",
    help="Visits table: one row per patient and visit (patient_id, visit, day, "
    "scores, markers), CSV, TSV or Parquet; needed by configs with predict_at.",
)


def _version(value: bool) -> None:
    if value:
        from predict import __version__

        out_console.print(f"rtms-predict {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Show the version and exit.",
        ),
    ] = False,
) -> None:
    """Predict who will respond to rTMS from baseline neuroplasticity markers."""


def _register() -> None:
    from predict.cli import (
        _experiment,
        _features,
        _qc,
        _report,
        _score,
        _serve,
        _simulate,
        _train,
        _ui,
        _validate,
        _worker,
    )

    app.command("validate")(friendly_errors(_validate.validate))
    app.command("simulate")(friendly_errors(_simulate.simulate))
    app.command("features")(friendly_errors(_features.features))
    app.command("train")(friendly_errors(_train.train))
    app.command("worker")(friendly_errors(_worker.worker))
    app.command("ui")(friendly_errors(_ui.ui))
    app.command("experiment")(friendly_errors(_experiment.experiment))
    app.command("score")(friendly_errors(_score.score))
    app.command("report")(friendly_errors(_report.report))
    app.command("qc")(friendly_errors(_qc.qc))
    app.command("verify")(friendly_errors(_serve.verify))
    app.command("serve")(friendly_errors(_serve.serve))


_register()


def main() -> None:
    """Run the command line (the ``rtms-predict`` console script)."""
    sys.exit(app())
