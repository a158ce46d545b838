"""Batches (khabar.process_batch): many articles per message, each kept apart from the others."""

from __future__ import annotations

from typing import Any

from khabar.worker.batching import chunks, payload_bytes
from khabar.worker.store import ArticleStore
from tests import corpus
from tests.conftest import celery_client
from tests.reliability.helpers import comparable, expected_document, wait_for


def test_chunks_hold_at_most_size_articles_and_bytes_and_keep_order() -> None:
    payloads: list[dict[str, Any]] = [{"id": f"a{i}", "text": "ب" * (10 * (i % 4 + 1))} for i in range(23)]
    groups = list(chunks(payloads, size=5, max_bytes=150))
    assert [p for g in groups for p in g] == payloads
    assert all(1 <= len(g) <= 5 for g in groups)
    assert all(sum(payload_bytes(p) for p in g) <= 150 or len(g) == 1 for g in groups)
    # A payload bigger than the byte budget goes alone, not dropped.
    big = {"id": "big", "html": "<p>" + "ج" * 200 + "</p>"}
    assert list(chunks([payloads[0], big, payloads[1]], size=5, max_bytes=150)) == [[payloads[0]], [big],
                                                                                       [payloads[1]]]
    assert list(chunks(payloads[:3], size=1, max_bytes=10**6)) == [[p] for p in payloads[:3]]


def test_batches_equal_in_process_documents_and_bad_payloads_fail_alone(clean_redis, make_worker) -> None:
    make_worker(clean_redis.url, concurrency=2, ner_backend="gazetteer")
    good = corpus.payloads(30, start=3000)
    changed = dict(good[4], text=corpus.article(4444))
    changed.pop("html", None)
    bad: list[Any] = [
        {"id": "latin", "text": "Only English words here."},
        {"id": "empty", "text": ""},
        {"id": "wrong-type", "text": 42},
        "not an object",
    ]
    batches = [good[:10] + bad[:2], [good[10], *bad[2:], *good[11:20]], good[20:] + [changed]]
    client = celery_client(clean_redis.url)
    for batch in batches:
        client.send_task("khabar.process_batch", args=[batch], queue="khabar")

    store = ArticleStore(clean_redis.client())
    ids = [str(p["id"]) for p in good] + ["latin", "empty", "wrong-type"]
    docs = wait_for(store, ids, timeout=180)
    for payload in good:
        # good[4] was sent again, changed, in a later batch: the later payload wins.
        sent = changed if payload["id"] == changed["id"] else payload
        assert docs[str(payload["id"])]["status"] == "done", docs[str(payload["id"])]
        assert comparable(docs[str(payload["id"])]) == comparable(expected_document(sent))
    assert {i: docs[i]["error"]["reason"] for i in ("latin", "empty", "wrong-type")} == {
        "latin": "not_arabic", "empty": "empty", "wrong-type": "wrong_type"}
    # The payload with no usable id is recorded under its batch task and position.
    failed = [f.id for f in store.failures()]
    assert any(f.startswith("task-") for f in failed), failed
    # Nothing left behind: no intermediate outputs, no attempt counters.
    r = clean_redis.client()
    assert [k for k in r.hkeys(store.key(str(good[0]["id"]))) if k.startswith(b"out:")] == []
    assert list(r.scan_iter(match="khabar:attempts:*")) == []


def test_a_malformed_batch_is_recorded_and_the_worker_goes_on(clean_redis, make_worker) -> None:
    make_worker(clean_redis.url, concurrency=1, ner_backend="gazetteer")
    client = celery_client(clean_redis.url)
    bad = client.send_task("khabar.process_batch", args=["not a list"], queue="khabar")
    good = corpus.payloads(3, start=3100)
    client.send_task("khabar.process_batch", args=[good], queue="khabar")
    store = ArticleStore(clean_redis.client())
    docs = wait_for(store, [str(p["id"]) for p in good] + [f"task-{bad.id}"], timeout=60)
    assert docs[f"task-{bad.id}"]["error"]["reason"] == "malformed_payload"
    assert "list of payloads" in docs[f"task-{bad.id}"]["error"]["message"]
    assert all(docs[str(p["id"])]["status"] == "done" for p in good)


