"""Damage to batches (khabar.process_batch): what happens to one article never happens to the others.

Each test proves one guarantee of the khabar.worker.execute docstring on real parts:
a private redis-server, real ``khabar worker`` processes, batches sent by a bare
Celery client.  The single-article versions of these tests are in the other
modules of this package.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from kombu import Connection, Producer

from khabar.worker.store import ArticleStore
from tests import corpus
from tests.conftest import celery_client
from tests.ops.helpers import ARABIC, short_payloads, stage_lines
from tests.reliability.helpers import (
    FAST,
    PrivateRedis,
    checked_retries,
    comparable,
    count_done,
    expected_document,
    kill_a_child,
    wait_for,
    wait_until,
)
from tests.reliability.test_poison import bad_payloads, raw_message
from tests.support import ROOT, RedisServer

SPLIT_AFTER_DEATH = "message delivered again after a worker died: splitting it"
SPLIT_AT_SOFT_LIMIT = "soft time limit with several articles: the rest go on one by one"
# A stage of a batch of 8 sleeps 0.4 s, so a kill almost always lands in the middle of one.
SLOW_STAGES = {"fault_stage": "*", "fault_sleep": "0.05"}


def send_batches(redis_url: str, payloads: list[Any], size: int) -> list[tuple[str, list[Any]]]:
    """Send the payloads as khabar.process_batch messages of ``size``; return (task id, batch) pairs."""
    client = celery_client(redis_url)
    sent = []
    for i in range(0, len(payloads), size):
        batch = payloads[i : i + size]
        sent.append((client.send_task("khabar.process_batch", args=[batch], queue="khabar").id, batch))
    return sent


def log_records(logs: list[Path], message: str) -> list[dict[str, str]]:
    """The key=value fields of the worker log lines (text format) that carry ``message``."""
    out = []
    for log in logs:
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if message in line:
                out.append(dict(re.findall(r"(\w+)=(\S+)", line.split(message, 1)[1])))
    return out


def attempt_counters(store: ArticleStore) -> list[bytes]:
    return list(store.r.scan_iter(match="khabar:attempts:*"))


def test_sigkilled_children_and_worker_split_their_batches_and_lose_nothing(clean_redis, make_worker) -> None:
    worker = make_worker(clean_redis.url, concurrency=2, **FAST, **SLOW_STAGES)
    payloads = corpus.payloads(120, start=1400)
    ids = [str(p["id"]) for p in payloads]
    send_batches(clean_redis.url, payloads, size=8)
    store = ArticleStore(clean_redis.client())

    # Workers take intake first and earlier stages before later ones, so kills
    # paced by time land in batches of every stage, long before any article is done.
    killed: set[int] = set()
    for _ in range(4):
        time.sleep(1.5)
        kill_a_child(worker, killed)
    # Then the whole worker, as an OOM-killed container: its batches come back after the visibility timeout.
    time.sleep(1.5)
    assert count_done(store, ids) < len(ids) - 40, "the run ended too soon for the damage to matter"
    os.killpg(worker.proc.pid, signal.SIGKILL)
    worker.proc.wait(timeout=30)
    replacement = make_worker(clean_redis.url, concurrency=2, **FAST, **SLOW_STAGES)

    docs = wait_for(store, ids, timeout=180)
    assert {i: d["error"] for i, d in docs.items() if d["status"] != "done"} == {}
    for payload in payloads:
        assert comparable(docs[str(payload["id"])]) == comparable(expected_document(payload))

    splits = log_records([worker.log, replacement.log], SPLIT_AFTER_DEATH)
    redelivered = {i: int(store.r.hget(store.key(i), "redeliveries") or 0) for i in ids}
    print(f"kills={len(killed) + 1} splits={splits} articles redelivered={sum(1 for n in redelivered.values() if n)}")
    # A killed batch stage came back and was split into single articles, each counted as redelivered.
    # (Not a sum over splits: a worker killed between a split's publish and its ack splits the same
    # batch again when it comes back, a duplicate the stages make harmless.)
    stage_splits = [int(s["articles"]) for s in splits if "stage" in s]
    assert stage_splits, splits
    assert sum(1 for n in redelivered.values() if n >= 1) >= max(stage_splits)
    assert max(redelivered.values()) >= 1
    # No stage was left half-counted, neither in a batch nor in the single articles it was split into.
    assert attempt_counters(store) == []


def test_thirty_percent_transient_faults_retry_only_the_failed_articles_with_backoff(
    clean_redis, make_worker
) -> None:
    # 12 retries: the chance that one of 640 stage runs fails 13 times in a row at 30 % is 1e-4.
    make_worker(clean_redis.url, concurrency=2, fault_stage="*", fault_rate="0.3", max_retries="12", **FAST)
    payloads = corpus.payloads(160, start=1600)
    ids = [str(p["id"]) for p in payloads]
    send_batches(clean_redis.url, payloads, size=8)
    store = ArticleStore(clean_redis.client())
    docs = wait_for(store, ids, timeout=180)

    assert {i: d.get("error") for i, d in docs.items() if d["status"] != "done"} == {}
    for payload in payloads:
        assert comparable(docs[str(payload["id"])]) == comparable(expected_document(payload))

    # One retry message is one (stage, retry number, delay, time): the articles it carried share its record.
    messages: Counter[tuple[str, int, float, float]] = Counter()
    for stage, r in checked_retries(store, ids):
        messages[(stage, r["retry"], r["delay"], r["at"])] += 1

    retried = sum(messages.values())
    delays: dict[int, list[float]] = {}
    for _, n, delay, _ in messages:
        delays.setdefault(n, []).append(delay)
    means = {n: statistics.mean(d) for n, d in sorted(delays.items())}
    print(f"article retries={retried} retry messages={len(messages)} "
          f"by retry number={ {n: len(d) for n, d in sorted(delays.items())} } "
          f"mean delay={ {n: round(m, 3) for n, m in means.items()} }")
    # About 0.3/0.7 * 640 = 270 article retries are expected; far fewer means faults were not injected.
    assert retried >= 150, retried
    # Articles that failed alike were retried together, as a batch of their own, and only they
    # were: a retry carries about 1.5 articles here, where retrying whole batches would carry 8.
    assert max(messages.values()) >= 2
    assert retried / len(messages) < 3
    # The backoff grows per retry message: mean delay doubles with each retry; jitter makes them differ.
    assert means[2] > 1.5 * means[1] and means[3] > 1.5 * means[2], means
    assert len(set(delays[1])) > 10


def test_a_batch_past_its_soft_time_limit_goes_on_one_by_one_and_none_times_out(
    clean_redis, make_worker
) -> None:
    # The entities stage takes 0.4 s per article: a batch of 8 needs 3.2 s, past the 1 s
    # soft limit; one article alone stays well within it.
    settings = FAST | {"soft_time_limit": "1", "hard_time_limit": "8"}
    worker = make_worker(clean_redis.url, concurrency=2, fault_stage="entities", fault_sleep="0.4", **settings)
    payloads = corpus.payloads(16, start=1800)
    ids = [str(p["id"]) for p in payloads]
    send_batches(clean_redis.url, payloads, size=8)
    store = ArticleStore(clean_redis.client())
    docs = wait_for(store, ids, timeout=120)

    assert {i: d["error"] for i, d in docs.items() if d["status"] != "done"} == {}
    for payload in payloads:
        assert comparable(docs[str(payload["id"])]) == comparable(expected_document(payload))
        assert store.retries(str(payload["id"])) == {}

    # Each batch ran entities until the limit, then sent the rest on alone.
    splits = log_records([worker.log], SPLIT_AT_SOFT_LIMIT)
    assert [s["stage"] for s in splits] == ["entities", "entities"], splits
    entities = [line for line in stage_lines(worker.log) if line["stage"] == "entities"]
    # Every article ran entities once, to the end: some in their batch, the rest alone.
    assert sorted(line["article_id"] for line in entities) == sorted(ids)
    assert {line["outcome"] for line in entities} == {"done"}
    in_batch = [line for line in entities if "batch" in line]
    assert 0 < len(in_batch) < len(ids) and sum(int(s["articles"]) for s in splits) == len(ids) - len(in_batch)
    assert attempt_counters(store) == []


def test_a_bug_fails_each_article_of_the_batch_with_its_own_sentry_event(
    clean_redis: RedisServer, make_worker: Any, tmp_path: Path
) -> None:
    events_file = tmp_path / "sentry-events.jsonl"
    make_worker(clean_redis.url, concurrency=1, sentry_transport=f"file:{events_file}",
                sentry_environment="drill", fault_stage="section", fault_bug="1")
    good = short_payloads(5, start=1900)
    bad = {"id": "english-only", "text": "Only English words here, none of them Arabic."}
    send_batches(clean_redis.url, [good[0], good[1], bad, *good[2:]], size=8)

    store = ArticleStore(clean_redis.client())
    ids = [p["id"] for p in good]
    docs = wait_for(store, [*ids, "english-only"], timeout=60)
    assert docs["english-only"]["error"]["reason"] == "not_arabic"
    for article_id in ids:
        assert docs[article_id]["status"] == "failed", docs[article_id]
        error = docs[article_id]["error"]
        assert (error["stage"], error["reason"]) == ("section", "error")
        assert "injected bug in stage section" in error["message"]
    wait_until(lambda: events_file.exists() and len(events_file.read_text().splitlines()) >= len(ids), 30,
               "the bugs' events")
    time.sleep(2)  # room for more events, if more were coming
    events = [json.loads(line) for line in events_file.read_text(encoding="utf-8").splitlines()]

    # One event per article, none for the batch task itself (it succeeded) nor for bad input.
    assert sorted(e["tags"]["article_id"] for e in events) == sorted(ids)
    for event in events:
        assert event["tags"]["stage"] == "section" and event["tags"]["task"] == "khabar.stage.section"
        assert event["exception"]["values"][-1]["type"] == "RuntimeError"
        assert event["exception"]["values"][-1]["value"] == "injected bug in stage section"
        assert event["environment"] == "drill"
        raw = json.dumps(event, ensure_ascii=False)
        assert not ARABIC.search(raw)
        assert all("vars" not in frame for frame in event["exception"]["values"][-1]["stacktrace"]["frames"])


def test_poison_in_batches_is_recorded_alone_and_good_articles_complete(clean_redis, make_worker) -> None:
    worker = make_worker(clean_redis.url, concurrency=2, **FAST)
    cases = bad_payloads()
    goods = corpus.payloads(len(cases) + 3, start=2000)
    # Each batch of 8 holds poison and good payloads alternately.
    mixed: list[Any] = [p for case, good in zip(cases, goods, strict=False) for p in (case["payload"], good)]
    mixed += goods[len(cases):]
    expected: dict[str, str] = {}  # record id -> reason
    for task_id, batch in send_batches(clean_redis.url, mixed, size=8):
        for n, payload in enumerate(batch):
            case = next((c for c in cases if c["payload"] is payload), None)
            if case is not None:
                # A payload without a usable id is recorded under its batch task and its place in the batch.
                expected[case["payload"]["id"] if case["keeps_id"] else f"task-{task_id}-{n}"] = case["reason"]

    # Batch messages that are wrong as a whole, published with kombu directly.
    pickled = corpus.article(7) + " pickled-marker"
    with Connection(clean_redis.url) as conn:
        producer = Producer(conn)
        for body, content_type, reason in [
            (pickle.dumps(([[{"id": "pickled", "text": pickled}]], {}, {})), "application/x-python-serialize",
             "not_json"),
            (b'[[[{"id": "broken", "text": "\xd8\xa8', "application/json", "malformed_payload"),
            (b"[[], {}, {}]", "application/json", "malformed_payload"),  # no list of payloads
            (b"[[[]], {}, {}]", "application/json", "malformed_payload"),  # an empty one
            (b'[[{"id": "not-in-a-list", "text": "x"}], {}, {}]', "application/json", "malformed_payload"),
        ]:
            task_id = raw_message(producer, body, content_type, task="khabar.process_batch")
            expected[f"task-{task_id}"] = reason

    store = ArticleStore(clean_redis.client())
    docs = wait_for(store, [*expected, *(str(g["id"]) for g in goods)], timeout=180)
    wrong = {i: (docs[i].get("error") or {}).get("reason") for i in expected
             if docs[i]["status"] != "failed" or docs[i]["error"]["reason"] != expected[i]}
    assert wrong == {}, f"wrong outcome (id: reason found) {wrong}"
    failed = {f.id for f in store.failures(limit=1000)}
    for record_id in expected:
        failure = store.failure(record_id)
        assert failure is not None and failure.attempts <= 1, (record_id, failure)
        assert store.retries(record_id) == {}, f"{record_id} was retried"
        assert record_id in failed
    for good in goods:
        doc = docs[str(good["id"])]
        assert doc["status"] == "done", doc
        assert comparable(doc) == comparable(expected_document(good))

    log = worker.log.read_text(encoding="utf-8", errors="replace")
    assert "Retry in" not in log and SPLIT_AFTER_DEATH not in log
    assert "pickled-marker" not in log
    assert goods[0]["text" if "text" in goods[0] else "html"][-40:] not in log
    assert attempt_counters(store) == []


def test_a_worker_killed_at_intake_hands_each_payload_on_alone(clean_redis, make_worker) -> None:
    worker = make_worker(clean_redis.url, concurrency=1, **FAST)
    good = corpus.payloads(6, start=2100)
    # A megabyte each of one-letter Latin words takes ~60 ms to validate and is then
    # refused as not Arabic: 16 of them keep the batch at intake for about a second.
    slow = [{"id": f"latin-{n}", "text": "a " * 495_000} for n in range(16)]
    [(task_id, _)] = send_batches(clean_redis.url, good + slow, size=len(good) + len(slow))
    store = ArticleStore(clean_redis.client())
    r = store.r
    counter = f"khabar:attempts:task-{task_id}:validate"
    # The intake counts its delivery first and stores the articles only once all are validated.
    wait_until(lambda: r.exists(counter) == 1, 60, "the batch's intake to begin", interval=0.002)
    assert r.exists(store.key(str(good[0]["id"]))) == 0, "the articles were stored before the kill"
    kill_a_child(worker, set())

    ids = [str(p["id"]) for p in good]
    docs = wait_for(store, ids + [p["id"] for p in slow], timeout=120)
    for payload in good:
        assert comparable(docs[str(payload["id"])]) == comparable(expected_document(payload))
    assert {docs[p["id"]]["error"]["reason"] for p in slow} == {"not_arabic"}

    # The delivery that came back was split: each payload went on in a message of its own.
    splits = log_records([worker.log], SPLIT_AFTER_DEATH)
    assert splits == [{"articles": str(len(good) + len(slow))}], splits
    # (Lines with a batch size are from the killed delivery: validated, never stored.)
    alone = [line for line in stage_lines(worker.log) if line["stage"] == "validate" and "batch" not in line]
    assert sorted(line["article_id"] for line in alone) == sorted(ids + [p["id"] for p in slow])
    assert attempt_counters(store) == []


def test_a_batch_killed_at_the_hard_time_limit_is_split_and_each_article_meets_the_cap_alone(
    clean_redis, make_worker
) -> None:
    # A stage deaf to its soft limit (as if stuck in C code) is killed at the hard limit.
    settings = FAST | {"soft_time_limit": "1", "hard_time_limit": "1.5", "max_redeliveries": "1"}
    worker = make_worker(clean_redis.url, concurrency=2, fault_stage="entities", fault_hang="4", **settings)
    payloads = corpus.payloads(4, start=2200)
    ids = [str(p["id"]) for p in payloads]
    send_batches(clean_redis.url, payloads, size=4)
    store = ArticleStore(clean_redis.client())
    docs = wait_for(store, ids, timeout=120)
    for doc in docs.values():
        assert doc["status"] == "failed", doc
        assert doc["error"]["reason"] == "timeout" and doc["error"]["stage"] == "entities"
        # Killed once in the batch and once alone, then given up before running again: the
        # same count as an article sent alone (test_time_limits).
        assert doc["error"]["attempts"] == 3
        assert "hard time limit 2 times" in doc["error"]["message"]
        # Its stage was delivered again twice after a worker died on it: the split counts as neither.
        assert store.r.hget(store.key(doc["id"]), "redeliveries") == b"2"
    log = worker.log.read_text(errors="replace")
    assert log.count("Hard time limit (1.5s) exceeded") == 1 + len(ids)  # the batch, then each article
    assert log_records([worker.log], SPLIT_AFTER_DEATH) == [{"articles": "4", "stage": "entities"}]
    assert clean_redis.client().llen("khabar.entities") == 0  # no duplicate left behind
    assert attempt_counters(store) == []


def test_a_batch_that_cannot_reach_redis_is_retried_whole_and_loses_nothing(tmp_path, make_worker) -> None:
    # Redis is down longer than the store's client reconnects (about 10 s), so a batch's
    # stage sees the error; limits are raised so that no time limit strikes meanwhile.
    settings = FAST | {"soft_time_limit": "30", "hard_time_limit": "40", "visibility_timeout": "45"}
    server = PrivateRedis(tmp_path / "redis", persistent=True).start()
    try:
        worker = make_worker(server.url, concurrency=2, **settings, **SLOW_STAGES)
        payloads = corpus.payloads(96, start=2300)
        ids = [str(p["id"]) for p in payloads]
        send_batches(server.url, payloads, size=8)
        store = ArticleStore(server.client())
        time.sleep(2)  # batches of the first stages under way
        assert count_done(store, ids) < len(ids) - 40, "the run ended too soon for the outage to matter"
        server.stop()  # SHUTDOWN: the append-only file (fsync always) holds every write so far
        time.sleep(15)  # the outage; not an assertion
        server.start()  # same port, same directory: the data comes back from the append-only file

        docs = wait_for(store, ids, timeout=120)
        assert {i: d.get("error") for i, d in docs.items() if d["status"] != "done"} == {}
        for payload in payloads:
            assert comparable(docs[str(payload["id"])]) == comparable(expected_document(payload))
        assert worker.proc.poll() is None, "the worker must ride out the outage, not exit"

        # A retry of a whole batch: all 8 of its articles hold the same retry record, for a Redis error.
        retries: Counter[tuple[str, str, float, float]] = Counter()
        for article_id in ids:
            for stage, records in store.retries(article_id).items():
                retries.update((stage, r["error"], r["delay"], r["at"]) for r in records)
        print(f"retries (stage, error, delay, at): articles {dict(retries)}")
        assert any(n == 8 for n in retries.values()), retries
    finally:
        server.stop()


def test_a_split_message_hands_on_the_retries_it_spent(clean_redis) -> None:
    """Messages sent by a split start at the retry count the message had spent on that stage, not at 0.

    A message that spent 3 retries on a stage and is then split (its worker died, or the soft
    time limit struck) must not give each of its articles a fresh retry budget.
    """
    import base64

    script = ("from types import SimpleNamespace; from khabar.worker.app import app; "
              "from khabar.worker.execute import Ref, send_on; "
              "send_on(SimpleNamespace(app=app), [Ref('a-1', 'g1'), Ref('a-2', 'g2')], 'entities', 3, one_each=True)")
    env = dict(os.environ, REDIS_URL=clean_redis.url, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True, timeout=120)
    r = clean_redis.client()
    queued = {key: [json.loads(m) for m in r.lrange(key, 0, -1)] for key in r.keys("*") if r.type(key) == b"list"}
    assert list(queued) == [b"khabar.entities"]
    messages = queued[b"khabar.entities"]
    assert sorted((m["headers"]["task"], m["headers"]["retries"], m["headers"]["argsrepr"]) for m in messages) == [
        ("khabar.stage.entities", 3, "[['a-1']]"), ("khabar.stage.entities", 3, "[['a-2']]")]
    bodies = []
    for message in messages:
        body = message["body"]
        args, _, embed = json.loads(base64.b64decode(body) if message["properties"].get("body_encoding") else body)
        bodies.append(args[0])
        assert not embed.get("chain")  # each stage hands on to the next itself: no chain travels
    assert sorted(bodies) == [[["a-1", "g1"]], [["a-2", "g2"]]]
