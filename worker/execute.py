"""The one path every article takes through the worker, however it was sent.

A message names one or more articles: ``khabar.process_article`` one payload,
``khabar.process_batch`` a list of payloads, ``khabar.stage.<stage>`` a list of
``[id, gen]`` references.  A single article is a list of one; nothing here asks
how many there are except to decide what a crash or a soft time limit means
(below).  ``take_in`` validates and stores the payloads of an intake message;
``run_stage`` runs one stage over the articles of a stage message.  Both hand the
articles that go on to the next stage in one message, and each keeps its articles
apart with the one error ladder, ``_ladder``:

* bad input (``InvalidArticle``): recorded with its reason, never retried, not reported;
* transient trouble (``khabar.tasks.errors.TRANSIENT``): those articles are retried
  together as a message of their own, with exponential backoff and equal jitter, at
  most ``max_retries`` times, then recorded as ``retries_exhausted``;
* ``MemoryError`` (the child's memory ceiling, ``child_memory_limit_mb``): recorded as
  ``out_of_memory``; the process goes on (Celery would stop the whole worker for it);
* a soft time limit while an article computes: recorded as ``timeout`` when the message
  holds only that article; otherwise the articles not yet done go on one message each,
  so that the limit applies to each on its own;
* anything else is a bug: recorded as ``error`` with its traceback and sent to Sentry.

Crashes: every delivery of a stage is counted per article in Redis (``begin_stages``)
until its output or failure is stored and the delivery ends.  A message that comes back
after its worker died (SIGKILL, OOM, the hard time limit) is split one article per
message before any of it runs again; a message of one article that died more than
``max_redeliveries`` times is failed as ``crashed`` (or ``timeout`` if hard time limits
killed it), whatever it recorded before.

Last write wins, whole: a submission gets a token (``gen``) and a receipt stamp when
it is stored; every stage write names the token it ran for and Redis drops it if the
article has been submitted again since (``khabar.worker.store``).  The stamp comes from
the worker's main process as it takes messages off the queue in order (``stamp_received``),
so of two submissions of one id the one sent later is kept, however the pool runs them.

Every article's outcome is logged here, one line per article per stage (logger
``khabar.stages``), and its bugs reported here: the one place that does.
"""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import time
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import msgspec
from celery import Task
from celery.exceptions import Reject, SoftTimeLimitExceeded

from khabar.tasks.document import build_document
from khabar.tasks.errors import TRANSIENT, InvalidArticle, Reason
from khabar.tasks.pipeline import INTAKE, PIPELINE_VERSION, STAGE_NAMES, STAGES, STAGES_BY_NAME, Stage
from khabar.tasks.pipeline import run_stage as compute
from khabar.tasks.records import Article
from khabar.tasks.validate import content_hash, parse_payload, usable_id
from khabar.worker.batching import chunks
from khabar.worker.routing import BATCH_TASK, INTAKE_TASK, stage_task_name
from khabar.worker.runtime import Runtime, runtime
from khabar.worker.store import as_json

log = logging.getLogger("khabar.tasks")
stage_log = logging.getLogger("khabar.stages")

RECEIVED = "khabar_received"  # request field: when the main process took the message (see stamp_received)


class Ref(NamedTuple):
    """One article of a stage message: its id, its submission token, and a task id to answer (or '')."""

    id: str
    gen: str = ""
    reply: str = ""


def refs_of(arg: Any) -> list[Ref]:
    """The articles a stage message names, in order, each once.

    Takes ``[[id, gen], ...]`` (``[id, gen, reply]`` too); bare ids (``id`` or ``[id, ...]``,
    messages sent before submissions had tokens) are taken with no token to check.
    """
    items = arg if isinstance(arg, list) else [arg]
    out: dict[str, Ref] = {}
    for item in items:
        if isinstance(item, list | tuple) and item and all(isinstance(x, str) for x in item[:3]):
            ref = Ref(*item[:3])
        elif isinstance(item, str):
            ref = Ref(item)
        else:
            raise InvalidArticle(Reason.MALFORMED_PAYLOAD, f"a stage message names articles, not {type(item).__name__}")
        out[ref.id] = ref
    return list(out.values())


def wire(refs: Sequence[Ref]) -> list[list[str]]:
    """How references travel in a message (the reply only when there is one)."""
    return [[r.id, r.gen, r.reply] if r.reply else [r.id, r.gen] for r in refs]


