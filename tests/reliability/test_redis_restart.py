"""Redis restarts: with persistence on, workers and the command line reconnect and nothing is lost."""

from __future__ import annotations

import subprocess
import sys
import time

from khabar.worker.store import ArticleStore
from tests import corpus
from tests.conftest import celery_client
from tests.reliability.helpers import (
    FAST,
    PrivateRedis,
    comparable,
    count_done,
    expected_document,
    wait_for,
    wait_until,
)
from tests.support import ROOT, RedisServer, worker_env


def test_persistent_redis_restarted_mid_run_loses_nothing(tmp_path, make_worker) -> None:
    server = PrivateRedis(tmp_path / "redis", persistent=True).start()
    try:
        _run(server, tmp_path, make_worker)
    finally:
        server.stop()


def _run(server: RedisServer, tmp_path, make_worker) -> None:
    worker = make_worker(server.url, concurrency=2, fault_stage="*", fault_sleep="0.03", **FAST)
    first = corpus.payloads(60, start=900)
    client = celery_client(server.url)
    for p in first:
        client.send_task("khabar.process_article", args=[p], queue="khabar")
    store = ArticleStore(server.client())
    first_ids = [str(p["id"]) for p in first]
    wait_until(lambda: count_done(store, first_ids) >= 5, 120, "the run to be under way")

    # The other 40 are submitted through the command line while Redis is down:
    # `khabar submit` must wait for it rather than fail or lose them.
    second = corpus.payloads(40, start=960)
    files = []
    for p in second:
        path = tmp_path / f"{p['id']}.{'html' if 'html' in p else 'txt'}"
        path.write_text(str(p.get("text") or p.get("html")), encoding="utf-8")
        files.append(str(path))

    server.stop()  # SHUTDOWN: the append-only file (fsync always) holds every write so far
    down_at = time.monotonic()
    cli = subprocess.Popen([sys.executable, "-m", "khabar.worker", "submit", *files], cwd=ROOT,
                           env=worker_env(server.url, tmp_path / "cli-data", **FAST),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # the outage; not an assertion
    assert cli.poll() is None, f"khabar submit gave up while Redis was down: {cli.communicate()}"
    server.start()  # same port, same directory: the data comes back from the append-only file
    outage = time.monotonic() - down_at

    out, err = cli.communicate(timeout=120)
    assert cli.returncode == 0, err
    second_ids = out.split()
    assert len(second_ids) == 40
    # The CLI sends payloads without ids; each id is the hash of the content, as khabar process computes it.
    expected = {str(p["id"]): expected_document(p) for p in first}
    for article_id, p in zip(second_ids, second, strict=True):
        payload = {"html" if "html" in p else "text": p.get("html") or p.get("text"), "id": article_id}
        expected[article_id] = expected_document(payload)

    docs = wait_for(store, first_ids + second_ids, timeout=240)
    assert {i: d.get("error") for i, d in docs.items() if d["status"] != "done"} == {}
    for article_id, doc in docs.items():
        assert comparable(doc) == comparable(expected[article_id])
    assert worker.proc.poll() is None, "the worker must ride out the restart, not exit"
    log = worker.log.read_text(errors="replace")
    print(f"outage={outage:.1f}s reconnects={log.count('Trying again in')}")
