"""Batches: many articles per Celery message, for bulk senders.

A Celery task costs a few milliseconds of CPU besides its work (the broker round
trips, the unacked copy and the ack, the pool hand-off, events): as much as a
stage itself for a news article.  ``khabar submit`` and ``khabar backfill``
therefore send ``khabar.process_batch([payload, ...])`` (up to ``batch_size``
articles, ``batch_bytes`` of text) rather than one ``khabar.process_article`` per
article.  The batch goes through the same chain of the same four stage tasks;
each stage task takes the list of ids and returns the ids that go on to the next
stage, so the chain's hops are paid once per batch (docs/PERFORMANCE.md).

What happens to one article never happens to the others of its batch:

* bad input and bugs are recorded on that article (bugs also go to Sentry); the
  others go on;
* a transient error in one article's stage retries that article (and any others
  that failed alike) as a batch of its own, with the same backoff as a single
  article; the others go on.  If Redis itself cannot be read or written the whole
  batch is retried;
* a soft time limit: the articles done go on, the rest are split into
  single-article chains, so that the limit applies to each on its own;
* a delivery that comes back after its worker died (crash, OOM, hard time limit)
  is split into single-article chains before any of it runs again: an article
  that kills workers then meets the redelivery cap alone.

``khabar.process_article`` and single-article chains are unchanged (khabar.tasks.celery_tasks).
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

from celery import Task, chain
from celery.exceptions import Reject, SoftTimeLimitExceeded

from khabar.tasks.celery_tasks import (
    INTAKE,
    KhabarTask,
    _backoff,
    _decode,
    _fields,
    _inject_fault,
    _record_failure,
    pipeline_chain,
    process_article,
    stage_task_name,
)
from khabar.tasks.document import build_document
from khabar.tasks.errors import EXPECTED, TRANSIENT, InvalidArticle, Reason
from khabar.tasks.pipeline import PIPELINE_VERSION, STAGE_NAMES, STAGES, Stage, run_stage
from khabar.tasks.records import Article
from khabar.tasks.validate import content_hash, parse_payload, usable_id
from khabar.worker.app import app
from khabar.worker.batching import chunks
from khabar.worker.runtime import Runtime, runtime
from khabar.worker.store import as_json

log = logging.getLogger("khabar.tasks")
stage_log = logging.getLogger("khabar.stages")  # the per-article lines of khabar.worker.logs


def batch_chain(article_ids: list[str], start: str = STAGE_NAMES[0]) -> Any:
    """The chain of stage tasks for a batch: each task passes the ids that go on to the next."""
    names = STAGE_NAMES[STAGE_NAMES.index(start) :]
    first, *rest = names
    signatures = [app.signature(stage_task_name(first), args=(list(article_ids),))]
    signatures += [app.signature(stage_task_name(n)) for n in rest]
    signatures[-1].set(ignore_result=True)  # nobody waits on a batch: documents are read from the store
    return chain(*signatures)


@contextmanager
def _requeue_if_redis_fails() -> Iterator[None]:
    """Put the batch message back if Redis fails while it is being split (it is split again when it returns)."""
    try:
        yield
    except TRANSIENT as exc:
        raise Reject(f"could not split the batch ({type(exc).__name__}); requeued", requeue=True) from exc


def send_singles(article_ids: list[str], stage: str, retries: int = 0) -> None:
    """Send each article on as its own chain from ``stage`` (one producer, one pipeline).

    ``retries``: the transient retries the batch already spent on ``stage``; each article's
    first task carries them on, so that splitting a batch does not renew its retry budget
    (nor write its retry records again from 1).
    """
    with _requeue_if_redis_fails(), app.producer_or_acquire() as producer, producer.batch():
        for article_id in article_ids:
            singles = pipeline_chain(article_id, start=stage)
            singles.tasks[0].set(retries=retries)
            singles.tasks[-1].set(ignore_result=True)
            singles.apply_async(producer=producer)


def _split(task: Task, store: Any, article_ids: list[str], stage: str) -> None:
    """Send each article on alone, taking back the attempt this delivery counted for it."""
    with _requeue_if_redis_fails():
        store.uncount_attempts(article_ids, stage)
    send_singles(article_ids, stage, retries=int(task.request.retries or 0))


def _forget_batch(store: Any, batch_id: str) -> None:
    """Clear a batch's intake counter; a leftover one (Redis away) only splits a redelivery of it."""
    try:
        store.clear_attempts(batch_id, INTAKE)
    except TRANSIENT:
        pass


