"""khabar's Celery tasks: thin names over the one path in ``khabar.worker.execute``.

* ``khabar.process_article(payload)``: one article, as other systems send it;
* ``khabar.process_batch([payload, ...])``: many, as ``khabar submit`` and ``backfill`` send them;
* ``khabar.stage.<stage>([[id, gen], ...])``: one stage over the articles of a message, one task
  per stage of ``khabar.tasks.pipeline.STAGES``, each on its own queue (``khabar.worker.routing``).

All three run the same code for one article or many.  The module never imports the app
(``shared_task``): the app finds it by name (``include=``).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task
from celery.exceptions import Retry, TimeLimitExceeded

from khabar.tasks.errors import EXPECTED, TRANSIENT, InvalidArticle, Reason
from khabar.tasks.pipeline import INTAKE, STAGES, Stage
from khabar.tasks.validate import usable_id
from khabar.worker.execute import Malformed, refs_of, run_stage, take_in
from khabar.worker.routing import BATCH_TASK, INTAKE_TASK, stage_of_task, stage_task_name
from khabar.worker.runtime import main_store

log = logging.getLogger("khabar.tasks")


class KhabarTask(Task):  # type: ignore[misc]
    """Notes a hard time limit, the one death a task cannot record itself.

    The worker's main process kills the child, then (task_acks_on_timeout off)
    requeues the message: a stage stalled by a Redis outage gets another go, and a
    stage that hangs every time hits the redelivery cap and fails as ``timeout``.
    A message of several articles needs no note: its next delivery is split.
    """

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        if not isinstance(exc, TimeLimitExceeded):
            return  # recorded by the task itself
        stage = stage_of_task(self.name)
        try:
            if self.name == INTAKE_TASK:
                article_id = usable_id(args[0] if args else None) or f"task-{task_id}"
            elif self.name == BATCH_TASK or stage is None:
                return
            else:
                refs = refs_of(args[0] if args else [])
                if len(refs) != 1:
                    return
                article_id = refs[0].id
            main_store(self.app).note_death(article_id, stage or INTAKE, Reason.TIMEOUT.value)
        except (*TRANSIENT, InvalidArticle):
            log.exception("could not note the hard time limit of task %s", task_id)


@shared_task(name=INTAKE_TASK, bind=True, base=KhabarTask, throws=EXPECTED, ignore_result=True,
             store_errors_even_if_ignored=True)
def process_article(self: Task, *args: Any, **kwargs: Any) -> None:
    """Take one article in; its sender's result (unless it asked for none) is the article id once done."""
    payload: Any = args[0] if len(args) == 1 and not kwargs else Malformed(
        f"khabar.process_article takes one argument, the payload; got {len(args)} positional and "
        f"{len(kwargs)} keyword argument(s)")
    take_in(self, [payload], single=True)


@shared_task(name=BATCH_TASK, bind=True, base=KhabarTask, throws=EXPECTED, ignore_result=True)
def process_batch(self: Task, *args: Any, **kwargs: Any) -> None:
    """Take many articles in, each kept apart from the others."""
    payloads = args[0] if len(args) == 1 and not kwargs else None
    if not isinstance(payloads, list) or not payloads:
        what = f" (a {type(payloads).__name__})" if payloads is not None else ""
        payloads = [Malformed(f"khabar.process_batch takes one argument, a non-empty list of payloads; got "
                              f"{len(args)} positional and {len(kwargs)} keyword argument(s){what}")]
    take_in(self, payloads, single=False)


def _register(stage: Stage) -> Task:
    def run(self: Task, refs: Any) -> None:
        run_stage(self, stage, refs)

    run.__name__ = f"stage_{stage.name}"
    run.__doc__ = f"Run the {stage.name} stage over the articles of a message."
    return shared_task(name=stage_task_name(stage.name), bind=True, base=KhabarTask, throws=(*EXPECTED, Retry),
                       ignore_result=True)(run)


stage_tasks = {stage.name: _register(stage) for stage in STAGES}