@dataclass
class Delivery:
    """One delivery of one message: what it needs to record, log and report (never kept on the task)."""

    task: Task
    rt: Runtime
    stage: str
    size: int
    started: float = field(default_factory=time.perf_counter)
    ended: dict[str, str] = field(default_factory=dict)  # articles that ended here: id -> "done" or a reason

    def log(self, article_id: str, seconds: float, outcome: str) -> None:
        level = logging.INFO if outcome == "done" else logging.WARNING
        extra = {"article_id": article_id, "stage": self.stage, "seconds": round(seconds, 4), "outcome": outcome,
                 "task_id": self.task.request.id, "retries": int(self.task.request.retries or 0)}
        if self.size > 1:
            extra["batch"] = self.size  # how many articles the message held
        stage_log.log(level, "stage finished", extra=extra)

    def record(self, ref: Ref, reason: Reason, message: str, attempts: int, seconds: float = 0.0,
               bug: BaseException | None = None) -> None:
        """Record one article's failure, log it, and report it to Sentry if it is a bug."""
        with _requeue_if_redis_fails("could not record a failure"):
            self.rt.store.fail(ref.id, self.stage, reason.value, message, attempts, gen=ref.gen)
        self.log(ref.id, seconds, f"failed:{reason.value}")
        self.ended[ref.id] = reason.value
        if bug is not None or reason in REPORTED:
            report_bug(bug, ref.id, self.stage, self.task.name, f"{reason.value}: {message}")


# Failures reported to Sentry besides bugs: trouble that is not the input's (one event per article, batch or not).
REPORTED = frozenset({Reason.RETRIES_EXHAUSTED, Reason.TIMEOUT, Reason.CRASHED})


def report_bug(exc: BaseException | None, article_id: str, stage: str, task_name: str, message: str = "") -> None:
    """Send one article's failure to Sentry (a no-op when Sentry is off); the task itself succeeds."""
    import sentry_sdk

    with sentry_sdk.new_scope() as scope:
        scope.set_tag("article_id", article_id)
        scope.set_tag("stage", stage)
        scope.set_tag("task", task_name)
        if exc is not None:
            # Built here rather than by capture_exception: Sentry's dedupe would drop the events of the
            # other articles of a message that failed with the same exception object (retries_exhausted).
            from sentry_sdk.utils import event_from_exception

            event, _ = event_from_exception(exc, client_options=sentry_sdk.get_client().options)
            sentry_sdk.capture_event(event)
        else:
            sentry_sdk.capture_message(message, level="error")


@contextmanager
def _requeue_if_redis_fails(what: str) -> Iterator[None]:
    """Redis or the broker failed where nothing can be retried piecemeal: put the whole message back."""
    try:
        yield
    except TRANSIENT as exc:
        raise Reject(f"{what} ({type(exc).__name__}); message requeued", requeue=True) from exc


def backoff(rt: Runtime, retries: int) -> float:
    """Exponential backoff with equal jitter: uniform in [base/2, base]; base doubles per retry, capped."""
    base = min(rt.settings.retry_backoff_max, rt.settings.retry_backoff * (2**retries))
    return base / 2 + random.random() * base / 2


def _retry(d: Delivery, refs: Sequence[Ref], exc: BaseException, attempts: dict[str, int]) -> None:
    """Send these articles again as a message of their own after a backoff, or record ``retries_exhausted``."""
    retries = int(d.task.request.retries or 0)
    if retries >= d.rt.settings.max_retries:
        for ref in refs:
            d.record(ref, Reason.RETRIES_EXHAUSTED, f"{type(exc).__name__}: {exc} (after {retries} retries)",
                     attempts.get(ref.id, 0), bug=exc)
        return
    delay = backoff(d.rt, retries)
    log.warning("transient error, retrying", extra={
        "articles": len(refs), "stage": d.stage, "retry": retries + 1, "delay": round(delay, 3),
        "error": type(exc).__name__})
    try:
        # This delivery ended without a crash: it must not count towards the crash cap.
        d.rt.store.record_retries([r.id for r in refs], d.stage, retries + 1, delay, type(exc).__name__)
    except TRANSIENT:
        pass  # Redis is away: the publish below decides the message's fate
    for ref in refs:
        d.log(ref.id, 0.0, "retry")
    try:
        d.task.retry(args=(wire(refs),), kwargs={}, exc=exc, countdown=delay, max_retries=d.rt.settings.max_retries,
                     throw=False)
    except Reject as rejected:
        # Celery could not publish the retry and would drop the message: requeue it instead
        # (if Redis is down even for that, it stays unacked and comes back after the visibility timeout).
        raise Reject(f"retry not published ({rejected.reason!r}); message requeued", requeue=True) from exc


