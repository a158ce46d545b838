"""Messages the worker refuses before any task runs, recorded instead of only logged.

Celery drops a message it will not or cannot read (a pickled body, broken JSON,
an unknown task name) with a log line that quotes up to 1 KB of the body, which
may be article text.  ``RefusingConsumer`` (installed as ``worker_consumer``)
logs the refusal without the body and records it in the failed-article registry
under ``task-<message id>``, so the sender can find it with ``khabar failed list``.
The message is then removed as before: a message that cannot be read never can be.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.worker.consumer import Consumer
from kombu.exceptions import ContentDisallowed

from khabar.tasks.errors import TRANSIENT, Reason
from khabar.tasks.pipeline import INTAKE
from khabar.worker.runtime import main_store

log = logging.getLogger("khabar.refusals")

def _record(consumer: Any, message: Any, reason: Reason, why: str) -> None:
    headers = message.headers if isinstance(getattr(message, "headers", None), dict) else {}
    task_id = str(headers.get("id") or getattr(message, "delivery_tag", "") or "unknown")
    failure_id = f"task-{task_id}"
    log.error("message refused: %s", why,
              extra={"article_id": failure_id, "reason": reason.value, "task": str(headers.get("task", "")),
                     "content_type": str(message.content_type), "bytes": len(message.body or b"")})
    try:
        main_store(consumer.app).fail(failure_id, INTAKE, reason.value, why, overwrite_done=False)
    except TRANSIENT:
        log.exception("could not record the refused message %s", failure_id)


def _why(exc: BaseException, message: Any) -> tuple[Reason, str]:
    if isinstance(exc, ContentDisallowed):
        return Reason.NOT_JSON, f"content type {message.content_type!r} is not accepted (JSON only): refused"
    return Reason.MALFORMED_PAYLOAD, f"message could not be read as a task: {type(exc).__name__}"


class RefusingConsumer(Consumer):
    """Celery's consumer, recording refused messages and keeping their bodies out of the logs."""

    def on_decode_error(self, message: Any, exc: Exception) -> None:
        reason, why = _why(exc, message)
        _record(self, message, reason, why)
        message.ack()

    def on_invalid_task(self, body: Any, message: Any, exc: Exception) -> None:
        reason, why = _why(exc, message)
        _record(self, message, reason, why)
        message.reject_log_error(log, self.connection_errors)

    def on_unknown_task(self, body: Any, message: Any, exc: Exception) -> None:
        headers = message.headers if isinstance(message.headers, dict) else {}
        _record(self, message, Reason.MALFORMED_PAYLOAD, f"no task named {str(headers.get('task'))[:100]!r}")
        message.reject_log_error(log, self.connection_errors)

    def on_unknown_message(self, body: Any, message: Any) -> None:
        _record(self, message, Reason.MALFORMED_PAYLOAD, "not a task message (no task name)")
        message.reject_log_error(log, self.connection_errors)
