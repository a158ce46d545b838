"""After a Redis crash lost many messages, one sweep sends every one of their articles on."""

from __future__ import annotations

import json
import time

from khabar.config.settings import Settings
from khabar.tasks.validate import Limits, parse_payload
from khabar.worker.routing import queue_name
from khabar.worker.store import ArticleStore
from khabar.worker.sweeper import sweep
from tests.ops.helpers import short_payloads
from tests.support import RedisServer


def _lost(store: ArticleStore, n: int) -> list[str]:
    """``n`` stored articles whose intake went through and whose next message is gone."""
    ids = []
    for p in short_payloads(n, start=200):
        store.put_articles([(parse_payload(p, Limits()), "hash", f"gen-{p['id']}", f"{time.time_ns():020d}.000000")])
        ids.append(str(p["id"]))
    return ids


def test_one_sweep_recovers_every_lost_article(clean_redis: RedisServer) -> None:
    store = ArticleStore(clean_redis.client())
    ids = _lost(store, 50)
    settings = Settings(redis_url=clean_redis.url)
    sent: list[tuple[str, str]] = []

    def send(article_id: str, stage: str) -> None:  # what apply_async does to the queue
        sent.append((article_id, stage))
        store.r.rpush(queue_name(settings.queue_prefix, stage), json.dumps({"id": article_id}))

    lines = sweep(store, settings, send, older_than=0)
    # Before: the first article sent filled khabar.normalise and the other 49 waited for later sweeps.
    assert sorted(i for i, _ in sent) == sorted(ids)
    assert {stage for _, stage in sent} == {"normalise"}
    assert len(lines) == 50


def test_a_backlog_at_the_start_of_the_sweep_still_holds_articles_back(clean_redis: RedisServer) -> None:
    store = ArticleStore(clean_redis.client())
    _lost(store, 3)
    settings = Settings(redis_url=clean_redis.url)
    store.r.rpush(queue_name(settings.queue_prefix, "normalise"), "{}")  # a message that may be one of theirs
    assert sweep(store, settings, lambda i, s: None, older_than=0) == []
