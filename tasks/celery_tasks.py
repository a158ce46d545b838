"""Thin Celery tasks around the pure stages.

``khabar.process_article`` validates a JSON payload, stores the article and
replaces itself with the chain of stage tasks built from ``khabar.tasks.pipeline.STAGES`` (run under its task id).
Each stage task takes the article id, reads its inputs from the store, runs the
stage, writes its output and hands the id on.  Failures are classified by
``khabar.tasks.errors``: bad input fails at once, transient trouble is retried with
backoff and jitter, anything else is recorded and raised for Sentry.
"""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import time
import traceback
from functools import cache
from typing import Any, NoReturn

import msgspec
from celery import Task, chain
from celery.exceptions import Reject, Retry, SoftTimeLimitExceeded, TimeLimitExceeded

from khabar.tasks.document import build_document
from khabar.tasks.errors import (
    EXPECTED,
    TRANSIENT,
    CrashLoop,
    InjectedFault,
    InvalidArticle,
    MissingInput,
    Reason,
)
from khabar.tasks.pipeline import PIPELINE_VERSION, STAGE_NAMES, STAGES, STAGES_BY_NAME, Stage, run_stage
from khabar.tasks.records import Article
from khabar.tasks.validate import content_hash, parse_payload, usable_id
from khabar.worker.app import app
from khabar.worker.runtime import Runtime, runtime, store_for
from khabar.worker.store import ArticleStore

log = logging.getLogger("khabar.tasks")

INTAKE = "validate"  # the stage name intake failures are recorded under


def stage_task_name(stage: str) -> str:
    return f"khabar.stage.{stage}"


def pipeline_chain(article_id: str, start: str = STAGE_NAMES[0]) -> Any:
    """The chain of stage tasks for one article, from the stage ``start`` on."""
    names = STAGE_NAMES[STAGE_NAMES.index(start) :]
    return chain(*(app.signature(stage_task_name(n), args=(article_id,), immutable=True) for n in names))


@cache
def _main_store() -> ArticleStore:
    """A store for the worker's main process, which has no Runtime (no models loaded there)."""
    from khabar.worker.app import settings

    return store_for(settings, app.conf.broker_url)


class KhabarTask(Task):  # type: ignore[misc]
    """Notes a hard time limit, the one death a task cannot record itself.

    The worker's main process kills the child, then (task_acks_on_timeout off)
    requeues the message: a stage stalled by a Redis outage gets another go, and a
    stage that hangs every time hits the redelivery cap and fails as ``timeout``.
    """

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        if not isinstance(exc, TimeLimitExceeded):
            return  # recorded by the task itself
        if args and isinstance(args[0], list) or self.name == "khabar.process_batch":
            return  # a batch: its next delivery is split into single articles, which are counted
        if self.name.startswith("khabar.stage."):
            stage, article_id = self.name.rsplit(".", 1)[1], str(args[0])
        else:
            stage, article_id = INTAKE, usable_id(args[0] if args else None) or f"task-{task_id}"
        try:
            _main_store().note_death(article_id, stage, Reason.TIMEOUT.value)
        except TRANSIENT:
            log.exception("could not note the hard time limit of %s", article_id)


def _record_failure(
    store: ArticleStore, article_id: str, stage: str, reason: str, message: str, attempts: int,
    overwrite_done: bool = False,
) -> None:
    """Record a failure; if Redis cannot be reached, put the message back to be run (and recorded) later."""
    try:
        store.fail(article_id, stage, reason, message, attempts, overwrite_done=overwrite_done)
    except TRANSIENT as exc:
        why = f"could not record the failure ({type(exc).__name__}); message requeued"
        raise Reject(why, requeue=True) from exc


def _died_too_often(store: ArticleStore, article_id: str, stage: str, attempts: int) -> NoReturn:
    """Record that deliveries of a stage keep dying (reason ``timeout`` if hard time limits killed them)."""
    if store.death(article_id, stage) == Reason.TIMEOUT.value:
        reason = Reason.TIMEOUT
        message = f"stage {stage} was killed at the hard time limit {attempts - 1} times"
    else:
        reason = Reason.CRASHED
        message = f"the worker died {attempts - 1} times running stage {stage}"
    _record_failure(store, article_id, stage, reason.value, message, attempts)
    raise CrashLoop(message)


def _backoff(settings: Any, retries: int) -> float:
    """Exponential backoff with equal jitter: uniform in [base/2, base]; base doubles per retry, capped."""
    base = min(settings.retry_backoff_max, settings.retry_backoff * (2**retries))
    return base / 2 + random.random() * base / 2