def _log_article(task: Task, article_id: str, stage: str, seconds: float, outcome: str, size: int) -> None:
    """The line khabar.worker.logs writes for a single-article task, written here for each article of a batch."""
    level = logging.INFO if outcome == "done" else logging.WARNING
    stage_log.log(level, "stage finished", extra={
        "article_id": article_id, "stage": stage, "seconds": round(seconds, 4), "outcome": outcome,
        "task_id": task.request.id, "retries": int(task.request.retries or 0), "batch": size})


def _report_bug(exc: BaseException, article_id: str, stage: str, task: Task) -> None:
    """Send one article's bug to Sentry (no-op when Sentry is off): the batch task itself succeeds."""
    import sentry_sdk

    with sentry_sdk.new_scope() as scope:
        scope.set_tag("article_id", article_id)
        scope.set_tag("stage", stage)
        scope.set_tag("task", task.name)
        sentry_sdk.capture_exception(exc)


@dataclass
class _Outcomes:
    """What became of each article of one batch delivery of one stage."""

    done: list[tuple[str, bytes, dict[str, Any]]] = field(default_factory=list)  # id, encoded output, run
    transient: list[tuple[str, BaseException]] = field(default_factory=list)
    unrun: list[str] = field(default_factory=list)  # left when the soft time limit struck


def _retry_some(task: Task, rt: Runtime, article_ids: list[str], stage: str, exc: BaseException,
                attempts: dict[str, int]) -> None:
    """Retry these articles as a batch of their own after a backoff (or record ``retries_exhausted``).

    Publishes the retry and returns (``throw=False``), so the rest of the batch goes on.
    """
    retries = task.request.retries
    if retries >= rt.settings.max_retries:
        for article_id in article_ids:
            _record_failure(rt.store, article_id, stage, Reason.RETRIES_EXHAUSTED.value,
                            f"{type(exc).__name__}: {exc} (after {retries} retries)", attempts.get(article_id, 0))
        return
    delay = _backoff(rt.settings, retries)
    log.warning("transient error, retrying", extra={
        "articles": len(article_ids), "stage": stage, "retry": retries + 1, "delay": round(delay, 3),
        "error": type(exc).__name__})
    try:
        rt.store.record_retries(article_ids, stage, retries + 1, delay, type(exc).__name__)
    except TRANSIENT:
        pass  # Redis is away: the publish below decides the batch's fate
    try:
        task.retry(args=(article_ids,), exc=exc, countdown=delay, max_retries=rt.settings.max_retries, throw=False)
    except Reject as rejected:
        raise Reject(f"retry not published ({rejected.reason!r}); message requeued", requeue=True) from exc


def _retry_all(task: Task, rt: Runtime, article_ids: list[str], stage: str, exc: BaseException) -> NoReturn:
    """Redis could not be read or written for the batch: retry all of it (raises)."""
    _retry_some(task, rt, article_ids, stage, exc, {})
    raise _Done(article_ids)  # the retry carries the rest of the chain


class _Done(Exception):  # noqa: N818 - control flow inside this module only
    """Stop handling this delivery: it has been retried or split and nothing goes on from here."""

    def __init__(self, article_ids: list[str]) -> None:
        super().__init__(f"{len(article_ids)} article(s) handed on")


def execute_batch(task: Task, stage: Stage, article_ids: list[str]) -> list[str]:
    """Run one stage for a batch of articles; return the ids that go on to the next stage."""
    rt = runtime()
    try:
        survivors = _execute_batch(task, rt, stage, list(dict.fromkeys(str(i) for i in article_ids)))
    except _Done:
        survivors = []
    if not survivors:
        task.request.chain = None  # nothing goes on: no empty hops down the chain
    return survivors


