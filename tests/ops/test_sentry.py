"""Sentry in real worker processes: a bug makes one event, with no article text; bad input makes none."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from khabar.worker.sentry import package_version, scrub_event
from khabar.worker.store import ArticleStore
from tests.conftest import celery_client
from tests.ops.helpers import ARABIC, short_payloads, wait_until
from tests.support import RedisServer


def test_scrubbing_removes_arguments_local_variables_and_article_text() -> None:
    text = "أعلن وزير المالية اليوم خطة جديدة"
    event = {
        "tags": {"article_id": "a-1", "stage": "section"},
        "extra": {"celery-job": {"task_name": "khabar.stage.section", "args": [{"text": text}],
                                 "kwargs": {}}},
        "exception": {"values": [{"type": "KeyError", "value": f"'{text}' not in table", "stacktrace": {
            "frames": [{"function": "execute_stage", "vars": {"records": {"text": text}}}]}}]},
        "breadcrumbs": {"values": [{"message": f"read {text} (id a-1)"}]},
        "request": {"data": text},
    }
    scrubbed = scrub_event(event)
    assert not ARABIC.search(json.dumps(scrubbed, ensure_ascii=False))
    assert scrubbed["tags"] == {"article_id": "a-1", "stage": "section"}
    assert scrubbed["extra"]["celery-job"] == {"task_name": "khabar.stage.section", "args": "[Filtered]",
                                               "kwargs": "[Filtered]"}
    assert scrubbed["exception"]["values"][0]["value"] == "'[redacted]' not in table"
    assert "vars" not in scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert scrubbed["breadcrumbs"]["values"][0]["message"] == "read [redacted] (id a-1)"
    assert "request" not in scrubbed


def test_a_bug_in_a_stage_is_one_event_and_bad_input_none(
    clean_redis: RedisServer, make_worker: Any, tmp_path: Path
) -> None:
    events_file = tmp_path / "sentry-events.jsonl"
    make_worker(clean_redis.url, concurrency=1, sentry_transport=f"file:{events_file}",
                sentry_environment="drill", fault_stage="section", fault_bug="1")
    good = short_payloads(1, start=90)[0]
    bad = {"id": "english-only", "text": "Only English words here, none of them Arabic."}
    client = celery_client(clean_redis.url)
    for payload in (bad, good):
        client.send_task("khabar.process_article", args=[payload], queue="khabar")

    store = ArticleStore(clean_redis.client())
    wait_until(lambda: store.status("english-only") == "failed" and store.status(good["id"]) == "failed", 60,
               "both articles to fail")
    wait_until(events_file.exists, 30, "the bug's event")
    time.sleep(2)  # room for a second event, if one were coming
    events = [json.loads(line) for line in events_file.read_text(encoding="utf-8").splitlines()]

    assert len(events) == 1
    event = events[0]
    assert event["tags"]["article_id"] == good["id"]
    assert event["tags"]["task"] == "khabar.stage.section" and event["tags"]["stage"] == "section"
    assert event["transaction"] == "khabar.stage.section"
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["exception"]["values"][-1]["value"] == "injected bug in stage section"
    assert (event["release"], event["environment"]) == (f"khabar@{package_version()}", "drill")
    raw = json.dumps(event, ensure_ascii=False)
    assert not ARABIC.search(raw)
    assert all("vars" not in frame for frame in event["exception"]["values"][-1]["stacktrace"]["frames"])
    assert store.failure(good["id"]).reason == "error"  # type: ignore[union-attr]
