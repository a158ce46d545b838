"""A real Flower (``khabar flower``) on the test Redis: basic auth, tasks sent through its HTTP API."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from khabar.worker.store import ArticleStore
from tests.ops.helpers import khabar, khabar_popen, short_payloads, wait_until
from tests.support import RedisServer, free_port, worker_env

AUTH = "ops:s3cret"


def call(url: str, auth: str | None = AUTH, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """One HTTP request; returns (status, decoded JSON or text)."""
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                     method="POST" if body is not None else "GET")
    request.add_header("Content-Type", "application/json")
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read().decode()
            return response.status, json.loads(raw) if raw.startswith(("{", "[")) else raw
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_tasks_sent_through_flower_succeed_and_show_in_its_task_list(
    clean_redis: RedisServer, make_worker: Any, tmp_path: Path
) -> None:
    make_worker(clean_redis.url, concurrency=1)
    port = free_port()
    env = worker_env(clean_redis.url, tmp_path / "data") | {"FLOWER_BASIC_AUTH": AUTH}
    flower = khabar_popen(env, "flower", "--port", str(port), stderr=(tmp_path / "flower.log").open("w"))
    base = f"http://127.0.0.1:{port}"
    try:
        def up() -> bool:
            assert flower.poll() is None, (tmp_path / "flower.log").read_text()[-2000:]
            try:
                return call(f"{base}/healthcheck", auth=None)[0] == 200
            except OSError:
                return False

        wait_until(up, 60, "Flower to answer")
        assert call(f"{base}/api/tasks", auth=None)[0] == 401
        assert call(f"{base}/api/tasks", auth="ops:wrong")[0] == 401
        # Flower sees tasks through the workers' events: wait until it knows the worker.
        wait_until(lambda: call(f"{base}/api/workers?refresh=1")[1], 60, "Flower to see the worker")

        payloads = short_payloads(3, start=70)
        task_ids = {}
        for p in payloads:
            status, answer = call(f"{base}/api/task/send-task/khabar.process_article",
                                  body={"args": [p], "queue": "khabar"})
            assert status == 200, answer
            task_ids[answer["task-id"]] = p["id"]

        def all_succeeded() -> dict[str, Any] | None:
            tasks = call(f"{base}/api/tasks")[1]
            states = {t: tasks.get(t, {}).get("state") for t in task_ids}
            return tasks if set(states.values()) == {"SUCCESS"} else None

        # The id the sender holds ends SUCCESS when its article is done (khabar.worker.execute._announce).
        wait_until(all_succeeded, 120, "the tasks to show SUCCESS in Flower", every=0.5)
        store = ArticleStore(clean_redis.client())
        assert {store.status(article_id) for article_id in task_ids.values()} == {"done"}
    finally:
        flower.terminate()
        flower.wait(timeout=30)


def _start_flower(env: dict[str, str], log: Path, *args: str) -> tuple[Any, str]:
    port = free_port()
    proc = khabar_popen(env, "flower", "--port", str(port), *args, stderr=log.open("w"))
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert proc.poll() is None, log.read_text()[-2000:]
        try:
            return call(f"{base}/healthcheck", auth=None)[0] == 200
        except OSError:
            return False

    wait_until(up, 60, "Flower to answer")
    return proc, base


def _stop(proc: Any) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def test_flower_refuses_to_start_without_credentials(tmp_path: Path) -> None:
    env = worker_env("redis://127.0.0.1:1/0", tmp_path / "data")
    env.pop("FLOWER_BASIC_AUTH", None)
    out = khabar(env, "flower", "--port", str(free_port()), timeout=60)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "no credentials" in lines[0] and "--no-auth-trusted-network" in lines[0]


def test_with_credentials_every_page_needs_them_and_queue_depths_show(clean_redis: RedisServer, tmp_path: Path) -> None:
    client = clean_redis.client()
    client.rpush("khabar.section", *["{}"] * 3)
    client.rpush("khabar", "{}")
    env = worker_env(clean_redis.url, tmp_path / "data") | {"KHABAR_FLOWER_BASIC_AUTH": AUTH}
    env.pop("FLOWER_BASIC_AUTH", None)
    proc, base = _start_flower(env, tmp_path / "flower.log")
    try:
        for page in ("/", "/tasks", "/task/0a5402dc-b30b-4451-979d-7e0c9234b4d6", "/workers", "/broker",
                     "/metrics", "/api/tasks", "/api/queues/length"):
            assert call(base + page, auth=None)[0] == 401, page
            assert call(base + page, auth="ops:wrong")[0] == 401, page
        assert call(base + "/", auth=AUTH)[0] == 200
        status, answer = call(base + "/api/queues/length")
        assert status == 200, answer
        depths = {q["name"]: q["messages"] for q in answer["active_queues"]}
        assert depths == {"khabar": 1, "khabar.normalise": 0, "khabar.section": 3, "khabar.entities": 0,
                          "khabar.summarise": 0}
        status, page = call(base + "/broker")
        assert status == 200 and "khabar.section" in page
    finally:
        _stop(proc)
    assert "s3cret" not in " ".join(__import__("psutil").Process().cmdline())


def test_on_a_trusted_network_flower_may_run_open(clean_redis: RedisServer, tmp_path: Path) -> None:
    env = worker_env(clean_redis.url, tmp_path / "data")
    env.pop("FLOWER_BASIC_AUTH", None)
    proc, base = _start_flower(env, tmp_path / "flower.log", "--no-auth-trusted-network")
    try:
        assert call(base + "/", auth=None)[0] == 200
        assert call(base + "/api/queues/length", auth=None)[0] == 200
    finally:
        _stop(proc)
    assert "open to anyone" in (tmp_path / "flower.log").read_text()
