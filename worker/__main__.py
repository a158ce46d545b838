"""``python -m khabar.worker`` runs the ``khabar`` command line."""

from khabar.worker.cli import main

main()