def send_on(task: Task, refs: Sequence[Ref], stage: str, retries: int = 0, *, one_each: bool = False) -> None:
    """Hand articles to ``stage``: one message for all (a message per article with ``one_each``).

    ``retries``: the transient retries already spent on ``stage`` (a split does not renew them).
    Each reference carries the id of the intake task its sender holds (``reply``); that task ends
    when its articles do (``_end_senders``), never under a stage's name.
    """
    if not refs:
        return
    groups = [[r] for r in refs] if one_each else [list(refs)]
    with _requeue_if_redis_fails("could not hand the articles on"), \
            task.app.producer_or_acquire() as producer, producer.batch():
        for group in groups:
            task.app.send_task(stage_task_name(stage), args=[wire(group)], producer=producer, retries=retries,
                               ignore_result=True, argsrepr=_argsrepr([r.id for r in group]), kwargsrepr="{}")


def resend(app: Any, store: Any, article_ids: Sequence[str], stage: str) -> None:
    """Send stored articles to ``stage`` again, one message each (the sweeper, ``khabar failed retry``)."""
    gens = store.gens(list(article_ids))
    with app.producer_or_acquire() as producer, producer.batch():
        for article_id, gen in zip(article_ids, gens, strict=True):
            app.send_task(stage_task_name(stage), args=[wire([Ref(article_id, gen)])], producer=producer,
                          ignore_result=True, argsrepr=_argsrepr([article_id]), kwargsrepr="{}")


def _argsrepr(ids: list[str]) -> str:
    if len(ids) <= 3:
        return repr([ids])
    return f"[[{ids[0]!r}, ... {len(ids) - 2} more ..., {ids[-1]!r}]]"


# --- the stages ------------------------------------------------------------------------


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
    for name, value in zip(fields, raw, strict=True):
        if value is None:
            continue
        if name == "article":
            records["article"] = msgspec.json.decode(value, type=Article)
        elif name.startswith("out:"):
            records[name[4:]] = msgspec.json.decode(value, type=STAGES_BY_NAME[name[4:]].output)
        else:
            runs[name[4:]] = json.loads(value)
    return records, runs


def inject_fault(rt: Runtime, stage: str) -> None:
    """Faults for tests and drills (settings ``fault_*``), off unless configured."""
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
    if s.fault_memory:
        # A real allocation past the child's ceiling (RLIMIT_DATA), as a runaway stage would make.
        limit = (s.child_memory_limit_mb or 1024) * 1024 * 1024
        held = bytearray(limit + (64 << 20))
        del held
    if s.fault_bug:
        raise RuntimeError(f"injected bug in stage {stage}")
    if s.fault_rate and random.random() < s.fault_rate:
        from khabar.tasks.errors import InjectedFault

        raise InjectedFault(f"injected fault in stage {stage}")


def _died_too_often(d: Delivery, ref: Ref, attempts: int) -> None:
    """Record that deliveries of a stage keep dying (``timeout`` if hard time limits killed them)."""
    if d.rt.store.death(ref.id, d.stage) == Reason.TIMEOUT.value:
        reason, message = Reason.TIMEOUT, f"stage {d.stage} was killed at the hard time limit {attempts - 1} times"
    else:
        reason, message = Reason.CRASHED, f"the worker died {attempts - 1} times running stage {d.stage}"
    with _requeue_if_redis_fails("could not record a crash loop"):
        d.rt.store.fail(ref.id, d.stage, reason.value, message, attempts, overwrite_done=False, gen=ref.gen)
    d.log(ref.id, 0.0, f"failed:{reason.value}")
    d.ended[ref.id] = reason.value
    report_bug(None, ref.id, d.stage, d.task.name, f"{reason.value}: {message}")


class _Outcomes:
    """What became of each article of one delivery."""

    def __init__(self) -> None:
        self.done: list[tuple[Ref, bytes, dict[str, Any]]] = []  # ref, encoded output, run
        self.transient: list[tuple[Ref, BaseException]] = []
        self.failed: list[str] = []  # ids whose failure was recorded (their counters end with the delivery)
        self.unrun: list[Ref] = []  # left when the soft time limit struck