def _retry(
    task: Task, rt: Runtime, article_id: str, stage: str, exc: BaseException, attempts: int
) -> NoReturn:
    """Schedule a retry after a backoff, or record ``retries_exhausted``; never drop the message."""
    retries = task.request.retries
    if retries >= rt.settings.max_retries:
        _record_failure(rt.store, article_id, stage, Reason.RETRIES_EXHAUSTED.value,
                        f"{type(exc).__name__}: {exc} (after {retries} retries)", attempts)
        raise exc
    delay = _backoff(rt.settings, retries)
    log.warning("transient error, retrying",
                extra={"article_id": article_id, "stage": stage, "retry": retries + 1,
                       "delay": round(delay, 3), "error": type(exc).__name__})
    try:
        # This delivery ended without a crash: it must not count towards the crash cap.
        rt.store.record_retry(article_id, stage, retries + 1, delay, type(exc).__name__)
    except TRANSIENT:
        pass  # Redis is away: the publish below decides the message's fate
    try:
        raise task.retry(exc=exc, countdown=delay, max_retries=rt.settings.max_retries)
    except Reject as rejected:
        # Celery could not publish the retry and would drop the message: requeue it instead
        # (if Redis is down even for that, it stays unacked and comes back after the visibility timeout).
        raise Reject(f"retry not published ({rejected.reason!r}); message requeued", requeue=True) from exc


@app.task(name="khabar.process_article", bind=True, base=KhabarTask, throws=EXPECTED, ignore_result=True,
          store_errors_even_if_ignored=True)
def process_article(self: Task, *args: Any, **kwargs: Any) -> Any:
    """Entry point for other systems: validate, store, then run the stage chain."""
    rt = runtime()
    payload = args[0] if len(args) == 1 and not kwargs else None
    failure_id = usable_id(payload) or f"task-{self.request.id}"
    attempts = 0
    validating = False  # a soft time limit is the payload's fault only while it is being validated
    try:
        attempts = rt.store.count_attempt(failure_id, INTAKE)
        if attempts > rt.settings.max_redeliveries + 1:
            _died_too_often(rt.store, failure_id, INTAKE, attempts)
        if len(args) != 1 or kwargs:
            raise InvalidArticle(Reason.MALFORMED_PAYLOAD,
                                 f"khabar.process_article takes one argument, the payload; got {len(args)} "
                                 f"positional and {len(kwargs)} keyword argument(s)")
        validating = True
        article = parse_payload(payload, rt.limits, rt.default_budget)
        validating = False
        rt.store.put_article(article, content_hash(article.kind, article.content), intake_id=failure_id)
        stages = pipeline_chain(article.id)
    except (CrashLoop, Reject):
        raise
    except InvalidArticle as exc:
        # A rejected resubmission replaces what the id had: the sender's latest word counts.
        _record_failure(rt.store, failure_id, INTAKE, exc.reason.value, exc.detail, attempts,
                        overwrite_done=True)
        log.info("article rejected", extra={"article_id": failure_id, "reason": exc.reason.value})
        raise
    except SoftTimeLimitExceeded as exc:
        if not validating:  # stuck talking to Redis: not the article's fault
            _retry(self, rt, failure_id, INTAKE, exc, attempts)
        message = f"validation ran past the soft time limit of {rt.settings.soft_time_limit:g} s"
        _record_failure(rt.store, failure_id, INTAKE, Reason.TIMEOUT.value, message, attempts)
        raise
    except TRANSIENT as exc:
        _retry(self, rt, failure_id, INTAKE, exc, attempts)
    except Exception as exc:
        _record_failure(rt.store, failure_id, INTAKE, Reason.ERROR.value,
                        f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}", attempts)
        raise
    # A sender that asked for no result (khabar submit, backfill) gets none stored.
    if self.request.ignore_result is True:
        stages.tasks[-1].set(ignore_result=True)
    try:
        # The chain's last task takes this task's id, so a caller (or Flower) sees it
        # succeed only when the whole pipeline has run.  replace() costs ~1.5 ms more
        # than apply_async(task_id=...) (Celery builds tracebacks for its Ignore), but
        # with apply_async this id would show SUCCESS as soon as the intake ended.
        raise self.replace(stages)
    except (*TRANSIENT, SoftTimeLimitExceeded) as exc:
        _retry(self, rt, failure_id, INTAKE, exc, attempts)


def _inject_fault(rt: Runtime, stage: str) -> None:
    s = rt.settings
    if s.fault_stage not in (stage, "*"):
        return
    if s.fault_sleep:
        time.sleep(s.fault_sleep)
    if s.fault_hang:
        # Block the soft-time-limit signal (billiard's SIGUSR1), as a stage stuck in C
        # code would not see it: only the hard time limit can stop this.
        # Not unblocked on the way out of a kill (SystemExit), or the pending signal
        # would turn that kill into a soft time limit.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
        time.sleep(s.fault_hang)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})
    if s.fault_exit:
        os._exit(70)  # simulates a crash: no cleanup, no ack
    if s.fault_bug:
        raise RuntimeError(f"injected bug in stage {stage}")
    if s.fault_rate and random.random() < s.fault_rate:
        raise InjectedFault(f"injected fault in stage {stage}")


