"""Poison input: every kind of bad message ends as a recorded failure with the right
reason, none is retried, and good articles sent between them all complete."""

from __future__ import annotations

import datetime
import pickle
import uuid
from typing import Any

from kombu import Connection, Producer

from khabar.worker.store import ArticleStore
from tests import corpus
from tests.conftest import celery_client
from tests.reliability.helpers import FAST, comparable, expected_document, wait_for

ARABIC = corpus.article(7)


def _case(name: str, payload: Any, reason: str, keeps_id: bool = True) -> dict[str, Any]:
    return {"name": name, "payload": payload, "reason": reason, "keeps_id": keeps_id}


def bad_payloads() -> list[dict[str, Any]]:
    """Task payloads sent as JSON through Celery, each wrong in its own way."""
    def p(name: str, **fields: Any) -> dict[str, Any]:
        return {"id": f"bad-{name}", **fields}

    return [
        _case("empty", p("empty", text=""), "empty"),
        _case("whitespace", p("whitespace", text=" \n\t\u00a0 \r\n "), "empty"),
        _case("html-only-tags", p("html-only-tags", html="<html><body><p> </p><div></div></body></html>"),
              "empty"),
        _case("20mb", p("20mb", text="x" * 20_000_000), "too_large"),
        _case("binary-bytes", p("binary-bytes", text=bytes(range(256)) * 40), "not_text"),
        _case("control-chars", p("control-chars", text="\x00\x01\x02\x03" * 500 + ARABIC[:200]), "not_text"),
        _case("invalid-utf8-fffd", p("invalid-utf8-fffd", text=ARABIC[:300] + "\ufffd" * 60), "not_text"),
        _case("lone-surrogate", p("lone-surrogate", text=ARABIC[:300] + "\ud800\udfff\ud83d"), "not_text"),
        _case("latin-only", p("latin-only", text="Breaking news: markets rallied. " * 20), "not_arabic"),
        _case("digits-punct", p("digits-punct", text="2024-01-01 !!! 123,456.78 ... " * 10), "not_arabic"),
        _case("emoji", p("emoji", text="\U0001f600\U0001f4f0\U0001f525 " * 50), "not_arabic"),
        _case("text-number", p("text-number", text=12345), "wrong_type"),
        _case("text-list", p("text-list", text=[ARABIC]), "wrong_type"),
        _case("nested-junk", p("nested-junk", text={"a": [1, {"b": [None, {"c": 2.5}]}]}), "wrong_type"),
        _case("missing-text", p("missing-text", source="tests"), "missing_field"),
        _case("text-null", p("text-null", text=None), "missing_field"),
        _case("unknown-field", p("unknown-field", text=ARABIC, body=ARABIC), "malformed_payload"),
        _case("text-and-html", p("text-and-html", text=ARABIC, html=f"<p>{ARABIC}</p>"), "malformed_payload"),
        _case("budget-zero", p("budget-zero", text=ARABIC, summary={"words": 0}), "bad_budget"),
        _case("budget-string", p("budget-string", text=ARABIC, summary={"sentences": "three"}), "bad_budget"),
        _case("budget-ratio", p("budget-ratio", text=ARABIC, summary={"ratio": 1.5}), "bad_budget"),
        _case("metadata-list", p("metadata-list", text=ARABIC, metadata=["a", "b"]), "wrong_type"),
        _case("metadata-datetime", p("metadata-datetime", text=ARABIC,
                                     metadata={"at": datetime.datetime(2024, 1, 1)}), "wrong_type"),
        _case("url-number", p("url-number", text=ARABIC, url=7), "wrong_type"),
        _case("id-number", {"id": 42, "text": ARABIC}, "wrong_type", keeps_id=False),
        _case("id-spaces", {"id": "has spaces in it", "text": ARABIC}, "malformed_payload", keeps_id=False),
        _case("payload-list", [ARABIC], "malformed_payload", keeps_id=False),
        _case("payload-string", "not a json object", "malformed_payload", keeps_id=False),
        _case("payload-pickle-bytes", pickle.dumps({"text": ARABIC}), "malformed_payload", keeps_id=False),
    ]


