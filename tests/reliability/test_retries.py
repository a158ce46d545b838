"""Transient faults: retried with exponential backoff and jitter until every article is done."""

from __future__ import annotations

import statistics

from khabar.worker.store import ArticleStore
from tests import corpus
from tests.conftest import celery_client
from tests.reliability.helpers import FAST, checked_retries, comparable, expected_document, wait_for


def test_thirty_percent_transient_faults_all_done_with_growing_backoff(clean_redis, make_worker) -> None:
    # 12 retries: the chance that one of 400 stage runs fails 13 times in a row at 30 % is 1e-4.
    make_worker(clean_redis.url, concurrency=2, fault_stage="*", fault_rate="0.3", max_retries="12", **FAST)
    payloads = corpus.payloads(100, start=500)
    client = celery_client(clean_redis.url)
    for p in payloads:
        client.send_task("khabar.process_article", args=[p], queue="khabar")
    store = ArticleStore(clean_redis.client())
    ids = [str(p["id"]) for p in payloads]
    docs = wait_for(store, ids, timeout=300)

    assert {i: d.get("error") for i, d in docs.items() if d["status"] != "done"} == {}
    for payload in payloads:
        assert comparable(docs[str(payload["id"])]) == comparable(expected_document(payload))

    delays_by_retry: dict[int, list[float]] = {}
    runs = 0
    for _, r in checked_retries(store, ids):
        delays_by_retry.setdefault(r["retry"], []).append(r["delay"])
        runs += 1

    # About 0.3/0.7 * 400 = 170 retries are expected; far fewer means faults were not injected.
    assert runs >= 80, runs
    means = {n: statistics.mean(d) for n, d in sorted(delays_by_retry.items())}
    counts = {n: len(d) for n, d in sorted(delays_by_retry.items())}
    longest = max(max(d) for d in delays_by_retry.values())
    print(f"retries={runs} by retry number={counts} "
          f"mean delay={ {n: round(m, 3) for n, m in means.items()} } max delay={longest:.3f}")
    # The backoff grows: mean delay doubles with each retry until the cap.
    assert means[2] > 1.5 * means[1] and means[3] > 1.5 * means[2], means
    # Jitter: delays of the same retry number differ.
    assert len(set(delays_by_retry[1])) > 10
