"""Dead letters through the command line: an article that kills its worker every time
becomes a recorded failure (reason ``crashed``), and ``khabar failed list|show|retry|purge``
work against a real Redis and worker; a retry restarts from the stage that failed."""

from __future__ import annotations

import json
import time

from khabar.tasks.validate import Limits, parse_payload
from khabar.worker.store import ArticleStore
from tests import corpus
from tests.conftest import celery_client
from tests.reliability.helpers import (
    FAST,
    comparable,
    expected_document,
    json_lines,
    khabar,
    wait_for,
    wait_until,
)
from tests.support import worker_env


def test_crash_loop_becomes_failure_and_cli_retries_from_failed_stage(
    clean_redis, make_worker, tmp_path
) -> None:
    # Every run of the entities stage kills its worker process, as a poisonous article would.
    crashing = make_worker(clean_redis.url, concurrency=1, fault_stage="entities", fault_exit="true",
                           max_redeliveries="1", **FAST)
    payloads = corpus.payloads(2, start=700)
    ids = [str(p["id"]) for p in payloads]
    client = celery_client(clean_redis.url)
    for p in payloads:
        client.send_task("khabar.process_article", args=[p], queue="khabar")
    store = ArticleStore(clean_redis.client())
    docs = wait_for(store, ids, timeout=180)
    for article_id in ids:
        error = docs[article_id]["error"]
        assert docs[article_id]["status"] == "failed" and error["stage"] == "entities"
        assert error["reason"] == "crashed"
        assert error["attempts"] == 3  # the first delivery, 1 redelivery, then the one that gives up
    assert crashing.proc.poll() is None, "the worker itself must survive its children's crashes"
    crashing.stop()
    log = crashing.log.read_text(errors="replace")
    # The two were taken in together: their shared entities message died once, then each, alone, died
    # on its own delivery before the cap: three deaths, and the worker went on.
    assert log.count("exited with 'exitcode 70'") >= 3

    # What the first run stored for the stages before the failed one.
    earlier = {i: {s: json.loads(store.r.hget(store.key(i), f"run:{s}")) for s in ("normalise", "section")}
               for i in ids}

    env = worker_env(clean_redis.url, tmp_path / "cli-data", **FAST)
    listed = khabar(env, "failed", "list")
    assert listed.returncode == 0, listed.stderr
    rows = {row["id"]: row for row in json_lines(listed.stdout)}
    assert set(rows) == set(ids)
    assert {row["reason"] for row in rows.values()} == {"crashed"}
    assert {row["stage"] for row in rows.values()} == {"entities"}

    shown = khabar(env, "failed", "show", ids[0])
    assert shown.returncode == 0, shown.stderr
    detail = json.loads(shown.stdout)
    assert detail["id"] == ids[0] and detail["reason"] == "crashed" and detail["attempts"] == 3
    assert "died 2 times" in detail["message"]
    missing = khabar(env, "failed", "show", "no-such-article")
    assert missing.returncode == 1 and "no failure recorded" in missing.stderr

    # The cause is fixed (a worker without the fault); retry one by id, then the rest.
    make_worker(clean_redis.url, concurrency=1, **FAST)
    one = khabar(env, "failed", "retry", ids[0])
    assert one.returncode == 0 and f"{ids[0]}: requeued from stage entities" in one.stdout, one
    wait_for(store, ids[:1], timeout=60)
    rest = khabar(env, "failed", "retry", "--all")
    assert rest.returncode == 0 and rest.stdout.count("requeued from stage entities") == 1, rest
    docs = wait_for(store, ids, timeout=60)
    for payload in payloads:
        doc = docs[str(payload["id"])]
        assert doc["status"] == "done", doc
        assert comparable(doc) == comparable(expected_document(payload))
        # Restarted from entities: the earlier stages' timings are those of the first run.
        for stage in ("normalise", "section"):
            assert doc["stages"][stage] == earlier[str(payload["id"])][stage]
    assert json_lines(khabar(env, "failed", "list").stdout) == []

    # A rejected article cannot be retried (its payload was not stored); purge forgets it.
    latin = {"id": "latin", "text": "Only English here."}
    client.send_task("khabar.process_article", args=[latin], queue="khabar")
    assert wait_for(store, ["latin"], timeout=60)["latin"]["error"]["reason"] == "not_arabic"
    again = khabar(env, "failed", "retry", "latin")
    assert again.returncode == 1 and "resubmit it" in again.stdout
    purged = khabar(env, "failed", "purge", "--yes")  # no terminal to ask on
    assert purged.returncode == 0 and "purged 1 failed article(s)" in purged.stdout
    assert json_lines(khabar(env, "failed", "list").stdout) == []
    assert store.document("latin") is None
    assert all(store.status(i) == "done" for i in ids)


