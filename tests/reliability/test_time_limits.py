"""Time limits: a stage that runs too long ends as a recorded failure with reason ``timeout``."""

from __future__ import annotations

from khabar.worker.store import ArticleStore
from tests import corpus
from tests.conftest import celery_client
from tests.reliability.helpers import FAST, wait_for


def test_soft_time_limit_records_timeout_and_worker_goes_on(clean_redis, make_worker) -> None:
    # The section stage sleeps past the soft limit (but not the hard one) on every article.
    settings = FAST | {"soft_time_limit": "1", "hard_time_limit": "8"}
    make_worker(clean_redis.url, concurrency=2, fault_stage="section", fault_sleep="2.5", **settings)
    payloads = corpus.payloads(2, start=800)
    client = celery_client(clean_redis.url)
    for p in payloads:
        client.send_task("khabar.process_article", args=[p], queue="khabar")
    store = ArticleStore(clean_redis.client())
    docs = wait_for(store, [str(p["id"]) for p in payloads], timeout=120)
    for doc in docs.values():
        assert doc["status"] == "failed", doc
        assert doc["error"]["reason"] == "timeout" and doc["error"]["stage"] == "section"
        assert "soft time limit of 1 s" in doc["error"]["message"]
        assert doc["error"]["attempts"] == 1  # not retried: the stage itself was too slow
        assert store.retries(doc["id"]) == {}


def test_hard_time_limit_kills_then_records_timeout_after_redeliveries(clean_redis, make_worker) -> None:
    # A stage deaf to its soft limit (as if stuck in C code) is killed at the hard limit;
    # its message is requeued until the redelivery cap.
    settings = FAST | {"soft_time_limit": "1", "hard_time_limit": "1.5", "max_redeliveries": "1"}
    worker = make_worker(clean_redis.url, concurrency=1, fault_stage="entities", fault_hang="4", **settings)
    payload = corpus.payloads(1, start=810)[0]
    celery_client(clean_redis.url).send_task("khabar.process_article", args=[payload], queue="khabar")
    store = ArticleStore(clean_redis.client())
    doc = wait_for(store, [str(payload["id"])], timeout=120)[str(payload["id"])]
    assert doc["status"] == "failed", doc
    assert doc["error"]["reason"] == "timeout" and doc["error"]["stage"] == "entities"
    assert doc["error"]["attempts"] == 3  # killed twice, then given up before running again
    assert "hard time limit 2 times" in doc["error"]["message"]
    assert worker.log.read_text(errors="replace").count("Hard time limit (1.5s) exceeded") == 2
    assert clean_redis.client().llen("khabar.entities") == 0  # no duplicate left behind