def test_submit_sends_one_message_per_batch(clean_redis, make_worker, monkeypatch) -> None:
    from types import SimpleNamespace

    from khabar.config.settings import Settings
    from khabar.worker.app import create_app
    from khabar.worker.cli.main import submit_payloads

    monkeypatch.setenv("REDIS_URL", clean_redis.url)
    settings = Settings(batch_size=8)
    mod = SimpleNamespace(settings=settings, app=create_app(settings))
    payloads = corpus.payloads(20, start=3200)
    ids = submit_payloads(mod, payloads)
    r = clean_redis.client()
    assert r.llen("khabar") == 3  # 8 + 8 + 4 articles
    assert {store_status for store_status in (r.hget(f"khabar:article:{i}", "status") for i in ids)} == {b"queued"}

    make_worker(clean_redis.url, concurrency=2, ner_backend="gazetteer")
    docs = wait_for(ArticleStore(r), ids, timeout=120)
    for payload in payloads:
        assert comparable(docs[str(payload["id"])]) == comparable(expected_document(payload))


def test_a_batch_larger_than_the_workers_batch_size_runs_as_several_chains(clean_redis, make_worker) -> None:
    worker = make_worker(clean_redis.url, concurrency=1, ner_backend="gazetteer", batch_size="8")
    payloads = corpus.payloads(19, start=3300)
    celery_client(clean_redis.url).send_task("khabar.process_batch", args=[payloads], queue="khabar")
    docs = wait_for(ArticleStore(clean_redis.client()), [str(p["id"]) for p in payloads], timeout=120)
    assert all(d["status"] == "done" for d in docs.values())
    log = worker.log.read_text()
    summarised = [line for line in log.splitlines() if "stage=summarise" in line and "outcome=done" in line]
    assert len(summarised) == 19
    # The intake ran all 19 at once; each stage ran them in chains of 8, 8 and 3.
    assert sorted({line.rsplit("batch=", 1)[1].split()[0] for line in summarised}) == ["3", "8"]


def test_the_sweeper_sees_every_article_of_a_batch_a_worker_holds(clean_redis, make_worker) -> None:
    from khabar.worker.sweeper import held_ids
    from tests.reliability.helpers import wait_until

    make_worker(clean_redis.url, concurrency=1, ner_backend="gazetteer", fault_stage="section", fault_sleep="1")
    payloads = corpus.payloads(4, start=3400)
    celery_client(clean_redis.url).send_task("khabar.process_batch", args=[payloads], queue="khabar")
    store = ArticleStore(clean_redis.client())
    ids = {str(p["id"]) for p in payloads}
    # While the batch's section task runs (each article sleeps 1 s), its message is unacknowledged.
    first = sorted(ids)[0]
    wait_until(lambda: store.r.hget(store.key(first), "stage") == b"section", 30, "the section batch to start")
    assert ids <= held_ids(clean_redis.client())
    wait_for(store, sorted(ids), timeout=60)


def test_an_encoded_document_is_stored_as_the_same_bytes_as_the_document_itself(clean_redis) -> None:
    """Batches hand the store each document already encoded (khabar.tasks.celery_batches keeps bytes, not objects)."""
    import msgspec
    import pytest

    store = ArticleStore(clean_redis.client(), prefix="khabar")
    document = {"id": "d1", "pipeline_version": "v-test", "text": corpus.article(7), "entities": [{"type": "LOC"}]}
    store.finish_many("summarise", [("d1", document)], ["normalise"])
    store.finish_many("summarise", [("d2", msgspec.json.encode(dict(document, id="d2")))], ["normalise"],
                      pipeline_version="v-test")
    r = clean_redis.client()
    one, two = (r.hgetall(store.key(i)) for i in ("d1", "d2"))
    assert msgspec.json.decode(two[b"document"]) == dict(document, id="d2")
    assert {k: v for k, v in one.items() if k not in (b"document", b"updated_at")} == {
        k: v for k, v in two.items() if k not in (b"document", b"updated_at")}
    assert two[b"pipeline_version"] == b"v-test" and two[b"status"] == b"done"
    with pytest.raises(ValueError, match="pipeline_version"):
        store.finish_many("summarise", [("d3", b"{}")], ["normalise"])


def test_loading_the_models_freezes_the_heap_out_of_the_collectors_way() -> None:
    """resources_from (worker children and in-process runners alike) ends with gc.freeze."""
    import gc

    from khabar.config.settings import Settings
    from khabar.worker.runtime import resources_from

    gc.unfreeze()
    resources_from(Settings(ner_backend="gazetteer"))
    try:
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
