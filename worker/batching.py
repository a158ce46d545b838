"""Sending articles: many per message for bulk senders (``khabar submit``, ``khabar backfill``).

``send_payloads`` groups payloads into ``khabar.process_batch`` messages of at most
``batch_size`` articles and ``batch_bytes`` of text (tasks/celery_batches.py says
why and how a batch keeps its articles apart); ``batch_size`` 1 sends one
``khabar.process_article`` per article instead.  Every message goes through one
producer in one Redis pipeline, keeps no result (documents are read from the
store by id), and shows article ids, never text, as its arguments in events and
Flower.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

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
            name, args = "khabar.process_article", [group[0]]
        else:
            name, args = "khabar.process_batch", [group]
        app.send_task(name, args=args, queue=queue, producer=producer, declare=[], ignore_result=True,
                      argsrepr=_argsrepr(group), kwargsrepr="{}", retry=True, retry_policy=SUBMIT_RETRY_POLICY)
        messages += 1
    return messages
