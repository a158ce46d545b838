"""What a real Flower shows, checked against what really became of each article (issue 15).

One real worker, a real ``khabar flower``, a bare Celery client (no khabar code), the README's
send paths (``process_article``, ``process_batch``, Flower's HTTP API, ``khabar submit``), a
rejected payload, a message with ``kwargs: null``, and a local HTTP endpoint receiving Sentry
envelopes.  A fault makes about half the articles run out of retries in the entities stage, so
that done and failed articles travel side by side, one per message and many per message.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kombu import Connection

from khabar.worker.store import ArticleStore
from tests.conftest import celery_client
from tests.ops.helpers import ARABIC, khabar, short_payloads, wait_until
from tests.ops.test_flower import AUTH, _start_flower, _stop, call
from tests.support import RedisServer, free_port, worker_env

ENDED = {"SUCCESS", "FAILURE"}


class SentryEndpoint:
    """A local HTTP server that takes Sentry envelopes (``POST /api/<project>/envelope/``) and keeps their events."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        events = self.events

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                lines = body.split(b"\n")
                for n, line in enumerate(lines[1:-1], start=1):  # item header, then its payload
                    try:
                        header = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(header, dict) and header.get("type") == "event" and n + 1 < len(lines):
                        events.append(json.loads(lines[n + 1]))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.dsn = f"http://public@127.0.0.1:{self.server.server_address[1]}/1"

    def close(self) -> None:
        self.server.shutdown()


def _send_raw(redis_url: str, task: str, args: Any, kwargs: Any) -> str:
    """A Celery protocol-2 message as celery-node writes it without kwargs: body ``[args, null, {...}]``."""
    task_id = str(uuid.uuid4())
    with Connection(redis_url) as conn:
        conn.Producer().publish(
            json.dumps([args, kwargs, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}]),
            exchange="khabar", routing_key="khabar", declare=[],
            headers={"lang": "js", "task": task, "id": task_id, "root_id": task_id, "retries": 0},
            content_type="application/json", content_encoding="utf-8")
    return task_id


