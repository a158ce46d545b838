"""Shared fixtures: a private Redis server per session, worker processes, a Celery client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery

from tests.support import ROOT, RedisServer, Worker, worker_env

SHARED = ROOT.parent / "shared"
EXAMPLE_PAGE = SHARED / "examples" / "news-page-001.txt"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture()
def clean_redis(redis_server: RedisServer) -> RedisServer:
    redis_server.client().flushall()
    return redis_server


@pytest.fixture()
def make_worker(tmp_path: Path) -> Iterator:
    started: list[Worker] = []

    def make(redis_url: str, concurrency: int = 2, queues: str | None = None, **settings: str) -> Worker:
        env = worker_env(redis_url, tmp_path / "data", **settings)
        w = Worker(env, tmp_path / f"worker-{len(started)}.log", concurrency=concurrency, queues=queues).start()
        started.append(w)
        return w

    yield make
    for w in started:
        w.stop()


def celery_client(redis_url: str) -> Celery:
    """A bare Celery client, as a foreign system would have: no khabar code."""
    client = Celery("client", broker=redis_url, backend=redis_url)
    client.conf.update(task_serializer="json", accept_content=["json"], result_accept_content=["json"])
    return client


@pytest.fixture()
def example_page() -> str:
    if not EXAMPLE_PAGE.exists():
        pytest.skip(f"{EXAMPLE_PAGE} is absent (../shared is not on this machine)")
    return EXAMPLE_PAGE.read_text(encoding="utf-8")


os.environ.setdefault("KHABAR_DATA_DIR", str(ROOT / ".khabar" / "tests"))
