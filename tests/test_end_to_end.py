"""The whole path on real parts: a real Redis, real worker processes, tasks sent by name."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from khabar.config.settings import Settings
from khabar.tasks.pipeline import process_payload
from khabar.worker.runtime import budget_from, limits_from, resources_from
from khabar.worker.store import ArticleStore
from tests import corpus
from tests.conftest import celery_client

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "document.schema.json").read_text())


def wait_for(store: ArticleStore, ids: list[str], timeout: float = 180.0) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + timeout
    docs: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline:
        for i in ids:
            if i not in docs:
                doc = store.document(i)
                if doc and doc["status"] in ("done", "failed"):
                    docs[i] = doc
        if len(docs) == len(ids):
            return docs
        time.sleep(0.2)
    missing = sorted(set(ids) - set(docs))
    raise AssertionError(f"{len(missing)} article(s) not finished in {timeout} s: {missing[:5]}")


def comparable(doc: dict[str, Any]) -> dict[str, Any]:
    """The document without its timings, which differ from run to run."""
    out = dict(doc)
    out["stages"] = {name: {k: v for k, v in run.items() if k != "seconds"} for name, run in doc["stages"].items()}
    return out


def test_twenty_articles_sent_by_name_equal_in_process_documents(clean_redis, make_worker) -> None:
    make_worker(clean_redis.url, concurrency=2)
    payloads = corpus.payloads(20)
    payloads[0]["summary"] = {"words": 25}
    client = celery_client(clean_redis.url)
    results = [client.send_task("khabar.process_article", args=[p], queue="khabar") for p in payloads]

    store = ArticleStore(clean_redis.client())
    docs = wait_for(store, [str(p["id"]) for p in payloads])

    settings = Settings()
    resources = resources_from(settings)
    for payload in payloads:
        doc = docs[str(payload["id"])]
        assert doc["status"] == "done", doc
        jsonschema.validate(doc, SCHEMA)
        expected = process_payload(payload, limits_from(settings), budget_from(settings), resources)
        assert comparable(doc) == comparable(expected)
    # The chain's final result is stored under the id of the task the client sent.
    assert results[0].get(timeout=30) == payloads[0]["id"]
    assert len(docs[str(payloads[0]["id"])]["summary"]["text"].split()) <= 25
    # Intermediate outputs are dropped once the document is done.
    leftovers = [k for k in clean_redis.client().hkeys(store.key(str(payloads[1]["id"]))) if k.startswith(b"out:")]
    assert leftovers == []


def test_bad_payload_fails_at_once_and_worker_goes_on(clean_redis, make_worker) -> None:
    make_worker(clean_redis.url, concurrency=1)
    client = celery_client(clean_redis.url)
    bad = client.send_task("khabar.process_article", args=[{"id": "latin", "text": "Only English words here."}],
                           queue="khabar")
    good = corpus.payloads(1, start=50)[0]
    client.send_task("khabar.process_article", args=[good], queue="khabar")
    store = ArticleStore(clean_redis.client())
    docs = wait_for(store, ["latin", str(good["id"])], timeout=60)
    assert docs["latin"]["status"] == "failed"
    assert docs["latin"]["error"]["reason"] == "not_arabic"
    assert docs[str(good["id"])]["status"] == "done"
    with pytest.raises(Exception, match="not_arabic"):
        bad.get(timeout=10)