def _fields(stage: Stage) -> tuple[str, ...]:
    """The store fields a stage reads; the last stage also reads what the document needs."""
    if stage is not STAGES[-1]:
        return tuple("article" if n == "article" else f"out:{n}" for n in stage.needs)
    earlier = STAGE_NAMES[:-1]
    return ("article", *(f"out:{n}" for n in earlier), *(f"run:{n}" for n in earlier))


def _decode(fields: tuple[str, ...], raw: list[bytes | None]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Decode stored fields into records by stage name, and earlier stage timings."""
    records: dict[str, Any] = {}
    runs: dict[str, Any] = {}
    for field, value in zip(fields, raw, strict=True):
        if value is None:
            continue
        if field == "article":
            records["article"] = msgspec.json.decode(value, type=Article)
        elif field.startswith("out:"):
            name = field[4:]
            records[name] = msgspec.json.decode(value, type=STAGES_BY_NAME[name].output)
        else:
            runs[field[4:]] = json.loads(value)
    return records, runs


def execute_stage(task: Task, stage: Stage, article_id: str) -> str:
    """Run one stage for one article; return the id for the next stage.

    Every way out either stores the output, records a failure, schedules a retry or
    leaves the message to be delivered again: none loses the article.
    """
    rt = runtime()
    store = rt.store
    fields = _fields(stage)
    attempts = 0
    computing = False  # a soft time limit is the article's fault only while its stage computes
    try:
        attempts, status, raw = store.begin_stage(article_id, stage.name, fields)
        if status == "done":
            # A duplicate delivery of a finished article: nothing to do.
            store.clear_attempts(article_id, stage.name)
            return article_id
        if attempts > rt.settings.max_redeliveries + 1:
            _died_too_often(store, article_id, stage.name, attempts)
        missing = [f for f, v in zip(fields, raw, strict=True) if v is None and not f.startswith("run:")]
        if missing:
            message = f"stored input(s) {', '.join(missing)} not found (expired, purged or never stored)"
            _record_failure(store, article_id, stage.name, Reason.ERROR.value, message, attempts)
            raise MissingInput(message)
        records, runs = _decode(fields, raw)
        computing = True
        _inject_fault(rt, stage.name)
        output, run = run_stage(stage, rt.resources, records)
        computing = False
        if stage is STAGES[-1]:
            records[stage.name] = output
            document = build_document(records, runs | {stage.name: run.as_dict()}, PIPELINE_VERSION)
            store.finish(article_id, stage.name, document, STAGE_NAMES)
        else:
            store.end_stage(article_id, stage.name, output, run.as_dict())
    except (CrashLoop, MissingInput, Reject):
        raise  # recorded, or handed back to the broker
    except InvalidArticle as exc:
        _record_failure(store, article_id, stage.name, exc.reason.value, exc.detail, attempts)
        raise
    except SoftTimeLimitExceeded as exc:
        if not computing:  # stuck talking to Redis: not the article's fault
            _retry(task, rt, article_id, stage.name, exc, attempts)
        message = f"stage {stage.name} ran past its soft time limit of {rt.settings.soft_time_limit:g} s"
        _record_failure(store, article_id, stage.name, Reason.TIMEOUT.value, message, attempts)
        raise
    except TRANSIENT as exc:
        _retry(task, rt, article_id, stage.name, exc, attempts)
    except Exception as exc:
        _record_failure(store, article_id, stage.name, Reason.ERROR.value,
                        f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}", attempts)
        raise
    return article_id


def _register(stage: Stage) -> Task:
    last = stage is STAGES[-1]

    def run(self: Task, article_id: str | list[str]) -> str | list[str]:
        if isinstance(article_id, list):  # a batch (khabar.tasks.celery_batches)
            from khabar.tasks.celery_batches import execute_batch

            return execute_batch(self, stage, article_id)
        return execute_stage(self, stage, article_id)

    run.__name__ = f"stage_{stage.name}"
    run.__doc__ = f"Run the {stage.name} stage for one article id, or a batch of ids."
    return app.task(
        name=stage_task_name(stage.name),
        bind=True,
        base=KhabarTask,
        throws=(*EXPECTED, Retry),
        ignore_result=not last,
        store_errors_even_if_ignored=True,
    )(run)


STAGE_TASKS = {stage.name: _register(stage) for stage in STAGES}
