"""No article takes a worker process down: a MemoryError is that article's failure, and a child
that dies after recording a failure is still counted towards the redelivery cap."""

from __future__ import annotations

import time

from khabar.tasks.pipeline import STAGE_NAMES
from khabar.worker.store import ArticleStore
from tests import corpus
from tests.conftest import celery_client
from tests.reliability.helpers import FAST, comparable, expected_document, live_children, wait_for


def test_a_memory_error_fails_the_article_and_no_worker_process_exits(clean_redis, make_worker) -> None:
    # Each child may hold 512 MiB; the faulty stage really allocates past that (no stand-in exception).
    worker = make_worker(clean_redis.url, concurrency=2, **FAST, child_memory_limit_mb="512",
                         fault_stage="entities", fault_memory="true")
    children = set(live_children(worker, set()))
    client = celery_client(clean_redis.url)
    singles = corpus.payloads(3, start=8000)
    batch = corpus.payloads(4, start=8100)
    for p in singles:
        client.send_task("khabar.process_article", args=[p], queue="khabar")
    client.send_task("khabar.process_batch", args=[batch], queue="khabar")
    store = ArticleStore(clean_redis.client())
    ids = [str(p["id"]) for p in singles + batch]
    docs = wait_for(store, ids, timeout=120)
    reasons = {i: (d["status"], d["error"]["stage"], d["error"]["reason"], d["error"]["attempts"])
               for i, d in docs.items()}
    assert reasons == dict.fromkeys(ids, ("failed", "entities", "out_of_memory", 1))
    assert "512 MiB" in docs[ids[0]]["error"]["message"]
    time.sleep(1)
    # Neither the main process nor any child exited: the same children are still serving.
    assert worker.proc.poll() is None
    assert set(live_children(worker, set())) == children
    log = worker.log.read_text(encoding="utf-8", errors="replace")
    assert "Unrecoverable error" not in log and "WorkerLostError" not in log
    assert store.retries(ids[0]) == {}  # not retried: the same input would run out again
    assert list(store.r.scan_iter(match="khabar:attempts:*")) == []


def test_a_good_article_completes_on_a_worker_with_the_memory_ceiling(clean_redis, make_worker) -> None:
    make_worker(clean_redis.url, concurrency=1, **FAST, child_memory_limit_mb="512")
    payload = corpus.payloads(1, start=8200)[0]
    celery_client(clean_redis.url).send_task("khabar.process_article", args=[payload], queue="khabar")
    doc = wait_for(ArticleStore(clean_redis.client()), [str(payload["id"])], timeout=60)[str(payload["id"])]
    assert comparable(doc) == comparable(expected_document(payload))


def test_a_failure_record_does_not_reset_the_crash_count(clean_redis) -> None:
    """A delivery that records a failure and then dies (the OOM killer, the hard limit) is still counted."""
    from khabar.tasks.validate import Limits, parse_payload

    store = ArticleStore(clean_redis.client())
    article = parse_payload(corpus.payloads(1, start=8300)[0], Limits())
    store.put_articles([(article, "h", "g1", f"{time.time_ns():020d}.000000")], stages=STAGE_NAMES)
    (attempts, _, _), = store.begin_stages([(article.id, "g1")], "summarise", ["article"])
    assert attempts == 1
    assert store.fail(article.id, "summarise", "error", "MemoryError", attempts, gen="g1")
    # ...the child dies here, before its delivery ends; the message comes back:
    (attempts, status, _), = store.begin_stages([(article.id, "g1")], "summarise", ["article"])
    assert (attempts, status) == (2, "failed")
    # A new submission of the id starts counting afresh.
    store.put_articles([(article, "h", "g2", f"{time.time_ns():020d}.000000")], stages=STAGE_NAMES)
    (attempts, status, _), = store.begin_stages([(article.id, "g2")], "summarise", ["article"])
    assert (attempts, status) == (1, "queued")