def test_articles_whose_messages_were_lost_are_recovered(clean_redis, make_worker, tmp_path) -> None:
    payloads = corpus.payloads(3, start=720)
    ids = [str(p["id"]) for p in payloads]
    client = celery_client(clean_redis.url)
    for p in payloads[:2]:
        client.send_task("khabar.process_article", args=[p], queue="khabar")
    # A worker for the first two stages only: the articles wait in the entities queue...
    early = make_worker(clean_redis.url, concurrency=1, queues="khabar,khabar.normalise,khabar.section",
                        **FAST)
    r = clean_redis.client()
    store = ArticleStore(r)
    # Sent one message each, taken in together: one entities message names both (khabar.worker.execute).
    wait_until(lambda: r.llen("khabar.entities") >= 1 and all(r.hexists(store.key(i), "run:section") for i in ids[:2]),
               60, "two articles through the section stage")
    early.stop()
    r.delete("khabar.entities")  # ...and those messages are lost, as in the window docs/RELIABILITY.md names
    store.mark_queued(["never-validated"])  # and an intake message lost before validation
    sections = {i: json.loads(r.hget(store.key(i), "run:section")) for i in ids[:2]}

    env = worker_env(clean_redis.url, tmp_path / "cli-data", **FAST)
    listed = khabar(env, "failed", "stuck", "--older-than", "0")
    assert listed.returncode == 0, listed.stderr
    rows = {row["id"]: row for row in json_lines(listed.stdout)}
    assert set(rows) == {*ids[:2], "never-validated"}
    assert {rows[i]["status"] for i in ids[:2]} == {"running"}
    assert {rows[i]["stage"] for i in ids[:2]} == {"section"}

    # A worker's sweeper finds them once they are older than the visibility timeout
    # plus two restore sweeps (14 s here), their next queue is empty and no
    # unacknowledged message names them.
    make_worker(clean_redis.url, concurrency=1, **FAST)
    docs = wait_for(store, [*ids[:2], "never-validated"], timeout=90)
    for payload in payloads[:2]:
        doc = docs[str(payload["id"])]
        assert comparable(doc) == comparable(expected_document(payload))
        assert doc["stages"]["section"] == sections[str(payload["id"])]  # not run again
    lost = docs["never-validated"]
    assert lost["status"] == "failed" and lost["error"]["reason"] == "lost", lost

    # An operator need not wait: `failed stuck --requeue` sends a stuck article on at once.
    stored = parse_payload(payloads[2], Limits())  # stored, its message lost
    store.put_articles([(stored, "hash", "gen-lost", f"{time.time_ns():020d}.000000")])
    requeued = khabar(env, "failed", "stuck", "--older-than", "0", "--requeue")
    assert requeued.returncode == 0, requeued.stderr
    assert f"{ids[2]}: requeued from stage normalise" in requeued.stdout
    doc = wait_for(store, ids[2:], timeout=60)[ids[2]]
    assert comparable(doc) == comparable(expected_document(payloads[2]))