def test_flower_shows_what_became_of_every_article_and_no_text(
    clean_redis: RedisServer, make_worker: Any, tmp_path: Path
) -> None:
    sentry = SentryEndpoint()
    make_worker(clean_redis.url, concurrency=2, sentry_dsn=sentry.dsn, sentry_environment="drill",
                release="khabar@drill-7", fault_stage="entities", fault_rate="0.5", max_retries="0")
    env = worker_env(clean_redis.url, tmp_path / "data") | {"FLOWER_BASIC_AUTH": AUTH}
    flower, base = _start_flower(env, tmp_path / "flower.log")
    store = ArticleStore(clean_redis.client())
    try:
        wait_until(lambda: call(f"{base}/api/workers?refresh=1")[1], 60, "Flower to see the worker")
        client = celery_client(clean_redis.url)
        singles = short_payloads(8, start=10)
        batch = short_payloads(6, start=30)
        rejected = {"id": "english-only", "text": "Only English words here, none of them Arabic."}
        via_api = short_payloads(2, start=50)
        null_kwargs = short_payloads(1, start=60)

        article_of: dict[str, str] = {}  # task id a sender holds -> its one article
        for p in [*singles, rejected]:
            article_of[client.send_task("khabar.process_article", args=[p], queue="khabar").id] = p["id"]
        batch_id = client.send_task("khabar.process_batch", args=[batch], queue="khabar").id
        for p in via_api:
            status, answer = call(f"{base}/api/task/send-task/khabar.process_article",
                                  body={"args": [p], "queue": "khabar"})
            assert status == 200, answer
            article_of[answer["task-id"]] = p["id"]
        null_id = _send_raw(clean_redis.url, "khabar.process_batch", [null_kwargs], None)
        files = []
        for n, p in enumerate(short_payloads(3, start=70)):
            files.append(tmp_path / f"submit-{n}.txt")
            files[-1].write_text(p["text"], encoding="utf-8")
        out = khabar(worker_env(clean_redis.url, tmp_path / "data"), "submit", *map(str, files), timeout=120)
        assert out.returncode == 0, out.stderr[-2000:]
        submitted = [{"id": line} for line in out.stdout.split()]
        assert len(submitted) == 3

        everything = [*singles, *batch, rejected, *via_api, *null_kwargs, *submitted]
        wait_until(lambda: all(store.status(p["id"]) in ("done", "failed") for p in everything), 120,
                   "every article to end")
        status_of = {p["id"]: store.status(p["id"]) for p in everything}
        assert "done" in status_of.values() and list(status_of.values()).count("failed") >= 2
        assert store.failure("english-only").reason == "not_arabic"  # type: ignore[union-attr]

        def ended() -> dict[str, Any] | None:
            tasks = call(f"{base}/api/tasks")[1]
            senders = [*article_of, batch_id, null_id]
            return tasks if all(tasks.get(t, {}).get("state") in ENDED for t in senders) else None

        tasks = wait_until(ended, 60, "every sender's task id to end in Flower", every=0.5)
        # 1. The id a sender holds shows its article's final state, under the name it sent.
        for task_id, article_id in article_of.items():
            task = tasks[task_id]
            assert task["name"] == "khabar.process_article", task
            expected = "SUCCESS" if status_of[article_id] == "done" else "FAILURE"
            assert task["state"] == expected, (article_id, status_of[article_id], task)
            if expected == "SUCCESS":
                assert task["result"] == repr(article_id)
            else:
                assert store.failure(article_id).reason in task["exception"]  # type: ignore[union-attr]
        # 2. A batch's id ends with every article's outcome.
        task = tasks[batch_id]
        assert task["name"] == "khabar.process_batch"
        done = [p["id"] for p in batch if status_of[p["id"]] == "done"]
        failed = {p["id"]: store.failure(p["id"]).reason for p in batch if status_of[p["id"]] == "failed"}  # type: ignore[union-attr]
        if done:
            result = eval(task["result"])  # noqa: S307 (Flower shows the repr)
            assert task["state"] == "SUCCESS" and (sorted(result["done"]), result["failed"]) == (sorted(done), failed)
        else:
            assert task["state"] == "FAILURE" and all(i in task["exception"] for i in failed)
        # ...and so does a batch stage task: its result names what it did to each article.
        stage_results = [eval(t["result"]) for t in tasks.values()  # noqa: S307
                         if t["name"] == "khabar.stage.entities" and t["state"] == "SUCCESS"]
        assert stage_results and all(set(r) >= {"done", "failed"} for r in stage_results)
        assert any(r["failed"] for r in stage_results)
        # 4. kwargs null: taken in as no keyword arguments, not lost.
        assert status_of[null_kwargs[0]["id"]] in ("done", "failed")
        assert tasks[null_id]["state"] == ("SUCCESS" if status_of[null_kwargs[0]["id"]] == "done" else "FAILURE")
        # No task is left half-way once every article ended; the dashboard adds up.
        time.sleep(2)
        tasks = call(f"{base}/api/tasks")[1]
        assert {t["state"] for t in tasks.values()} <= ENDED, {k: t["state"] for k, t in tasks.items()
                                                                if t["state"] not in ENDED}
        workers = call(f"{base}/workers?json=1")[1]["data"]
        counts = {k: sum(w.get(k, 0) for w in workers) for k in ("task-received", "task-succeeded", "task-failed")}
        assert counts["task-received"] == counts["task-succeeded"] + counts["task-failed"], counts  # no retries here
        # 3. No article text anywhere Flower shows a task.
        assert not ARABIC.search(json.dumps(tasks, ensure_ascii=False))
        for task_id in [*tasks][:60]:
            status, page = call(f"{base}/task/{task_id}")
            assert status == 200 and not ARABIC.search(page), task_id
        # 5. One Sentry event per article that ran out of retries, one message or many.
        exhausted = {i for i, s in status_of.items()
                     if s == "failed" and store.failure(i).reason == "retries_exhausted"}  # type: ignore[union-attr]
        assert exhausted
        wait_until(lambda: len(sentry.events) >= len(exhausted), 30, "the Sentry events")
        time.sleep(2)  # room for an extra event, if one were coming
        assert sorted(e["tags"]["article_id"] for e in sentry.events) == sorted(exhausted)
        assert all(e["tags"]["stage"] == "entities" and e["environment"] == "drill" for e in sentry.events)
        assert {e["release"] for e in sentry.events} == {"khabar@drill-7"}  # KHABAR_RELEASE overrides the version
        assert not ARABIC.search(json.dumps(sentry.events, ensure_ascii=False))
        # Results for the senders that wait: the article id, or the failure; a batch's outcomes.
        batch_result = client.AsyncResult(batch_id)
        if done:
            result = batch_result.get(timeout=10)
            assert (sorted(result["done"]), result["failed"]) == (sorted(done), failed)
        else:
            assert batch_result.state == "FAILURE"
        for task_id, article_id in article_of.items():
            result = client.AsyncResult(task_id)
            if status_of[article_id] == "done":
                assert result.get(timeout=10) == article_id
            else:
                assert result.state == "FAILURE"
    finally:
        _stop(flower)
        sentry.close()


# What the worker's main process changes on Celery's request (argsrepr, kwargsrepr, a null kwargs mended
# in the body handed to the child) and when (task_received, before the task-received event), as
# written against the pinned Celery: read any change before updating these digests.
CONTRACTS = {
    "Request.__init__": "efdf47149cde3635",
    "create_request_cls": "871f30fe1cfee4bf",
}


def test_the_celery_request_code_this_relies_on_is_the_one_it_was_written_against() -> None:
    import hashlib
    import inspect

    from celery.worker import request

    got = {name: hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:16]
           for name, obj in (("Request.__init__", request.Request.__init__),
                             ("create_request_cls", request.create_request_cls))}
    assert got == CONTRACTS
