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
from celery.exceptions import Reject, Retry
from celery.signals import task_received
from celery.worker.request import Request
from celery_batches import Batches, SimpleRequest
from celery_batches.trace import apply_batches_task

from khabar.tasks.errors import EXPECTED, TRANSIENT, InvalidArticle, Reason
from khabar.tasks.pipeline import INTAKE, STAGES, Stage
from khabar.tasks.validate import usable_id
from khabar.worker.execute import RECEIVED, REQUEUE, Malformed, Submission, refs_of, run_stage, take_in
from khabar.worker.routing import BATCH_TASK, INTAKE_TASK, stage_of_task, stage_task_name
from khabar.worker.runtime import main_store, settings_of

log = logging.getLogger("khabar.tasks")
WANTS_RESULT = "khabar_wants_result"  # request field: the sender of a khabar.process_batch waits on its result
NOT_NOTED: tuple[type[BaseException], ...] = (*TRANSIENT, InvalidArticle)  # Redis away, or a message not ours


def note_hard_timeout(task: Task, task_id: str, args: Any) -> None:
    """Note on the article that a hard time limit killed this delivery, the one death a task cannot record.

    The worker's main process kills the child, then (task_acks_on_failure_or_timeout off) requeues the
    message: a stage stalled by a Redis outage gets another go, and a stage that hangs every
    time hits the redelivery cap and fails as ``timeout`` rather than ``crashed``.  A message
    of several articles needs no note: its next delivery is split.
    """
    stage = stage_of_task(task.name)
    try:
        if task.name == BATCH_TASK:
            if not (args and isinstance(args[0], list) and len(args[0]) == 1):
                return
            article_id = usable_id(args[0][0]) or f"task-{task_id}"
        elif stage is None or task.name == INTAKE_TASK:
            return
        else:
            refs = refs_of(args[0] if args else [])
            if len(refs) != 1:
                return
            article_id = refs[0].id
        main_store(task.app).note_death(article_id, stage or INTAKE, Reason.TIMEOUT.value)
    except NOT_NOTED:
        log.exception("could not note the hard time limit of task %s", task_id)


class NotingRequest(Request):  # type: ignore[misc]
    """Celery's request (in the main process), noting hard time limits (Celery's documented custom-request seam).

    It also hands a message whose keyword arguments are not a mapping (``null`` from celery-node
    without kwargs) to the task instead of letting Celery's trace fail it before any khabar code
    runs (which only logs it): ``null`` is read as no keyword arguments; anything else as a keyword
    argument khabar's tasks do not take, so the task records the payload as ``malformed_payload``.
    """

    def on_timeout(self, soft: bool, timeout: float) -> None:
        super().on_timeout(soft, timeout)
        if not soft:
            note_hard_timeout(self.task, self.id, self.args)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        given: Any = self._request_dict.get("kwargs")
        if not isinstance(given, dict):  # the body goes to the child decoded, with kwargs mended
            fixed = {} if given is None else {"kwargs": type(given).__name__}
            embed = self._payload[2] if len(self._payload) > 2 else {}
            self._kwargs = self._request_dict["kwargs"] = fixed
            self._body = (list(self._args or ()), fixed, embed)
            self._decoded, self._content_type, self._content_encoding = True, None, None


class KhabarTask(Task):  # type: ignore[misc]
    Request = NotingRequest


class Coalescing(Batches):  # type: ignore[misc]
    # Celery's own events for the intake tasks are off: the worker sends their task-received (with
    # ids and sizes, no text: ``announce_received``) and ends them when their articles end
    # (``khabar.worker.execute._announce``).  celery-batches sends none of its own.
    send_events = False

    """celery-batches' buffering task: the main process gathers ``khabar.process_article`` messages
    and hands up to ``batch_size`` of them to one child after at most ``intake_flush_seconds``.

    A message sent alone thus costs one pool hand-off per batch, not per article, and its
    article goes down the stages with the others of its batch.  ``flush`` is celery-batches'
    documented override point; this one also puts the messages back when the child is lost
    (as ``task_reject_on_worker_lost`` does for ordinary tasks) or when the batch asks to.
    """

    @property
    def flush_every(self) -> int:  # type: ignore[override]
        return settings_of(self.app).batch_size

    @property
    def flush_interval(self) -> float:  # type: ignore[override]
        return settings_of(self.app).intake_flush_seconds

    def flush(self, requests: Any) -> Any:
        simple = [SimpleRequest.from_request(r) for r in requests]

        def returned(result: Any) -> None:
            for request in requests:
                if result == REQUEUE:
                    request.reject(requeue=True)
                else:
                    request.acknowledge()

        def lost(exc: Any) -> None:
            for request in requests:
                request.reject(requeue=True)

        return self._pool.apply_async(apply_batches_task, (self, (simple,), 0, None), callback=returned,
                                      error_callback=lost)


