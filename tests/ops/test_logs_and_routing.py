"""Worker logs (JSON, one line per stage per article, no text) and stages split across workers by queue."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from khabar.worker.store import ArticleStore
from tests.conftest import celery_client
from tests.ops.helpers import ARABIC, short_payloads, stage_lines, wait_until
from tests.support import RedisServer


def test_json_logs_one_line_per_stage_with_outcome_and_no_text(
    clean_redis: RedisServer, make_worker: Any
) -> None:
    # Every entities run hits an injected transient fault: one retry, then retries_exhausted.
    worker = make_worker(clean_redis.url, concurrency=1, log_json="1", fault_stage="entities", fault_rate="1",
                         max_retries="1", retry_backoff="0.05", retry_backoff_max="0.1")
    good = short_payloads(2, start=80)
    bad = {"id": "english-only", "text": "Only English words here, none of them Arabic."}
    client = celery_client(clean_redis.url)
    for payload in (*good, bad):
        client.send_task("khabar.process_article", args=[payload], queue="khabar")
    store = ArticleStore(clean_redis.client())
    ids = [str(p["id"]) for p in good]
    wait_until(lambda: all(store.status(i) == "failed" for i in [*ids, "english-only"]), 90, "all to fail")

    def stage_records() -> list[dict[str, Any]]:
        lines = worker.log.read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.startswith("{")]
        return [r for r in records if r["logger"] == "khabar.stages"]

    wait_until(lambda: len(stage_records()) >= 2 * 5 + 1, 30, "the last stage line")
    text = worker.log.read_text(encoding="utf-8")
    assert "ready." in text and not ARABIC.search(text)
    records = stage_records()
    for r in records:
        assert set(r) >= {"ts", "level", "article_id", "stage", "seconds", "outcome", "task_id"}
        assert isinstance(r["seconds"], float) and r["seconds"] >= 0
    outcomes = Counter((r["article_id"], r["stage"], r["outcome"]) for r in records)
    for article_id in ids:
        assert outcomes[(article_id, "validate", "done")] == 1
        assert outcomes[(article_id, "normalise", "done")] == 1
        assert outcomes[(article_id, "section", "done")] == 1
        assert outcomes[(article_id, "entities", "retry")] == 1
        assert outcomes[(article_id, "entities", "failed:retries_exhausted")] == 1
        assert not any(k[0] == article_id and k[1] == "summarise" for k in outcomes)
    assert outcomes[("english-only", "validate", "failed:not_arabic")] == 1
    assert len(records) == sum(outcomes.values()) == 11


def test_entities_on_its_own_worker(clean_redis: RedisServer, make_worker: Any) -> None:
    main = make_worker(clean_redis.url, concurrency=1,
                       queues="khabar,khabar.normalise,khabar.section,khabar.summarise")
    entities = make_worker(clean_redis.url, concurrency=1, queues="khabar.entities")
    payloads = short_payloads(6, start=100)
    client = celery_client(clean_redis.url)
    for p in payloads:
        client.send_task("khabar.process_article", args=[p], queue="khabar")
    store = ArticleStore(clean_redis.client())
    ids = [str(p["id"]) for p in payloads]
    wait_until(lambda: all(store.status(i) == "done" for i in ids), 90, "the articles to be done")

    ran = {name: Counter(line["stage"] for line in stage_lines(w.log)) for name, w in
           (("main", main), ("entities", entities))}
    assert ran["entities"] == {"entities": 6}
    assert ran["main"] == {"validate": 6, "normalise": 6, "section": 6, "summarise": 6}
    assert all(len(store.document(i)["stages"]) == 4 for i in ids)  # type: ignore[index]