def _ladder(d: Delivery, ref: Ref, attempts: int, alone: bool, out: _Outcomes, work: Any) -> bool:
    """Run ``work()`` for one article and sort what happens into ``out``; False: stop the delivery here."""
    started = time.perf_counter()
    try:
        output, run = work()
    except SoftTimeLimitExceeded:
        if not alone:
            return False  # the rest go on one by one (see run_stage)
        d.record(ref, Reason.TIMEOUT, f"stage {d.stage} ran past its soft time limit of "
                 f"{d.rt.settings.soft_time_limit:g} s", attempts, time.perf_counter() - started)
        out.failed.append(ref.id)
    except InvalidArticle as exc:
        d.record(ref, exc.reason, exc.detail, attempts, time.perf_counter() - started)
        out.failed.append(ref.id)
    except TRANSIENT as exc:
        out.transient.append((ref, exc))
    except MemoryError:
        d.record(ref, Reason.OUT_OF_MEMORY, f"stage {d.stage} ran out of memory (the child's ceiling is "
                 f"{d.rt.settings.child_memory_limit_mb} MiB)", attempts, time.perf_counter() - started)
        out.failed.append(ref.id)
    except Exception as exc:
        d.record(ref, Reason.ERROR, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}", attempts,
                 time.perf_counter() - started, bug=exc)
        out.failed.append(ref.id)
    else:
        out.done.append((ref, output, run))
        d.log(ref.id, time.perf_counter() - started, "done")
    return True


def run_stage(task: Task, stage: Stage, arg: Any) -> dict[str, Any] | None:
    """Run ``stage`` over the articles of one message and hand those that succeed to the next stage.

    Returns what became of each article in this stage (``outcome_of``), shown as the task's result in Flower.
    """
    rt = runtime(task.app)
    store = rt.store
    refs = refs_of(arg)
    d = Delivery(task, rt, stage.name, len(refs))
    fields = _fields(stage)
    try:
        begun = store.begin_stages([(r.id, r.gen) for r in refs], stage.name, fields)
    except (*TRANSIENT, SoftTimeLimitExceeded) as exc:
        _retry(d, refs, exc, {})
        return None
    attempts: dict[str, int] = {}
    pending: list[tuple[Ref, list[bytes | None]]] = []
    duplicates: list[str] = []
    for ref, (count, status, raw) in zip(refs, begun, strict=True):
        if status == "superseded":
            d.log(ref.id, 0.0, "superseded")  # submitted again since: the new submission has its own run
            d.ended[ref.id] = "superseded"
        elif status == "done":
            duplicates.append(ref.id)  # a duplicate delivery of a finished article: nothing to do
        else:
            attempts[ref.id] = count
            pending.append((ref, raw))
    if duplicates:
        _clear(store, duplicates, stage.name)
    if len(refs) > 1 and any(attempts[r.id] > 1 for r, _ in pending):
        # A worker died on this message before: each article goes on alone, so that one
        # that kills workers meets the redelivery cap on its own.
        log.warning("message delivered again after a worker died: splitting it",
                    extra={"articles": len(pending), "stage": stage.name})
        with _requeue_if_redis_fails("could not split the message"):
            store.uncount_attempts([r.id for r, _ in pending], stage.name)
        send_on(task, [r for r, _ in pending], stage.name, int(task.request.retries or 0), one_each=True)
        _end_senders(d, refs)
        return outcome_of(d, refs, split=[r.id for r, _ in pending])
    out = _Outcomes()
    alone = len(refs) == 1
    for n, (ref, raw) in enumerate(pending):
        if attempts[ref.id] > rt.settings.max_redeliveries + 1:
            _died_too_often(d, ref, attempts[ref.id])
            out.failed.append(ref.id)
            continue
        missing = [f for f, v in zip(fields, raw, strict=True) if v is None and not f.startswith("run:")]
        if missing:
            d.record(ref, Reason.ERROR, f"stored input(s) {', '.join(missing)} not found "
                     "(expired, purged or never stored)", attempts[ref.id])
            out.failed.append(ref.id)
            continue
        if not _ladder(d, ref, attempts[ref.id], alone, out, lambda raw=raw: _compute(rt, stage, fields, raw)):
            out.unrun = [r for r, _ in pending[n:]]
            break
    survivors = _store_and_hand_on(d, stage, out, attempts)
    if stage is STAGES[-1]:
        d.ended.update((r.id, "done") for r in survivors)
    _end_senders(d, refs)
    return outcome_of(d, refs, done=[r.id for r in survivors],
                      retried=[r.id for r, _ in out.transient if r.id not in d.ended],
                      split=[r.id for r in out.unrun])


