"""Thin Celery tasks around the pure stages.

``khabar.process_article`` validates a JSON payload, stores the article and
sends the chain of stage tasks built from ``tasks.pipeline.STAGES`` under its own task id.
Each stage task takes the article id, reads its inputs from the store, runs the
stage, writes its output and hands the id on.  Failures are classified by
``tasks.errors``: bad input fails at once, transient trouble is retried with
backoff and jitter, anything else is recorded and raised for Sentry.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
import traceback
from dataclasses import asdict
from typing import Any

import msgspec
import redis
from celery import Task, chain
from celery.exceptions import Retry, SoftTimeLimitExceeded

from tasks.document import build_document
from tasks.errors import InvalidArticle, MissingInput, Reason, TransientError
from tasks.pipeline import PIPELINE_VERSION, STAGE_NAMES, STAGES, STAGES_BY_NAME, Stage, run_stage
from tasks.records import Article
from tasks.validate import content_hash, parse_payload
from worker.app import app
from worker.runtime import Runtime, runtime

log = logging.getLogger("khabar.tasks")

# Errors worth retrying: they say nothing about the article.
TRANSIENT = (TransientError, redis.ConnectionError, redis.TimeoutError, ConnectionError, TimeoutError)


class CrashLoop(Exception):
    """The worker died on this article's stage more times than allowed."""


def stage_task_name(stage: str) -> str:
    return f"khabar.stage.{stage}"


def pipeline_chain(article_id: str, start: str = STAGE_NAMES[0]) -> Any:
    """The chain of stage tasks for one article, from the stage ``start`` on."""
    names = STAGE_NAMES[STAGE_NAMES.index(start) :]
    return chain(*(app.signature(stage_task_name(n), args=(article_id,), immutable=True) for n in names))


def _failure_id(task: Task, payload: Any) -> str:
    """An id to record a rejected payload under, even when it has no usable id."""
    if isinstance(payload, dict) and isinstance(payload.get("id"), str) and 0 < len(payload["id"]) <= 200:
        return str(payload["id"])
    return f"task-{task.request.id}"


@app.task(name="khabar.process_article", bind=True, throws=(InvalidArticle,), ignore_result=True,
          store_errors_even_if_ignored=True)
def process_article(self: Task, payload: Any) -> Any:
    """Entry point for other systems: validate, store, then run the stage chain."""
    rt = runtime()
    try:
        article = parse_payload(payload, rt.limits, rt.default_budget)
    except InvalidArticle as exc:
        rt.store.fail(_failure_id(self, payload), "validate", exc.reason.value, exc.detail)
        log.info("article rejected", extra={"article_id": _failure_id(self, payload), "reason": exc.reason.value})
        raise
    rt.store.put_article(article, content_hash(article.kind, article.content))
    # The chain's last task takes this task's id, so a caller waiting on this task
    # gets the pipeline's result, as with self.replace(), which costs more: it
    # raises Ignore, and Celery builds two tracebacks for it (~1.5 ms an article).
    # A sender that asked for no result (khabar submit, backfill) gets none stored.
    sig = pipeline_chain(article.id)
    if self.request.ignore_result is True:
        sig.tasks[-1].set(ignore_result=True)
    sig.apply_async(task_id=self.request.id)
    return article.id


def _backoff(settings: Any, retries: int) -> float:
    """Exponential backoff with full jitter: uniform in [base/2, base]."""
    base = min(settings.retry_backoff_max, settings.retry_backoff * (2**retries))
    return base / 2 + random.random() * base / 2


def _inject_fault(rt: Runtime, stage: str) -> None:
    s = rt.settings
    if s.fault_stage not in (stage, "*"):
        return
    if s.fault_sleep:
        time.sleep(s.fault_sleep)
    if s.fault_exit:
        os._exit(70)  # simulates a crash: no cleanup, no ack
    if s.fault_rate and random.random() < s.fault_rate:
        raise TransientError(f"injected fault in stage {stage}")


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
    """Run one stage for one article; return the id for the next stage."""
    rt = runtime()
    store = rt.store
    fields = _fields(stage)
    attempts, status, raw = store.begin_stage(article_id, stage.name, fields)
    if status == "done":
        # A duplicate delivery of a finished article: nothing to do.
        store.clear_attempts(article_id, stage.name)
        return article_id
    if attempts > rt.settings.max_redeliveries + 1:
        message = f"the worker died {attempts - 1} times running stage {stage.name}"
        store.fail(article_id, stage.name, Reason.CRASHED.value, message, attempts)
        raise CrashLoop(message)
    records, runs = _decode(fields, raw)
    missing = [f for f, v in zip(fields, raw, strict=True) if v is None and not f.startswith("run:")]
    if missing:
        message = f"stored input(s) {', '.join(missing)} not found (expired, purged or never stored)"
        store.fail(article_id, stage.name, Reason.ERROR.value, message, attempts)
        raise MissingInput(message)
    started = time.perf_counter()
    try:
        _inject_fault(rt, stage.name)
        output, run = run_stage(stage, rt.resources, records)
    except InvalidArticle as exc:
        store.fail(article_id, stage.name, exc.reason.value, exc.detail, attempts)
        raise
    except SoftTimeLimitExceeded:
        message = f"stage {stage.name} ran past its soft time limit of {rt.settings.soft_time_limit:g} s"
        store.fail(article_id, stage.name, Reason.TIMEOUT.value, message, attempts)
        raise
    except TRANSIENT as exc:
        store.clear_attempts(article_id, stage.name)
        retries = task.request.retries
        if retries >= rt.settings.max_retries:
            store.fail(article_id, stage.name, Reason.RETRIES_EXHAUSTED.value,
                       f"{type(exc).__name__}: {exc} (after {retries} retries)", attempts)
            raise
        raise task.retry(exc=exc, countdown=_backoff(rt.settings, retries), max_retries=rt.settings.max_retries)
    except Exception as exc:
        store.fail(article_id, stage.name, Reason.ERROR.value,
                   f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}", attempts)
        raise
    if stage is STAGES[-1]:
        records[stage.name] = output
        document = build_document(records, runs | {stage.name: asdict(run)}, PIPELINE_VERSION)
        store.finish(article_id, stage.name, document, STAGE_NAMES)
    else:
        store.end_stage(article_id, stage.name, output, asdict(run))
    log.info(
        "stage done",
        extra={"article_id": article_id, "stage": stage.name, "seconds": round(time.perf_counter() - started, 4),
               "outcome": "done"},
    )
    return article_id


def _register(stage: Stage) -> Task:
    last = stage is STAGES[-1]

    def run(self: Task, article_id: str) -> str:
        return execute_stage(self, stage, article_id)

    run.__name__ = f"stage_{stage.name}"
    run.__doc__ = f"Run the {stage.name} stage for one article id."
    return app.task(
        name=stage_task_name(stage.name),
        bind=True,
        throws=(InvalidArticle, CrashLoop, MissingInput, Retry),
        ignore_result=not last,
        store_errors_even_if_ignored=True,
    )(run)


STAGE_TASKS = {stage.name: _register(stage) for stage in STAGES}
