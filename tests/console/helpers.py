"""A store of real documents for the console's tests: a private Redis, real workers, real failures."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from khabar.worker.store import ArticleStore
from tests import corpus
from tests.conftest import celery_client
from tests.support import ROOT, RedisServer, Worker, worker_env

AUTH = ("ops", "s3cret")
# Quick retries and limits; the bundled CRF recogniser (the default), so entities are real.
QUICK = {"retry_backoff": "0.05", "retry_backoff_max": "0.5", "soft_time_limit": "20", "hard_time_limit": "30",
         "visibility_timeout": "60", "restore_interval": "1"}
EXAMPLE = ROOT / "examples" / "article-001.txt"
# Article text is hostile input: markup in the text and in the source must come out as text.
HOSTILE_TEXT = ("\u0639\u0627\u062c\u0644 <script>alert('x')</script>\n\n"
                + "\n".join(corpus.article(4).splitlines()[3:6]))
HOSTILE_SOURCE = '"><img src=x onerror=alert(1)>'


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def wait_final(store: ArticleStore, ids: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(store.status(i) in ("done", "failed") for i in ids):
            return
        time.sleep(0.2)
    raise AssertionError(f"not all of {ids} done or failed after {timeout} s: "
                         f"{[store.status(i) for i in ids]}")


@dataclass
class World:
    """Articles processed by real workers: ``done`` ids by source, ``failed`` (retries exhausted at
    entities, with retry history), ``rejected`` (refused at intake)."""

    redis: RedisServer
    dir: Path
    done: dict[str, list[str]] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    example: str = "example-001"
    hostile: str = "hostile-001"

    @property
    def store(self) -> ArticleStore:
        return ArticleStore(self.redis.client())

    def env(self, **settings: str) -> dict[str, str]:
        return worker_env(self.redis.url, self.dir / "data", **settings)

    def worker(self, name: str, **settings: str) -> Worker:
        return Worker(self.env(**QUICK, **settings), self.dir / f"{name}.log", concurrency=1).start(wait=120)

    def all_ids(self) -> set[str]:
        return {i for ids in self.done.values() for i in ids} | set(self.failed) | set(self.rejected)


def build_world(directory: Path, extra: list[dict[str, Any]] | None = None) -> Iterator[World]:
    """Process the example article, six short ones from two sources, a hostile one and ``extra`` with a
    sound worker, then fail two at entities and reject one with a faulty worker."""
    redis_server = RedisServer(directory / "redis").start()
    world = World(redis_server, directory)
    client = celery_client(redis_server.url)
    try:
        payloads = [{"id": world.example, "text": EXAMPLE.read_text(encoding="utf-8"), "source": "examples"},
                    {"id": world.hostile, "text": HOSTILE_TEXT, "source": HOSTILE_SOURCE}, *(extra or [])]
        for n, p in enumerate(corpus.payloads(6, start=300)):
            text = corpus.article(int(str(p["id"]).split("-")[1]))
            payloads.append({"id": p["id"], "text": text, "source": ("alpha", "beta")[n % 2]})
        for p in payloads:
            world.done.setdefault(str(p["source"]), []).append(str(p["id"]))
        sound = world.worker("sound")
        try:
            for p in payloads:
                client.send_task("khabar.process_article", args=[p], queue="khabar")
                time.sleep(0.01)  # distinct times in the recency index, so the order is known
            wait_final(world.store, [str(p["id"]) for p in payloads], 180)
        finally:
            sound.stop()
        assert {world.store.status(str(p["id"])) for p in payloads} == {"done"}
        faulty = world.worker("faulty", fault_stage="entities", fault_rate="1", max_retries="1")
        try:
            failing = [{"id": p["id"], "text": "\n".join(corpus.article(n).splitlines()[3:6]), "source": "gamma"}
                       for n, p in enumerate(corpus.payloads(2, start=400))]
            world.failed = [str(p["id"]) for p in failing]
            world.rejected = ["latin-001"]
            for p in [*failing, {"id": "latin-001", "text": "Only English words here.", "source": "gamma"}]:
                client.send_task("khabar.process_article", args=[p], queue="khabar")
            wait_final(world.store, world.failed + world.rejected, 120)
        finally:
            faulty.stop()
        yield world
    finally:
        redis_server.stop()


def document(world: World, article_id: str) -> dict[str, Any]:
    raw = world.redis.client().hget(world.store.key(article_id), "document")
    assert raw, f"{article_id} has no document"
    return dict(json.loads(raw))
