"""Start ``khabar worker`` with some Celery settings overridden, to measure what they cost.

Used by ``bench_celery.py --compare``; the overrides come as JSON in the
environment variable ``KHABAR_BENCH_CELERY_CONF``.  Arguments are those of
``khabar worker``.  Task events stay on unless the overrides turn
``worker_send_task_events`` off.
"""

from __future__ import annotations

import json
import os
import sys

import articles  # noqa: F401  - puts the project root on sys.path


def main() -> None:
    from worker import app as mod
    from worker.cli.main import app as cli

    overrides = json.loads(os.environ.get("KHABAR_BENCH_CELERY_CONF", "{}"))
    mod.app.conf.update(overrides)
    if overrides.get("worker_send_task_events") is False:
        # `khabar worker` passes -E, which would turn the events back on.
        original = mod.app.worker_main
        mod.app.worker_main = lambda argv: original([a for a in argv if a != "-E"])  # type: ignore[method-assign]
    sys.argv = ["khabar", "worker", *sys.argv[1:]]
    cli()


if __name__ == "__main__":
    main()