@shared_task(name=INTAKE_TASK, bind=True, base=Coalescing, ignore_result=True)
def process_article(self: Task, requests: list[Any]) -> str | None:
    """Take articles sent one per message in, together; each sender's result (unless it asked for none)
    is its article id once the document is stored, or its rejection."""
    subs = []
    if requests and getattr(requests[0], "hostname", None):
        self.request.hostname = requests[0].hostname  # the worker that ends these tasks in Flower
    for request in requests:
        raw = request.kwargs
        kwargs = raw if isinstance(raw, dict) else {} if raw is None else {"kwargs": type(raw).__name__}
        args = list(request.args or ())
        payload: Any = args[0] if len(args) == 1 and not kwargs else Malformed(
            f"khabar.process_article takes one argument, the payload; got {len(args)} positional and "
            f"{len(kwargs)} keyword argument(s)")
        headers = request.request_dict or {}
        # The sender's own word (the message header): request.ignore_result falls back on this task's
        # ignore_result (True: a result is stored only for senders that wait, by the last stage).
        reply = "" if headers.get("ignore_result") is True else str(request.id)
        subs.append(Submission(payload, str(request.id), reply=reply, received=int(headers.get(RECEIVED) or 0)))
    try:
        take_in(self, subs)
    except Reject:
        return REQUEUE  # Redis failed where nothing could be recorded: the messages go back whole
    return None


class IntakeTask(KhabarTask):
    send_events = False  # as for Coalescing: the worker sends this task's events itself


@shared_task(name=BATCH_TASK, bind=True, base=IntakeTask, throws=EXPECTED, ignore_result=True)
def process_batch(self: Task, *args: Any, **kwargs: Any) -> None:
    """Take many articles in, each kept apart from the others; the task ends when they all have."""
    payloads = args[0] if len(args) == 1 and not kwargs else None
    if not isinstance(payloads, list) or not payloads:
        what = f" (a {type(payloads).__name__})" if payloads is not None else ""
        payloads = [Malformed(f"khabar.process_batch takes one argument, a non-empty list of payloads; got "
                              f"{len(args)} positional and {len(kwargs)} keyword argument(s){what}")]
    task_id, received = str(self.request.id), int(self.request.get(RECEIVED) or 0)
    retries = int(self.request.retries or 0)
    # Celery stores no result when the task returns (see announce_received): the result comes when the articles end.
    reply = task_id if self.request.get(WANTS_RESULT) else ""
    take_in(self, [Submission(p, task_id, n, len(payloads), reply=reply, received=received, retries=retries)
                   for n, p in enumerate(payloads)])


def _register(stage: Stage) -> Task:
    def run(self: Task, refs: Any) -> dict[str, Any] | None:
        return run_stage(self, stage, refs)

    run.__name__ = f"stage_{stage.name}"
    run.__doc__ = f"Run the {stage.name} stage over the articles of a message."
    return shared_task(name=stage_task_name(stage.name), bind=True, base=KhabarTask, throws=(*EXPECTED, Retry),
                       ignore_result=True)(run)


stage_tasks = {stage.name: _register(stage) for stage in STAGES}


# --- what Flower shows of an intake message: ids and sizes, never article text ----------------


def describe_payload(payload: Any) -> dict[str, Any] | str:
    """A payload as Flower may show it: its id and how long its text is."""
    if not isinstance(payload, dict):
        return f"<{type(payload).__name__}>"
    out: dict[str, Any] = {"id": usable_id(payload) or None}
    for key in ("text", "html"):
        if isinstance(payload.get(key), str):
            out[key + "_chars"] = len(payload[key])
    return out


def describe_args(task_name: str, args: Any) -> str:
    """``argsrepr`` of an intake message: ids and sizes of its payloads (at most 5 named)."""
    args = list(args) if isinstance(args, list | tuple) else [args]
    if task_name == BATCH_TASK and len(args) == 1 and isinstance(args[0], list):
        items = args[0]
        shown: list[Any] = [describe_payload(p) for p in items[:5]]
        if len(items) > 5:
            shown.append(f"... {len(items) - 5} more")
        return repr([shown])
    return repr([describe_payload(a) for a in args[:5]])


@task_received.connect(weak=False)
def announce_received(request: Any = None, **_: Any) -> None:
    """In the worker's main process: hide article text from every khabar task Flower shows, and send
    the intake tasks' task-received event (Celery's own is off for them, see ``Coalescing``).

    Whatever a sender put in ``argsrepr``/``kwargsrepr`` (a plain Celery client puts the payload
    itself), an intake task shows its payloads' ids and sizes, and no keyword argument values.
    """
    name = getattr(request, "name", None)
    if not isinstance(name, str) or not name.startswith("khabar."):
        return
    if name in (INTAKE_TASK, BATCH_TASK):
        if name == BATCH_TASK:  # its result is stored when its articles end, not when the task returns
            # the sender's word (the header), not request.ignore_result, which falls back on the task's
            request.request_dict[WANTS_RESULT] = request.request_dict.get("ignore_result") is not True
            request.request_dict["ignore_result"] = True
        request._argsrepr = describe_args(name, request.args)
        kwargs = request.kwargs
        request._kwargsrepr = repr(sorted(kwargs)) if isinstance(kwargs, dict) and kwargs else "{}"
        eventer = request.eventer
        if eventer is not None and eventer.enabled:
            eventer.send("task-received", uuid=request.id, name=name, args=request._argsrepr,
                         kwargs=request._kwargsrepr, root_id=request.root_id, parent_id=request.parent_id,
                         retries=request.request_dict.get("retries", 0))
    elif stage_of_task(name) is not None:
        request._argsrepr = repr([[[r.id, r.gen] for r in refs_of(request.args[0])]]) if _refs_ok(request) else \
            f"<{len(request.args or ())} argument(s)>"
        request._kwargsrepr = "{}"


def _refs_ok(request: Any) -> bool:
    try:
        return len(request.args or ()) == 1 and bool(refs_of(request.args[0]))
    except InvalidArticle:
        return False