def raw_message(
    producer: Producer, body: bytes, content_type: str, task: str = "khabar.process_article"
) -> str:
    """Publish a message straight to the intake queue, as a careless or hostile sender could."""
    task_id = str(uuid.uuid4())
    producer.publish(body, routing_key="khabar", exchange="", content_type=content_type,
                     content_encoding="binary" if "json" not in content_type else "utf-8",
                     headers={"id": task_id, "task": task, "lang": "py", "argsrepr": "", "kwargsrepr": ""})
    return task_id


def test_poison_inputs_are_recorded_never_retried_and_good_articles_complete(
    clean_redis, make_worker
) -> None:
    worker = make_worker(clean_redis.url, concurrency=2, **FAST)
    client = celery_client(clean_redis.url)
    cases = bad_payloads()
    goods = corpus.payloads(len(cases) + 3, start=300)
    expected: dict[str, str] = {}  # record id -> reason
    for case, good in zip(cases, goods, strict=False):
        result = client.send_task("khabar.process_article", args=[case["payload"]], queue="khabar")
        record_id = case["payload"]["id"] if case["keeps_id"] else f"task-{result.id}"
        expected[record_id] = case["reason"]
        client.send_task("khabar.process_article", args=[good], queue="khabar")

    # Messages that are not well-formed JSON tasks at all, published with kombu directly.
    pickled = ARABIC + " pickled-marker"
    with Connection(clean_redis.url) as conn:
        producer = Producer(conn)
        tid = raw_message(producer, pickle.dumps(([{"id": "pickled", "text": pickled}], {}, {})),
                          "application/x-python-serialize")
        expected[f"task-{tid}"] = "not_json"
        tid = raw_message(producer, b'[[{"id": "broken", "text": "\xd8\xa8', "application/json")
        expected[f"task-{tid}"] = "malformed_payload"
        tid = raw_message(producer, b"[" * 5000 + b"]" * 5000, "application/json")
        expected[f"task-{tid}"] = "malformed_payload"
        tid = raw_message(producer, b'[[], {}, {}]', "application/json")  # no payload argument
        expected[f"task-{tid}"] = "malformed_payload"
        tid = raw_message(producer, b'[["x"], {}, {}]', "application/json", task="khabar.no_such_task")
        expected[f"task-{tid}"] = "malformed_payload"
    for good in goods[len(cases):]:
        client.send_task("khabar.process_article", args=[good], queue="khabar")

    assert len(expected) >= 30
    store = ArticleStore(clean_redis.client())
    docs = wait_for(store, [*expected, *(str(g["id"]) for g in goods)], timeout=180)

    wrong = {i: (docs[i].get("error") or {}).get("reason") for i in expected
             if docs[i]["status"] != "failed" or docs[i]["error"]["reason"] != expected[i]}
    assert wrong == {}, f"wrong outcome (id: reason found) {wrong}"
    for record_id in expected:
        failure = store.failure(record_id)
        assert failure is not None and failure.attempts <= 1, (record_id, failure)
        assert store.retries(record_id) == {}, f"{record_id} was retried"
        assert record_id in {f.id for f in store.failures(limit=1000)}
    for good in goods:
        doc = docs[str(good["id"])]
        assert doc["status"] == "done", doc
        assert comparable(doc) == comparable(expected_document(good))

    log = worker.log.read_text(encoding="utf-8", errors="replace")
    assert "message refused" in log and "not accepted (JSON only)" in log
    assert "Retry in" not in log
    # Neither a refused body nor a good article's text reaches the log.
    assert "pickled-marker" not in log
    assert goods[0]["text" if "text" in goods[0] else "html"][-40:] not in log
