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
    from khabar.worker.batching import submit_payloads

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


def test_a_document_is_stored_only_for_the_submission_it_was_made_for(clean_redis) -> None:
    """finish_many stores the encoded document (bytes, never re-encoded) under the article's submission token;
    a document made for a superseded submission is dropped, and so is every other stage write of it."""
    import msgspec

    from khabar.tasks.validate import Limits, parse_payload

    store = ArticleStore(clean_redis.client(), prefix="khabar")
    payload = corpus.payloads(1, start=4200)[0]
    article = parse_payload(payload, Limits())
    assert store.put_articles([(article, "h1", "gen-1", "00000000000000000001.000000")]) == [True]
    assert store.put_articles([(article, "h2", "gen-2", "00000000000000000002.000000")]) == [True]
    # An older submission arriving late is not stored over the newer one.
    assert store.put_articles([(article, "h0", "gen-0", "00000000000000000000.000000")]) == [False]
    aid = article.id
    assert store.begin_stages([(aid, "gen-1")], "normalise", ["article"])[0][1] == "superseded"
    assert store.end_stages("normalise", [((aid, "gen-1"), {"x": 1}, {"seconds": 0})]) == [False]
    assert not store.fail(aid, "normalise", "error", "late", gen="gen-1")
    document = {"id": aid, "pipeline_version": "v-test", "text": corpus.article(7)}
    encoded = msgspec.json.encode(document)
    assert store.finish_many("summarise", [((aid, "gen-1"), encoded)], ["normalise"], "v-test") == [False]
    assert store.status(aid) == "queued"
    assert store.finish_many("summarise", [((aid, "gen-2"), encoded)], ["normalise"], "v-test") == [True]
    r = clean_redis.client()
    assert r.hget(store.key(aid), "document") == encoded
    assert store.document(aid) == document
    assert r.hget(store.key(aid), "content_hash") == b"h2"


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
