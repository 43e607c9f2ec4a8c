"""The ``rtms-predict`` command line: one module per command."""

from predict.cli._app import app, main

__all__ = ["app", "main"]
