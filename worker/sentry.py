"""Sentry in the worker: bugs are reported, bad input is not, article text never leaves.

``install(settings)`` connects Celery signals so that a worker initialises
sentry-sdk with its Celery integration when ``SENTRY_DSN`` (or, for drills and
tests, ``KHABAR_SENTRY_TRANSPORT=file:/path``) is set:

* in ``celeryd_init`` (the worker's main process, before the pool forks, so the
  integration wraps the tasks' tracers) and in ``worker_process_init`` when a pool
  process starts without it (spawned rather than forked);
* release ``khabar@<package version>`` (``KHABAR_RELEASE`` overrides it), environment ``KHABAR_SENTRY_ENVIRONMENT``;
* failures a task declares in ``throws`` (``InvalidArticle``, ...) are skipped by
  the integration itself: only bugs become events;
* every event carries the tags ``article_id``, ``stage`` and ``task``;
* unless ``KHABAR_SEND_TEXT_TO_SENTRY`` is set: no PII, no local variables, task
  arguments replaced, and every run of Arabic script in the event redacted
  (exception messages and breadcrumbs included).
"""

from __future__ import annotations

import fcntl
import json
import logging
from pathlib import Path
from typing import Any

import sentry_sdk
from celery import signals
from sentry_sdk.envelope import Envelope
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.logging import ignore_logger
from sentry_sdk.transport import Transport

from khabar.config.settings import Settings
from khabar.config.version import package_version
from khabar.worker.logs import article_ref, redact_text

FILTERED = "[Filtered]"
# Fields of an event that hold identifiers, not content: kept as they are.
_KEEP = frozenset({"tags", "release", "environment", "event_id", "timestamp", "platform", "sdk", "modules",
                   "contexts"})


def release(settings: Settings | None = None) -> str:
    """Sentry's release: ``KHABAR_RELEASE`` (or ``SENTRY_RELEASE``) when set, else ``khabar@<version>``."""
    if settings is not None and settings.release:
        return settings.release
    return f"khabar@{package_version()}"


class FileTransport(Transport):
    """Appends each event as one JSON line to a file, for drills and tests (no network).

    Several worker processes may write at once: each line is written under an
    exclusive lock.
    """

    def __init__(self, path: str | Path, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.path = Path(path)

    def capture_envelope(self, envelope: Envelope) -> None:
        for item in envelope.items:
            event = item.get_event()
            if event is None:
                continue  # sessions, client reports: not events
            line = json.dumps(event, ensure_ascii=False, default=str) + "\n"
            with self.path.open("a", encoding="utf-8") as out:
                fcntl.flock(out, fcntl.LOCK_EX)
                out.write(line)


def transport_for(spec: str) -> Transport:
    """The transport a ``KHABAR_SENTRY_TRANSPORT`` value names (only ``file:<path>``)."""
    scheme, _, rest = spec.partition(":")
    if scheme != "file" or not rest:
        raise ValueError(f"unknown Sentry transport {spec!r}; use file:/path/to/events.jsonl")
    return FileTransport(rest)


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: _redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v) for v in value]
    return value


def scrub_event(event: dict[str, Any]) -> dict[str, Any]:
    """Return the event with no task arguments, local variables or article text."""
    job = event.get("extra", {}).get("celery-job")
    if isinstance(job, dict):
        job.update({k: FILTERED for k in ("args", "kwargs") if k in job})
    for exc in (event.get("exception") or {}).get("values") or []:
        for frame in (exc.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for thread in (event.get("threads") or {}).get("values") or []:
        for frame in (thread.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    event.pop("request", None)
    return {k: (v if k in _KEEP else _redact(v)) for k, v in event.items()}


def _before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    return scrub_event(event)


def init_sentry(settings: Settings) -> bool:
    """Initialise sentry-sdk for this process if configured; return whether it is on."""
    dsn = settings.sentry_dsn.get_secret_value() if settings.sentry_dsn else None
    transport = transport_for(settings.sentry_transport) if settings.sentry_transport else None
    if not dsn and transport is None:
        return False
    send_text = settings.send_text_to_sentry
    sentry_sdk.init(
        dsn=dsn,
        transport=transport,
        release=release(settings),
        environment=settings.sentry_environment,
        integrations=[CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=send_text,
        before_send=None if send_text else _before_send,  # type: ignore[arg-type]  # sentry types events as TypedDicts
        max_request_body_size="never",
    )
    # The per-stage log lines already end as Celery task failures that the
    # integration reports; as log events they would be reported twice.
    ignore_logger("khabar.stages")
    return True


def tag_task(task_id: str, task: Any, args: Any = None, **_: Any) -> None:
    """Tag the task's Sentry scope (the integration opens one per task) with its article."""
    ref = article_ref(task.name, args, task_id)
    if ref is not None:
        sentry_sdk.set_tag("stage", ref[0])
        sentry_sdk.set_tag("article_id", ref[1])
    sentry_sdk.set_tag("task", task.name)


def install(settings: Settings) -> None:
    """Connect the signal receivers that turn Sentry on in worker processes."""

    def on_worker_init(**_: Any) -> None:
        if init_sentry(settings):
            signals.worker_ready.connect(on_ready, weak=False)

    def on_ready(**_: Any) -> None:  # logging is set up by now (not yet at celeryd_init)
        logging.getLogger("khabar.sentry").info(
            "Sentry on", extra={"release": release(settings), "environment": settings.sentry_environment})

    def on_process_init(**_: Any) -> None:
        if not sentry_sdk.is_initialized():  # a forked child already has the parent's client
            init_sentry(settings)

    signals.celeryd_init.connect(on_worker_init, weak=False)
    signals.worker_process_init.connect(on_process_init, weak=False)
    signals.task_prerun.connect(tag_task, weak=False)