def _execute_batch(task: Task, rt: Runtime, stage: Stage, article_ids: list[str]) -> list[str]:
    store = rt.store
    fields = _fields(stage)
    try:
        begun = store.begin_stages(article_ids, stage.name, fields)
    except (*TRANSIENT, SoftTimeLimitExceeded) as exc:
        _retry_all(task, rt, article_ids, stage.name, exc)
    open_ids = [i for i, (_, status, _) in zip(article_ids, begun, strict=True) if status != "done"]
    if len(open_ids) < len(article_ids):
        # Duplicates of finished articles: nothing to do, and their delivery did not die.
        try:
            store.clear_attempts_of([i for i in article_ids if i not in open_ids], stage.name)
        except TRANSIENT:
            pass  # a leftover counter only makes a later redelivery look like a crash
    if any(a > 1 for a, status, _ in begun if status != "done"):
        # A worker died on this batch before: run each article alone, so that one that
        # kills workers is capped and recorded on its own (khabar.tasks.celery_tasks counts it).
        log.warning("batch delivered again after a worker died: splitting it",
                    extra={"articles": len(open_ids), "stage": stage.name})
        _split(task, store, open_ids, stage.name)
        raise _Done(open_ids)

    attempts = {i: a for i, (a, _, _) in zip(article_ids, begun, strict=True)}
    outcomes = _Outcomes()
    pending = []
    for article_id, (_, status, raw) in zip(article_ids, begun, strict=True):
        if status == "done":
            continue  # a duplicate of a finished article: nothing to do
        missing = [f for f, v in zip(fields, raw, strict=True) if v is None and not f.startswith("run:")]
        if missing:
            message = f"stored input(s) {', '.join(missing)} not found (expired, purged or never stored)"
            _record_failure(store, article_id, stage.name, Reason.ERROR.value, message, attempts[article_id])
            _log_article(task, article_id, stage.name, 0.0, f"failed:{Reason.ERROR.value}", len(article_ids))
            continue
        pending.append((article_id, raw))

    for n, (article_id, raw) in enumerate(pending):
        started = time.perf_counter()
        try:
            records, runs = _decode(fields, raw)
            _inject_fault(rt, stage.name)
            output, run = run_stage(stage, rt.resources, records)
            if stage is STAGES[-1]:
                records[stage.name] = output
                output = build_document(records, runs | {stage.name: run.as_dict()}, PIPELINE_VERSION)
            # Kept encoded until the batch is stored: bytes cost the garbage collector nothing.
            outcomes.done.append((article_id, as_json(output), run.as_dict()))
        except SoftTimeLimitExceeded:
            outcomes.unrun = [i for i, _ in pending[n:]]
            break
        except InvalidArticle as exc:
            _record_failure(store, article_id, stage.name, exc.reason.value, exc.detail, attempts[article_id])
            _log_article(task, article_id, stage.name, time.perf_counter() - started,
                         f"failed:{exc.reason.value}", len(article_ids))
        except TRANSIENT as exc:
            outcomes.transient.append((article_id, exc))
            _log_article(task, article_id, stage.name, time.perf_counter() - started, "retry", len(article_ids))
        except Exception as exc:
            _record_failure(store, article_id, stage.name, Reason.ERROR.value,
                            f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}", attempts[article_id])
            _log_article(task, article_id, stage.name, time.perf_counter() - started,
                         f"failed:{Reason.ERROR.value}", len(article_ids))
            _report_bug(exc, article_id, stage.name, task)
        else:
            _log_article(task, article_id, stage.name, time.perf_counter() - started, "done", len(article_ids))

    survivors = [i for i, _, _ in outcomes.done]
    try:
        if stage is STAGES[-1]:
            store.finish_many(stage.name, [(i, doc) for i, doc, _ in outcomes.done], STAGE_NAMES, PIPELINE_VERSION)
        else:
            store.end_stages(stage.name, outcomes.done)
    except (*TRANSIENT, SoftTimeLimitExceeded) as exc:
        # Nothing of this delivery was stored: retry all that was to be stored or run.
        retry = survivors + [i for i, _ in outcomes.transient] + outcomes.unrun
        _retry_all(task, rt, retry, stage.name, exc)
    if outcomes.transient:
        _retry_some(task, rt, [i for i, _ in outcomes.transient], stage.name, outcomes.transient[0][1], attempts)
    if outcomes.unrun:
        log.warning("soft time limit in a batch: the rest go on one by one",
                    extra={"articles": len(outcomes.unrun), "stage": stage.name})
        _split(task, store, outcomes.unrun, stage.name)
    return survivors


@app.task(name="khabar.process_batch", bind=True, base=KhabarTask, throws=EXPECTED, ignore_result=True)
def process_batch(self: Task, *args: Any, **kwargs: Any) -> None:
    """Entry point for bulk senders: validate and store each payload, then run the stages as one batch."""
    try:
        _intake(self, args, kwargs)
    except _Done:
        pass  # handed on (split into single articles)


