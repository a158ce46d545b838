"""A soft time limit that reaches a pool process between tasks is ignored.

billiard's main process tells a pool process that its task ran past the soft time
limit with SIGUSR1, and the pool process raises SoftTimeLimitExceeded wherever it
is.  A main process held up for a few seconds (reconnecting to a restarted Redis
blocks it) can send that signal late, after the task has ended: the exception then
lands in billiard's own loop, possibly half-way through writing a result to the
main process, and the whole worker stops with "Unrecoverable error:
UnpicklingError" (seen in tests/reliability/test_redis_restart.py).  Installed
before the pool forks, this handler raises only while a task is running.
"""

from __future__ import annotations

from typing import Any

from billiard.exceptions import SoftTimeLimitExceeded
from celery import signals

from khabar.worker import upstream

_running = False  # per process: set around each task's run in a pool process


def soft_timeout_handler(signum: int, frame: Any) -> None:
    if _running:
        raise SoftTimeLimitExceeded()


@signals.task_prerun.connect
def _task_started(**_: Any) -> None:
    global _running
    _running = True


@signals.task_postrun.connect
def _task_ended(**_: Any) -> None:
    global _running
    _running = False


def install() -> None:
    """Make pool processes forked from now on install ``soft_timeout_handler`` (billiard looks it up then)."""
    upstream.install_soft_timeout_handler(soft_timeout_handler)