def _compute(rt: Runtime, stage: Stage, fields: tuple[str, ...], raw: list[bytes | None]) -> tuple[bytes, dict]:
    records, runs = _decode(fields, raw)
    inject_fault(rt, stage.name)
    output, run = compute(stage, rt.resources, records)
    if stage is STAGES[-1]:
        records[stage.name] = output
        output = build_document(records, runs | {stage.name: run.as_dict()}, PIPELINE_VERSION)
    # Kept encoded until stored: bytes cost the garbage collector nothing (docs/PERFORMANCE.md).
    return as_json(output), run.as_dict()


def _store_and_hand_on(d: Delivery, stage: Stage, out: _Outcomes, attempts: dict[str, int]) -> list[Ref]:
    """Store what the delivery made, retry or split the rest, hand on what was stored; return that."""
    store = d.rt.store
    try:
        if stage is STAGES[-1]:
            stored = store.finish_many(stage.name, [((r.id, r.gen), doc) for r, doc, _ in out.done], STAGE_NAMES,
                                       PIPELINE_VERSION)
        else:
            stored = store.end_stages(stage.name, [((r.id, r.gen), o, run) for r, o, run in out.done])
    except (*TRANSIENT, SoftTimeLimitExceeded) as exc:
        # Nothing of this delivery was stored: retry all that was to be stored or run.
        _retry(d, [r for r, _, _ in out.done] + [r for r, _ in out.transient] + out.unrun, exc, attempts)
        return []
    survivors = [r for (r, _, _), kept in zip(out.done, stored, strict=True) if kept]
    for (ref, _, _), kept in zip(out.done, stored, strict=True):
        if not kept:
            d.log(ref.id, 0.0, "superseded")
            d.ended[ref.id] = "superseded"
    if out.transient:
        _retry(d, [r for r, _ in out.transient], out.transient[0][1], attempts)
    if out.unrun:
        log.warning("soft time limit with several articles: the rest go on one by one",
                    extra={"articles": len(out.unrun), "stage": stage.name})
        with _requeue_if_redis_fails("could not split the message"):
            store.uncount_attempts([r.id for r in out.unrun], stage.name)
        send_on(d.task, out.unrun, stage.name, int(d.task.request.retries or 0), one_each=True)
    if out.failed:
        _clear(store, out.failed, stage.name)
    if stage is not STAGES[-1]:
        send_on(d.task, survivors, STAGE_NAMES[STAGE_NAMES.index(stage.name) + 1])
    return survivors


def _clear(store: Any, article_ids: list[str], stage: str) -> None:
    """End the counting of these articles' deliveries (a leftover counter only makes a redelivery look like a crash)."""
    try:
        store.clear_attempts_of(article_ids, stage)
    except TRANSIENT:
        pass


# --- intake ---------------------------------------------------------------------------


def stamp_received(request: Any) -> None:
    """Note when the main process took an intake message off its queue (in queue order)."""
    request_dict = getattr(request, "request_dict", None)
    if isinstance(request_dict, dict) and getattr(request, "name", None) in (INTAKE_TASK, "khabar.process_batch"):
        request_dict.setdefault(RECEIVED, time.time_ns())


@dataclass(frozen=True)
class Malformed:
    """An intake message whose arguments are not what its task takes (recorded as ``malformed_payload``)."""

    message: str


class Submission(NamedTuple):
    """One payload as it arrived: the message that carried it, where in it, and who waits on it."""

    payload: Any
    message: str  # the Celery task id of its message
    position: int = 0  # its place in that message
    size: int = 1  # how many payloads that message carried
    reply: str = ""  # the task id whose result its sender waits on ('' none)
    received: int = 0  # when the worker's main process took the message (ns; see stamp_received)
    retries: int = 0  # transient retries its message has had

    @property
    def name(self) -> str:
        """The id its failures are recorded under: the payload's, else its message's."""
        fallback = f"task-{self.message}" if self.size == 1 else f"task-{self.message}-{self.position}"
        return usable_id(self.payload) or fallback


