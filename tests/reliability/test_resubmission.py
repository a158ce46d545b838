"""Last write wins, whole: an id submitted again while its first submission is in flight ends as
exactly the later submission's document, never a mix of the two; and routing keys mean one queue."""

from __future__ import annotations

import random
import time

from kombu import Connection, Exchange, Producer

from khabar.worker.routing import all_queue_names
from khabar.worker.store import ArticleStore
from tests import corpus
from tests.conftest import celery_client
from tests.reliability.helpers import FAST, comparable, expected_document, wait_for, wait_until

PAIRS = 24


def test_same_id_sent_twice_in_flight_ends_as_the_later_submission_whole(clean_redis, make_worker) -> None:
    # Stages a little slow, so that the first submission is mid-chain when the second arrives.
    worker = make_worker(clean_redis.url, concurrency=2, **FAST, fault_stage="*", fault_sleep="0.02")
    client = celery_client(clean_redis.url)
    rng = random.Random(14)
    firsts = corpus.payloads(PAIRS, start=5000)
    seconds = corpus.payloads(PAIRS, start=6000)
    gaps = []
    for n, (first, second) in enumerate(zip(firsts, seconds, strict=True)):
        article_id = f"resubmitted-{n}"
        first["id"] = second["id"] = article_id
        gap = 0.12 * n / (PAIRS - 1)  # 0 ms to 120 ms, evenly
        gaps.append(gap)
        client.send_task("khabar.process_article", args=[first], queue="khabar")
        if gap:
            time.sleep(gap)
        client.send_task("khabar.process_article", args=[second], queue="khabar")
        time.sleep(rng.uniform(0, 0.05))

    store = ArticleStore(clean_redis.client())
    ids = [str(p["id"]) for p in seconds]
    docs = wait_for(store, ids, timeout=180)
    # Let any stage still running for a superseded submission end: it must not write.
    time.sleep(2)
    docs = {i: store.document(i) for i in ids}
    wrong = []
    for second in seconds:
        doc = docs[str(second["id"])]
        assert doc is not None and doc["status"] == "done", doc
        if comparable(doc) != comparable(expected_document(second)):
            wrong.append(second["id"])
    assert wrong == [], f"{len(wrong)} of {PAIRS} documents are not the later submission's: {wrong}"
    log = worker.log.read_text(encoding="utf-8", errors="replace")
    superseded = log.count("outcome=superseded")
    print(f"pairs={PAIRS} gaps={min(gaps) * 1000:.0f}-{max(gaps) * 1000:.0f} ms superseded stage runs={superseded}")
    # The race was run, not dodged: first submissions were caught in flight and dropped out.
    assert superseded >= 1


def test_an_article_published_to_each_routing_key_runs_once(clean_redis, make_worker) -> None:
    """Each queue is bound by its own name only: a message published with a routing key reaches one queue."""
    worker = make_worker(clean_redis.url, concurrency=1, **FAST)
    queues = all_queue_names("khabar")
    payloads = corpus.payloads(len(queues), start=7000)
    client = celery_client(clean_redis.url)
    with Connection(clean_redis.url) as conn:
        producer = Producer(conn)
        for queue, payload in zip(queues, payloads, strict=True):
            payload["id"] = f"routed-{queue}"
            # Published by hand to the exchange with this routing key, as any AMQP-minded sender could.
            headers, properties, body, _ = client.amqp.as_task_v2(f"task-{queue}", "khabar.process_article",
                                                                  args=[payload])
            producer.publish(body, exchange=Exchange("khabar", type="direct"), routing_key=queue, headers=headers,
                             serializer="json", **properties)
    store = ArticleStore(clean_redis.client())
    ids = [str(p["id"]) for p in payloads]
    docs = wait_for(store, ids, timeout=90)
    assert {i: d["status"] for i, d in docs.items()} == dict.fromkeys(ids, "done")
    wait_until(lambda: all(clean_redis.client().llen(q) == 0 for q in queues), 30, "the queues to drain")
    time.sleep(1)
    log = worker.log.read_text(encoding="utf-8", errors="replace")
    for article_id in ids:
        runs = [line for line in log.splitlines() if f"article_id={article_id} " in line + " "
                and "stage=validate" in line]
        assert len(runs) == 1, (article_id, runs)
    # Redis keeps the exchange's bindings as "routing key, pattern, queue": each queue by its own name.
    binding = clean_redis.client().smembers("_kombu.binding.khabar")
    pairs = sorted(tuple(m.decode().split("\x06\x16")[::2]) for m in binding)
    assert pairs == sorted((q, q) for q in queues)
