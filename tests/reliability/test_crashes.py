"""Crash safety: worker children and whole workers killed with SIGKILL lose nothing."""

from __future__ import annotations

import os
import signal
import time

from khabar.worker.store import ArticleStore
from tests import corpus
from tests.conftest import celery_client
from tests.reliability.helpers import (
    FAST,
    comparable,
    count_done,
    expected_document,
    kill_a_child,
    wait_for,
    wait_until,
)

# Every stage of every article sleeps a little, so a kill almost always lands in the middle of one,
# and the run lasts long enough for all the kills even when coalesced intake takes many articles at once.
SLOW_STAGES = {"fault_stage": "*", "fault_sleep": "0.08"}


def _kill_a_child(worker, store: ArticleStore, ids: list[str], progress: int, killed: set[int]) -> None:
    """Wait until ``progress`` more articles are done, then SIGKILL one of the worker's pool processes."""
    start = count_done(store, ids)
    target = min(len(ids), start + progress)
    wait_until(lambda: count_done(store, ids) >= target, 120, "progress before a kill")
    kill_a_child(worker, killed)


def test_sigkilled_children_and_worker_lose_nothing(clean_redis, make_worker) -> None:
    worker = make_worker(clean_redis.url, concurrency=2, **FAST, **SLOW_STAGES)
    payloads = corpus.payloads(400, start=1000)  # stage tasks end whole groups at once: room for the kills
    ids = [str(p["id"]) for p in payloads]
    client = celery_client(clean_redis.url)
    for p in payloads:
        client.send_task("khabar.process_article", args=[p], queue="khabar")
    store = ArticleStore(clean_redis.client())

    killed: set[int] = set()
    for _ in range(3):  # children of the first worker; its pool replaces them
        _kill_a_child(worker, store, ids, progress=12, killed=killed)

    # The whole worker (main process and children) dies at once, as in an OOM-killed
    # container: its messages sit unacked in Redis until the visibility timeout.
    start = count_done(store, ids)
    wait_until(lambda: count_done(store, ids) >= start + 12, 120, "progress before killing the worker")
    print(f"done before the worker kill: {count_done(store, ids)} of {len(ids)}")
    assert count_done(store, ids) < len(ids) - 40, "the run ended too soon for the damage to matter"
    os.killpg(worker.proc.pid, signal.SIGKILL)
    worker.proc.wait(timeout=30)
    killed_at = time.monotonic()

    replacement = make_worker(clean_redis.url, concurrency=2, **FAST, **SLOW_STAGES)
    _kill_a_child(replacement, store, ids, progress=8, killed=killed)

    docs = wait_for(store, ids, timeout=240)
    recovered_after = time.monotonic() - killed_at
    failed = {i: d["error"] for i, d in docs.items() if d["status"] != "done"}
    assert failed == {}
    for payload in payloads:
        assert comparable(docs[str(payload["id"])]) == comparable(expected_document(payload))

    redelivered = sum(int(store.r.hget(store.key(i), "redeliveries") or 0) for i in ids)
    print(f"kills={len(killed) + 1} redelivered_stages={redelivered} "
          f"recovered_after_worker_kill={recovered_after:.1f}s")
    assert len(killed) >= 4
    # At least one kill caught a stage mid-run, and its article still finished.
    assert redelivered >= 1
    # No stage was left half-counted: every attempt counter was cleared when its stage ended.
    assert list(store.r.scan_iter(match="khabar:attempts:*")) == []