REQUEUE = "requeue"  # what take_in returns when its messages must go back to their queue whole


def take_in(task: Task, subs: Sequence[Submission]) -> dict[str, Any]:
    """Validate and store submissions (from one message or many); send the stored ones to the first stage.

    Each intake message's task id ends once all its articles have (``_end_senders``): SUCCESS or
    FAILURE in Flower, and the result a sender that waits (``reply``) gets.
    Returns what became of each article here (``outcome_of``).
    """
    rt = runtime(task.app)
    store = rt.store
    d = Delivery(task, rt, INTAKE, len(subs))
    messages = list(dict.fromkeys(f"task-{s.message}" for s in subs))
    try:
        counts = dict(zip(messages, store.count_attempts(messages, INTAKE), strict=True))
    except (*TRANSIENT, SoftTimeLimitExceeded) as exc:
        _retry_intake(d, subs, exc)
        if d.ended:  # out of retries: recorded, so its task ends
            _open_senders(d, subs, {s.name: s.message for s in subs}, [])
        return outcome_of(d, [], retried=[s.name for s in subs])
    if len(subs) > 1 and any(c > 1 for c in counts.values()):
        # A worker died on these payloads: each goes on in a message of its own, counted on its own.
        log.warning("message delivered again after a worker died: splitting it", extra={"articles": len(subs)})
        _send_payloads(task, subs)
        _clear(store, messages, INTAKE)
        return outcome_of(d, [], split=[s.name for s in subs])
    if len(subs) == 1 and counts[messages[0]] > rt.settings.max_redeliveries + 1:
        _died_too_often(d, Ref(subs[0].name), counts[messages[0]])
        _clear(store, messages, INTAKE)
        _open_senders(d, subs, {subs[0].name: subs[0].message}, [])
        return outcome_of(d, [])
    articles: dict[str, tuple[Article, Submission]] = {}
    owner: dict[str, str] = {}  # article id -> the intake message that carried it
    for n, sub in enumerate(subs):
        ref = Ref(sub.name, f"{sub.message}.{sub.position}")
        owner[ref.id] = sub.message
        started = time.perf_counter()
        try:
            if isinstance(sub.payload, Malformed):
                raise InvalidArticle(Reason.MALFORMED_PAYLOAD, sub.payload.message)
            article = parse_payload(sub.payload, rt.limits, rt.default_budget)
        except InvalidArticle as exc:
            # A rejected resubmission replaces what the id had: the sender's latest word counts.
            with _requeue_if_redis_fails("could not record a rejection"):
                store.reject(ref.id, INTAKE, exc.reason.value, exc.detail, ref.gen, _submitted(sub))
            d.log(ref.id, time.perf_counter() - started, f"failed:{exc.reason.value}")
            d.ended[ref.id] = exc.reason.value
            continue
        except SoftTimeLimitExceeded:
            if len(subs) == 1:
                d.record(ref, Reason.TIMEOUT, f"validation ran past the soft time limit of "
                         f"{rt.settings.soft_time_limit:g} s", counts[f"task-{sub.message}"])
            else:
                _send_payloads(task, subs[n:])
            break
        except MemoryError:
            d.record(ref, Reason.OUT_OF_MEMORY, "validation ran out of memory", counts[f"task-{sub.message}"])
            continue
        except Exception as exc:
            d.record(ref, Reason.ERROR, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}",
                     counts[f"task-{sub.message}"], bug=exc)
            continue
        articles.pop(article.id, None)  # the same id twice: the later payload wins here (and in Redis)
        articles[article.id] = (article, sub)
        owner[article.id] = sub.message
        d.log(article.id, time.perf_counter() - started, "done")
    refs: list[Ref] = []
    if articles:
        items = [(a, content_hash(a.kind, a.content), f"{sub.message}.{sub.position}", _submitted(sub))
                 for a, sub in articles.values()]
        try:
            stored = store.put_articles(items, stages=(INTAKE, *STAGE_NAMES))
        except (*TRANSIENT, SoftTimeLimitExceeded) as exc:
            _retry_intake(d, subs, exc)
            if d.ended:
                _open_senders(d, subs, owner, [])
            return outcome_of(d, [], retried=[s.name for s in subs])
        refs = [Ref(a.id, gen, articles[a.id][1].message)
                for (a, _, gen, _), kept in zip(items, stored, strict=True) if kept]
        d.ended.update((a.id, "superseded") for (a, _, _, _), kept in zip(items, stored, strict=True) if not kept)
        # Before the first stage can end any of them: each intake message's articles are counted.
        _open_senders(d, subs, owner, refs)
        # A sender may have sent more than a worker runs at once: one message per batch_size articles.
        sizes = {a.id: len(a.content.encode("utf-8", "surrogatepass")) for a, _, _, _ in items}
        for group in chunks(refs, rt.settings.batch_size, rt.settings.batch_bytes, size_of=lambda r: sizes[r.id]):
            send_on(task, group, STAGE_NAMES[0])
    else:
        _open_senders(d, subs, owner, [])
    _clear(store, messages, INTAKE)
    return outcome_of(d, [], done=[r.id for r in refs])


