"""The ``khabar`` command line."""

from worker.cli.main import app, main

__all__ = ["app", "main"]
