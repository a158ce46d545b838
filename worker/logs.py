"""Worker logs: one line per stage per article, as text or JSON, with no article text.

``install(settings)`` connects Celery signals (the worker keeps the root logger,
``worker_hijack_root_logger=False``):

* ``after_setup_logger`` / ``after_setup_task_logger`` put khabar's formatter on
  the handlers Celery made: plain text with ``key=value`` fields, or one JSON
  object per line when ``KHABAR_LOG_JSON`` is set;
* the one path (``khabar.worker.execute``) logs one line per article per stage on the
  logger ``khabar.stages``, naming the article, the stage, the seconds it took and
  the outcome: ``done``, ``retry``, ``superseded`` or ``failed:<reason>``.

With ``KHABAR_LOG_JSON`` every line the worker writes, on stdout and stderr, is one
JSON object: Python warnings become log records, the root logger gets the JSON
handler before Celery looks (so Celery adds none of its own), ``khabar worker``
passes Celery's ``--quiet`` (no banner; the facts in it are one ``worker starting``
record), and Celery's few direct writes (its shutdown notices) are JSON lines.

Unless ``KHABAR_LOG_TEXT`` is set, every run of Arabic script in a formatted line
is replaced by ``[redacted]``: khabar's own messages never carry article text, and
this keeps it out of third-party messages and tracebacks too.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime
from typing import Any

from celery import signals

from khabar.config.settings import Settings

log = logging.getLogger("khabar.stages")

# Arabic script blocks: U+0600-U+06FF, U+0750-U+077F, U+08A0-U+08FF, presentation
# forms U+FB50-U+FDFF and U+FE70-U+FEFF.  A run goes from the first Arabic character
# to the last with only spaces, digits and punctuation between (Latin words end it).
_ARABIC = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
_ARABIC_RUN = re.compile(rf"[{_ARABIC}](?:[{_ARABIC}\s\d\W_]*[{_ARABIC}])?")
REDACTED = "[redacted]"

INTAKE_TASK = "khabar.process_article"
STAGE_TASK_PREFIX = "khabar.stage."

# LogRecord attributes that are not "extra" fields.
_RECORD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}


def redact_text(value: str) -> str:
    """Return ``value`` with every run of Arabic script replaced by ``[redacted]``."""
    return _ARABIC_RUN.sub(REDACTED, value)


def article_ref(task_name: str, args: Any, task_id: str | None) -> tuple[str, str] | None:
    """Return ``(stage, article_id)`` for a khabar task call, None for other tasks.

    The intake task's stage is ``validate`` and its article id the one the article
    will be stored under: the payload's id, else the content-hash id; a payload with
    neither is ``task-<task id>``.
    """
    from khabar.tasks.validate import content_hash, usable_id

    args = list(args or ())
    if task_name.startswith(STAGE_TASK_PREFIX):
        if args and isinstance(args[0], list):
            return None  # a list of articles: khabar.worker.execute logs each
        return task_name[len(STAGE_TASK_PREFIX):], str(args[0]) if args else "?"
    if task_name != INTAKE_TASK:
        return None
    payload = args[0] if len(args) == 1 else None
    given = usable_id(payload)
    if given is not None:
        return "validate", given
    if isinstance(payload, dict) and payload.get("id") is None:
        kinds = [k for k in ("text", "html") if isinstance(payload.get(k), str)]
        if len(kinds) == 1:
            return "validate", content_hash(kinds[0], payload[kinds[0]])[:32]
    return "validate", f"task-{task_id}"


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    """The record's extra fields that are plain values (Celery's ``data`` dicts are left out)."""
    return {
        k: v
        for k, v in vars(record).items()
        if k not in _RECORD_ATTRS and not k.startswith("_") and isinstance(v, str | int | float | bool | None)
    }


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message key=value ...``, redacted unless text is allowed."""

    def __init__(self, allow_text: bool = False) -> None:
        super().__init__("[%(asctime)s: %(levelname)s/%(processName)s] %(name)s: %(message)s")
        self.allow_text = allow_text

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        if fields:
            head, sep, tail = line.partition("\n")  # fields go on the first line, before any traceback
            line = f"{head} {fields}{sep}{tail}"
        return line if self.allow_text else redact_text(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, pid, message, extra fields, exc."""

    def __init__(self, allow_text: bool = False) -> None:
        super().__init__()
        self.allow_text = allow_text

    def format(self, record: logging.LogRecord) -> str:
        clean = (lambda s: s) if self.allow_text else redact_text
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": clean(record.getMessage()),
        }
        for key, value in _extras(record).items():
            out.setdefault(key, clean(value) if isinstance(value, str) else value)
        if record.exc_info:
            out["exc"] = clean(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False, default=str)


def formatter_for(settings: Settings) -> logging.Formatter:
    cls = JsonFormatter if settings.log_json else TextFormatter
    return cls(allow_text=settings.log_text)


def _json_say(msg: str, f: Any = sys.__stderr__) -> None:
    """``celery.apps.worker.safe_say`` as a JSON line: called in signal handlers, so no logging locks."""
    line = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "level": "INFO",
            "logger": "celery.apps.worker", "pid": os.getpid(), "message": msg.strip()}
    try:
        os.write(f.fileno(), (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8"))
    except (AttributeError, OSError, ValueError):
        pass  # a closed or detached stream: the notice is lost, as Celery's own would be


def _worker_starting(sender: Any = None, instance: Any = None, **_: Any) -> None:
    """The facts of Celery's banner (suppressed with JSON logs), as one record."""
    app = getattr(instance, "app", None)
    queues = sorted(app.amqp.queues.consume_from) if app is not None else []
    facts = {"hostname": str(sender), "queues": ",".join(queues), "concurrency": getattr(instance, "concurrency", None)}
    logging.getLogger("khabar.worker").info("worker starting", extra=facts)


def json_everywhere(formatter: logging.Formatter) -> None:
    """Route what would reach stdout or stderr outside logging through the JSON formatter.

    Written against Celery 5.7: ``celery.apps.worker.safe_say`` is the function its
    shutdown handlers write with (``tests/ops/test_logs_and_routing.py`` parses every
    line of a real worker's output and fails if a Celery upgrade writes another way).
    """
    from celery.apps import worker as celery_worker

    logging.captureWarnings(True)
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.__stderr__)
        handler.setFormatter(formatter)
        root.addHandler(handler)
    celery_worker.safe_say = _json_say
    signals.celeryd_after_setup.connect(_worker_starting, weak=False)


def install(settings: Settings) -> None:
    """Connect the logging signal receivers for this process (the worker's and its children's)."""
    formatter = formatter_for(settings)
    if settings.log_json:
        json_everywhere(formatter)

    def use_formatter(logger: logging.Logger, **_: Any) -> None:
        for handler in logger.handlers:
            handler.setFormatter(formatter)

    signals.after_setup_logger.connect(use_formatter, weak=False)
    signals.after_setup_task_logger.connect(use_formatter, weak=False)
