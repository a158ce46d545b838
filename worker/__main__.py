"""``python -m worker`` runs the ``khabar`` command line."""

from worker.cli import main

main()