def _intake(self: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    rt = runtime()
    store = rt.store
    batch_id = f"batch-{self.request.id}"
    try:
        attempts = store.count_attempt(batch_id, INTAKE)
    except (*TRANSIENT, SoftTimeLimitExceeded) as exc:
        _retry_intake(self, rt, exc)
    payloads = args[0] if len(args) == 1 and not kwargs else None
    if not isinstance(payloads, list) or not payloads:
        message = (f"khabar.process_batch takes one argument, a non-empty list of payloads; got "
                   f"{len(args)} positional and {len(kwargs)} keyword argument(s)"
                   + (f" (a {type(payloads).__name__})" if payloads is not None else ""))
        _record_failure(store, f"task-{self.request.id}", INTAKE, Reason.MALFORMED_PAYLOAD.value, message, attempts)
        _forget_batch(store, batch_id)
        raise InvalidArticle(Reason.MALFORMED_PAYLOAD, message)
    if attempts > 1:
        # A worker died on this batch: each payload goes on as its own khabar.process_article.
        log.warning("batch delivered again after a worker died: splitting it", extra={"articles": len(payloads)})
        _send_payloads(payloads, self.request.id)
        _forget_batch(store, batch_id)
        return

    articles: dict[str, Article] = {}
    for n, payload in enumerate(payloads):
        started = time.perf_counter()
        failure_id = usable_id(payload) or f"task-{self.request.id}-{n}"
        try:
            article = parse_payload(payload, rt.limits, rt.default_budget)
        except InvalidArticle as exc:
            # As for process_article: a rejected resubmission replaces what the id had.
            _record_failure(store, failure_id, INTAKE, exc.reason.value, exc.detail, 1, overwrite_done=True)
            _log_article(self, failure_id, INTAKE, time.perf_counter() - started, f"failed:{exc.reason.value}",
                         len(payloads))
            continue
        except SoftTimeLimitExceeded:
            _send_payloads(payloads[n:], self.request.id)
            break
        except Exception as exc:
            _record_failure(store, failure_id, INTAKE, Reason.ERROR.value,
                            f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}", 1)
            _report_bug(exc, failure_id, INTAKE, self)
            continue
        articles.pop(article.id, None)  # the same id twice in a batch: the later payload wins
        articles[article.id] = article
        _log_article(self, article.id, INTAKE, time.perf_counter() - started, "done", len(payloads))
    if not articles:
        _forget_batch(store, batch_id)
        return
    try:
        store.put_articles([(a, content_hash(a.kind, a.content)) for a in articles.values()], intake_id=batch_id)
        # A sender may have sent more than a worker runs at once: one chain per batch_size articles.
        for group in chunks(list(articles.values()), rt.settings.batch_size, rt.settings.batch_bytes,
                            size_of=lambda a: len(a.content.encode("utf-8", "surrogatepass"))):
            batch_chain([a.id for a in group]).apply_async()
    except (*TRANSIENT, SoftTimeLimitExceeded) as exc:
        _retry_intake(self, rt, exc)


def _send_payloads(payloads: list[Any], parent_id: str) -> None:
    """Send each payload on as its own khabar.process_article."""
    with _requeue_if_redis_fails(), app.producer_or_acquire() as producer, producer.batch():
        for n, payload in enumerate(payloads):
            name = usable_id(payload) or f"{parent_id}-{n}"
            process_article.apply_async(args=[payload], producer=producer, ignore_result=True,
                                        argsrepr=f"[{{'id': {name!r}}}]", kwargsrepr="{}")


def _retry_intake(task: Task, rt: Runtime, exc: BaseException) -> NoReturn:
    """Redis trouble at intake: the whole batch message is retried with backoff."""
    retries = task.request.retries
    if retries >= rt.settings.max_retries:
        # The payloads are only in this message: each goes on alone, to be retried and recorded on its own.
        payloads = task.request.args[0] if task.request.args else []
        _send_payloads(payloads if isinstance(payloads, list) else [], task.request.id)
        raise _Done([])
    try:
        raise task.retry(exc=exc, countdown=_backoff(rt.settings, retries), max_retries=rt.settings.max_retries)
    except Reject as rejected:
        raise Reject(f"retry not published ({rejected.reason!r}); message requeued", requeue=True) from exc