def _submitted(sub: Submission) -> str:
    """The order of a submission: received later, or later in the same message, is later."""
    return f"{sub.received or time.time_ns():020d}.{sub.position:06d}"


def _send_payloads(task: Task, subs: Sequence[Submission]) -> None:
    """Send each payload on in a ``khabar.process_batch`` message of its own (counted, capped and retried alone)."""
    with _requeue_if_redis_fails("could not split the message"), \
            task.app.producer_or_acquire() as producer, producer.batch():
        for sub in subs:
            task.app.send_task(BATCH_TASK, args=[[sub.payload]], producer=producer, ignore_result=True,
                               argsrepr=f"[[{{'id': {sub.name!r}}}]]", kwargsrepr="{}")


def _retry_intake(d: Delivery, subs: Sequence[Submission], exc: BaseException) -> None:
    """Redis trouble at intake: the payloads (which exist only in their messages) are sent again after a backoff."""
    retries = max(s.retries for s in subs)
    if retries >= d.rt.settings.max_retries:
        if len(subs) > 1:
            _send_payloads(d.task, subs)  # each goes on alone, to be retried and recorded on its own
            return
        d.record(Ref(subs[0].name), Reason.RETRIES_EXHAUSTED,
                 f"{type(exc).__name__}: {exc} (after {retries} retries)", 0, bug=exc)
        return
    delay = backoff(d.rt, retries)
    log.warning("transient error at intake, retrying", extra={
        "articles": len(subs), "retry": retries + 1, "delay": round(delay, 3), "error": type(exc).__name__})
    with _requeue_if_redis_fails("could not send the intake retry"):
        d.task.app.send_task(BATCH_TASK, args=[[s.payload for s in subs]], countdown=delay, retries=retries + 1,
                             ignore_result=True, argsrepr=f"[[{len(subs)} payload(s)]]", kwargsrepr="{}")


# --- what the task id a sender holds shows (Flower, results) --------------------------
# An intake message's task id (khabar.process_article, khabar.process_batch) ends once every
# article it carried has ended, at whatever stage: the worker then sends its task-succeeded or
# task-failed event (Flower) and, if the sender waits, stores its result.  The count of articles
# still going lives in Redis (``<prefix>:sender:<task id>``): stage messages carry the intake
# task id beside each article (``Ref.reply``), and the delivery that ends the last one ends the task.

SENDER_TTL = 7 * 24 * 3600  # a count whose articles never end (a message lost and swept) goes away
_END_SENDER = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local n = 1
for i = 1, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[1], 'a:' .. ARGV[i], ARGV[i + 1]) == 1 then
    n = redis.call('HINCRBY', KEYS[1], 'pending', -1)
  end
end
if n > 0 then return false end
local all = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return all
"""


class ArticleFailed(Exception):
    """How an intake task whose articles all failed shows in Flower and in its result: ids and reasons only."""


def outcome_of(d: Delivery, refs: Sequence[Ref], *, done: Sequence[str] = (), retried: Sequence[str] = (),
               split: Sequence[str] = ()) -> dict[str, Any]:
    """A task's result: ``{"done": [...], "failed": {id: reason}}`` (and ``retried``, ``split`` when any)."""
    out: dict[str, Any] = {"done": list(dict.fromkeys(done)),
                           "failed": {i: o for i, o in d.ended.items() if o != "done"}}
    if retried:
        out["retried"] = list(retried)
    if split:
        out["split"] = list(split)
    return out


