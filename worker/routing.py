"""Names that senders and workers share, all derived from ``khabar.tasks.pipeline.STAGE_NAMES``.

* Task names: ``khabar.process_article`` (one payload) and ``khabar.process_batch`` (a list of
  payloads) take articles in; ``khabar.stage.<stage>`` runs one stage over the articles of a message.
* Queues: ``<prefix>`` for intake, ``<prefix>.<stage>`` for each stage.  Every queue is bound
  to the direct exchange ``<prefix>`` with its own name as its one routing key, so a message
  published with a routing key reaches exactly one queue.

Nothing else spells these names; the app, the CLI, the sweeper and the tests ask here.
"""

from __future__ import annotations

from typing import Any

from kombu import Exchange, Queue

from khabar.tasks.pipeline import INTAKE, STAGE_NAMES

INTAKE_TASK = "khabar.process_article"
BATCH_TASK = "khabar.process_batch"
STAGE_TASK_PREFIX = "khabar.stage."


def stage_task_name(stage: str) -> str:
    """The task that runs ``stage``."""
    return f"{STAGE_TASK_PREFIX}{stage}"


def stage_of_task(task_name: str) -> str | None:
    """The stage a task runs (``validate`` for the intake tasks), None for other tasks."""
    if task_name in (INTAKE_TASK, BATCH_TASK):
        return INTAKE
    if task_name.startswith(STAGE_TASK_PREFIX):
        stage = task_name[len(STAGE_TASK_PREFIX):]
        return stage if stage in STAGE_NAMES else None
    return None


def queue_name(prefix: str, stage: str | None = None) -> str:
    """The intake queue (``stage`` None or ``validate``) or a stage's queue."""
    return prefix if stage in (None, INTAKE) else f"{prefix}.{stage}"


def all_queue_names(prefix: str) -> list[str]:
    return [queue_name(prefix), *(queue_name(prefix, s) for s in STAGE_NAMES)]


def task_queues(prefix: str) -> list[Queue]:
    """One queue per routing key on one direct exchange (the routing key is the queue's name)."""
    exchange = Exchange(prefix, type="direct")
    return [Queue(name, exchange, routing_key=name) for name in all_queue_names(prefix)]


def task_routes(prefix: str) -> dict[str, dict[str, Any]]:
    """Where each task goes: exchange ``prefix``, routing key = its queue's name."""
    routes = {name: queue_name(prefix) for name in (INTAKE_TASK, BATCH_TASK)}
    routes |= {stage_task_name(s): queue_name(prefix, s) for s in STAGE_NAMES}
    return {task: {"queue": q, "exchange": prefix, "routing_key": q} for task, q in routes.items()}
