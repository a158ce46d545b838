"""The ``khabar`` command line."""

from khabar.worker.cli.main import app, main

__all__ = ["app", "main"]
