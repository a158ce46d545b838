"""Finds articles whose message was lost, and sends them on again or records them as lost.

A message can be lost in one narrow window that acks and the visibility timeout do
not cover: a worker killed just after taking it off its queue and before recording
it as unacknowledged (see worker/transport.py).  Its article then stays ``queued``
or ``running`` with no message anywhere.  Every worker runs ``sweep`` every few
restore intervals (one at a time, under a lock); an article in progress is taken
as lost when all of these hold:

* it has not changed for longer than the visibility timeout plus two restore
  sweeps (by then any message a dead worker held is back in its queue);
* the queue of its next stage is empty (queues are first in, first out: a message
  sent before the article last changed would have been taken by now);
* no unacknowledged message (running, prefetched, waiting for a retry) names it.

It is then sent on from its first stage with no stored output; an article whose
payload was never stored (its intake message was lost) is recorded as failed with
reason ``lost``.  A wrong guess costs a duplicate run, which stages make harmless.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from celery import bootsteps

from khabar.config.settings import Settings
from khabar.tasks.errors import TRANSIENT, Reason
from khabar.tasks.pipeline import INTAKE, STAGE_NAMES
from khabar.worker.routing import queue_name
from khabar.worker.runtime import main_store, settings_of
from khabar.worker.store import ArticleStore
from khabar.worker.upstream import UNACKED_KEY, priority_queues

log = logging.getLogger("khabar.sweeper")



def lost_after(settings: Settings) -> float:
    """Seconds without change after which an article in progress may have lost its message."""
    return settings.effective_visibility_timeout + 2 * settings.restore_interval


def held_ids(r: Any) -> set[str]:
    """Article ids (or ``task-<id>``) named by unacknowledged messages, batches included."""
    out = set()
    for raw in r.hvals(UNACKED_KEY):
        try:
            message = json.loads(raw)[0]
            headers = message.get("headers") or {}
            body = message["body"]
            if message.get("properties", {}).get("body_encoding") == "base64":
                body = base64.b64decode(body)
            args = json.loads(body)[0]
            first = args[0] if args else None
        except (ValueError, KeyError, IndexError, TypeError):
            continue
        # An id, a payload, or several (a list of [id, gen] references or of payloads: khabar.worker.execute).
        for item in first if isinstance(first, list) else [first]:
            if isinstance(item, list) and item and isinstance(item[0], str):
                out.add(item[0])
            elif isinstance(item, str):
                out.add(item)
            elif isinstance(item, dict) and isinstance(item.get("id"), str):
                out.add(item["id"])
        if headers.get("id"):
            out.add(f"task-{headers['id']}")
    return out


def queue_depth(r: Any, queue: str) -> int:
    """Messages waiting in ``queue`` (kombu's priority lists included)."""
    pipe = r.pipeline(transaction=False)
    for name in priority_queues(queue):
        pipe.llen(name)
    return sum(pipe.execute())


def queue_empty(r: Any, queue: str) -> bool:
    return not queue_depth(r, queue)


def sweep(store: ArticleStore, settings: Settings, send: Callable[[str, str], None],
          older_than: float | None = None, check_queues: bool = True,
          only: Iterable[str] | None = None) -> list[str]:
    """Recover articles that lost their message; return one line per article acted on.

    ``send(article_id, stage)`` sends the chain from ``stage``.  ``check_queues=False``
    (an operator's ``--requeue``) skips the empty-queue test.
    """
    candidates = store.stale(lost_after(settings) if older_than is None else older_than)
    if only is not None:
        wanted = set(only)
        candidates = [c for c in candidates if c[0] in wanted]
    if not candidates:
        return []
    held = held_ids(store.r)
    # Which queues were empty when the sweep began: an article this sweep sends on fills its
    # queue, and must not make the next lost article of the same stage wait for another sweep.
    empty: dict[str, bool] = {}
    lines = []
    for article_id, _status, _stage, _updated in candidates:
        if article_id in held:
            continue
        stage = store.first_unfinished_stage(article_id, STAGE_NAMES)
        queue = queue_name(settings.queue_prefix, stage)
        if check_queues and queue not in empty:
            empty[queue] = queue_empty(store.r, queue)
        if check_queues and not empty[queue]:
            continue  # a backlog: the message may still be waiting in it
        if stage is None:
            store.fail(article_id, INTAKE, Reason.LOST.value,
                       "the message was lost before the payload was validated and stored; resubmit it")
            lines.append(f"{article_id}: lost before validation, recorded as failed; resubmit it")
            continue
        store.touch(article_id)
        send(article_id, stage)
        lines.append(f"{article_id}: requeued from stage {stage}")
    return lines


class Sweeper(bootsteps.StartStopStep):  # type: ignore[misc]
    """Runs ``sweep`` in the worker's main process every five restore intervals."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.tref: Any = None
        self.app: Any = None

    def start(self, worker: Any) -> None:
        self.app = worker.app
        settings = settings_of(self.app)
        self.tref = worker.timer.call_repeatedly(5 * settings.restore_interval, self.run, priority=10)

    def stop(self, worker: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None

    def run(self) -> None:
        from khabar.worker.execute import resend

        settings = settings_of(self.app)
        store = main_store(self.app)
        lock = f"{settings.key_prefix}:sweeper"
        try:
            ttl = max(1, int(4 * settings.restore_interval))  # shorter than the period
            if not store.r.set(lock, str(time.time()), nx=True, ex=ttl):
                return  # another worker is sweeping
            for line in sweep(store, settings, lambda i, s: resend(self.app, store, [i], s)):
                log.warning("recovered an article whose message was lost: %s", line)
        except TRANSIENT:
            log.info("sweep skipped: Redis unreachable")
        except Exception:  # a sweep must never take the worker down
            log.exception("sweep failed")
