"""Sending articles: many per message for bulk senders (``khabar submit``, ``khabar backfill``).

``send_payloads`` groups payloads into ``khabar.process_batch`` messages of at most
``batch_size`` articles and ``batch_bytes`` of text (khabar.worker.execute says
how a message keeps its articles apart); ``batch_size`` 1 sends one
``khabar.process_article`` per article instead.  Every message goes through one
producer in one Redis pipeline, keeps no result (documents are read from the
store by id), and shows article ids, never text, as its arguments in events and
Flower.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from khabar.worker.routing import BATCH_TASK, INTAKE_TASK, queue_name

T = TypeVar("T")

# A sender rides out a Redis restart of about a minute before it gives up.
SUBMIT_RETRY_POLICY = {"max_retries": 30, "interval_start": 0, "interval_step": 0.5, "interval_max": 2.0}


def payload_bytes(payload: dict[str, Any]) -> int:
    """The size a payload's text counts towards ``batch_bytes`` (UTF-8 bytes of its text or HTML)."""
    content = payload.get("html", payload.get("text"))
    return len(content.encode("utf-8", "surrogatepass")) if isinstance(content, str) else 0


def chunks(items: Sequence[T], size: int, max_bytes: int,
           size_of: Callable[[T], int] = payload_bytes) -> Iterator[list[T]]:  # type: ignore[assignment]
    """Consecutive groups of at most ``size`` items and ``max_bytes`` of text (a larger item goes alone)."""
    group: list[T] = []
    held = 0
    for item in items:
        n = size_of(item)
        if group and (len(group) >= size or held + n > max_bytes):
            yield group
            group, held = [], 0
        group.append(item)
        held += n
    if group:
        yield group


def _argsrepr(group: list[dict[str, Any]]) -> str:
    ids = [p.get("id") for p in group]
    if len(ids) <= 3:
        return repr([ids]) if len(ids) > 1 else f"[{{'id': {ids[0]!r}}}]"
    return f"[[{ids[0]!r}, ... {len(ids) - 2} more ..., {ids[-1]!r}]]"


def send_payloads(app: Any, queue: Any, payloads: Sequence[dict[str, Any]], *, batch_size: int, batch_bytes: int,
                  producer: Any) -> int:
    """Publish payloads (each with its ``id``) through ``producer``; return the number of messages."""
    messages = 0
    for group in chunks(payloads, batch_size, batch_bytes):
        args: list[Any]
        if len(group) == 1 and batch_size == 1:
            name, args = INTAKE_TASK, [group[0]]
        else:
            name, args = BATCH_TASK, [group]
        app.send_task(name, args=args, queue=queue, producer=producer, declare=[], ignore_result=True,
                      argsrepr=_argsrepr(group), kwargsrepr="{}", retry=True, retry_policy=SUBMIT_RETRY_POLICY)
        messages += 1
    return messages


def submit_payloads(mod: Any, payloads: list[dict[str, Any]], names: list[str] | None = None) -> list[str]:
    """Send payloads in batches (khabar.worker.batching); return their article ids.

    Sizes are checked before anything is sent: an oversized article raises
    ``InvalidArticle`` (reason ``too_large``, naming it by ``names`` or its id) and
    nothing is sent.
    """
    from khabar.tasks.errors import InvalidArticle
    from khabar.tasks.validate import check_size, content_hash
    from khabar.worker.runtime import limits_from, store_for

    settings = mod.settings
    limits = limits_from(settings)
    ids = []
    for n, p in enumerate(payloads):
        kind = "html" if "html" in p else "text"
        content = p.get(kind)
        if isinstance(content, str):
            try:
                check_size(content, limits)
            except InvalidArticle as exc:
                name = names[n] if names else p.get("id") or f"payload {n + 1}"
                raise InvalidArticle(exc.reason, f"{name}: {exc.detail}") from None
        p.setdefault("id", content_hash(kind, str(content or ""))[:32])
        ids.append(p["id"])
    store_for(settings, mod.app.conf.broker_url).mark_queued(ids)
    queue = mod.app.amqp.queues[queue_name(settings.queue_prefix)]
    with mod.app.producer_or_acquire() as producer, producer.batch():
        producer.maybe_declare(queue)  # once, not once per message
        send_payloads(mod.app, queue, payloads, batch_size=settings.batch_size, batch_bytes=settings.batch_bytes,
                      producer=producer)
    return ids