def _sender_key(d: Delivery, task_id: str) -> str:
    return f"{d.rt.store.prefix}:sender:{task_id}"


def _open_senders(d: Delivery, subs: Sequence[Submission], owner: dict[str, str], stored: Sequence[Ref]) -> None:
    """Count each intake message's stored articles; a message none of whose articles went on ends now."""
    going: dict[str, int] = {}
    for ref in stored:
        going[ref.reply] = going.get(ref.reply, 0) + 1
    ended: dict[str, dict[str, str]] = {}
    for article_id, outcome in d.ended.items():
        if article_id in owner:
            ended.setdefault(owner[article_id], {})[article_id] = outcome
    messages = {s.message: s for s in subs}
    try:
        pipe = d.rt.store.r.pipeline(transaction=False)
        for message, sub in messages.items():
            if going.get(message):
                fields = {"pending": going[message], "want": "1" if sub.reply else "", "task": d.task.name,
                          **{f"a:{i}": o for i, o in ended.get(message, {}).items()}}
                pipe.hset(_sender_key(d, message), mapping=fields)
                pipe.expire(_sender_key(d, message), SENDER_TTL)
        pipe.execute()
    except TRANSIENT:
        log.warning("could not count the articles of intake messages: their task ids will not end in Flower")
    for message, sub in messages.items():
        if not going.get(message):
            _announce(d, message, d.task.name, bool(sub.reply), ended.get(message, {}))


def _end_senders(d: Delivery, refs: Sequence[Ref]) -> None:
    """Count down the intake messages of the articles that ended in this delivery; end those that reach 0."""
    by_sender: dict[str, list[str]] = {}
    for ref in refs:
        if ref.reply and ref.id in d.ended:
            by_sender.setdefault(ref.reply, []).extend((ref.id, d.ended[ref.id]))
    if not by_sender:
        return
    try:
        script = d.rt.store.r.register_script(_END_SENDER)
        pipe = d.rt.store.r.pipeline(transaction=False)
        for sender, argv in by_sender.items():
            script(keys=[_sender_key(d, sender)], args=argv, client=pipe)
        replies = pipe.execute()
    except TRANSIENT:
        log.warning("could not count down intake messages: their task ids may not end in Flower")
        return
    for sender, reply in zip(by_sender, replies, strict=True):
        if reply:
            fields = {_s(k): _s(v) for k, v in zip(reply[::2], reply[1::2], strict=True)}
            _announce(d, sender, fields.get("task", BATCH_TASK), bool(fields.get("want")),
                      {k[2:]: v for k, v in fields.items() if k.startswith("a:")})


def _s(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _announce(d: Delivery, sender: str, task_name: str, want: bool, outcomes: dict[str, str]) -> None:
    """End the intake task ``sender``: its event for Flower, and its result when its sender waits on one.

    ``khabar.process_article``: SUCCESS with the article id, or FAILURE naming the reason.
    ``khabar.process_batch``: SUCCESS with ``{"done": [...], "failed": {id: reason}}``, or FAILURE
    when every article failed (the same ids and reasons in the exception).
    """
    from celery.utils.saferepr import saferepr

    done = [i for i, o in outcomes.items() if o == "done"]
    failed = {i: o for i, o in outcomes.items() if o != "done"}
    single = task_name == INTAKE_TASK
    result: Any = (done[0] if done else None) if single else {"done": done, "failed": failed}
    exc = None if done else ArticleFailed(
        "; ".join(f"{i}: {o}" for i, o in failed.items()) if single or len(failed) <= 20
        else f"every article failed ({len(failed)}): " + json.dumps(failed)[:2000])
    try:
        if want:
            if exc is None:
                d.task.backend.mark_as_done(sender, result)
            else:
                d.task.backend.mark_as_failure(sender, exc)
        if d.task.app.conf.worker_send_task_events:
            hostname = getattr(d.task.request, "hostname", None)
            with d.task.app.events.default_dispatcher(hostname=hostname) as events:
                if exc is None:
                    events.send("task-succeeded", uuid=sender, result=saferepr(result))
                else:
                    events.send("task-failed", uuid=sender, exception=repr(exc), traceback="")
    except (*TRANSIENT, OSError):  # type: ignore[misc]  # TRANSIENT is a tuple of exception classes
        log.warning("could not end intake task %s in Flower or its result", sender)
