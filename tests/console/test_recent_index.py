"""The store's recency indexes, and the console's paging over them (a real Redis, no worker)."""

from __future__ import annotations

import lxml.html
import pytest

from khabar.tasks.records import Article
from khabar.worker.console.reader import ConsoleReader, Cursor
from khabar.worker.store import ArticleStore
from tests.support import RedisServer


def article(n: int, source: str | None = "s1") -> Article:
    return Article(id=f"a-{n:03d}", content="\u0646\u0635", kind="text", source=source)


def walk(reader: ConsoleReader, **kwargs: object) -> list[str]:
    ids: list[str] = []
    cursor: Cursor | None = Cursor()
    pages = 0
    while cursor is not None:
        page = reader.articles(cursor=cursor, **kwargs)  # type: ignore[arg-type]
        ids += [r.id for r in page.rows]
        cursor = page.next
        pages += 1
        assert pages < 100
    return ids


def test_stored_and_rejected_articles_are_indexed_by_time_and_source(clean_redis: RedisServer) -> None:
    store = ArticleStore(clean_redis.client())
    store.put_articles([(article(n, source), "h", "g", "0") for n, source in ((1, "s1"), (2, "s2"), (3, None))])
    store.fail("rejected-1", "validate", "not_arabic", "no Arabic")
    store.fail("a-002", "entities", "bug", "boom")  # a stored article failing later is indexed already
    r = clean_redis.client()
    assert {m.decode() for m in r.zrange(store.recent_key, 0, -1)} == {"a-001", "a-002", "a-003", "rejected-1"}
    assert [m.decode() for m in r.zrange(store.source_key("s1"), 0, -1)] == ["a-001"]
    assert [m.decode() for m in r.zrange(store.source_key("s2"), 0, -1)] == ["a-002"]
    assert {m.decode() for m in r.smembers(store.sources_key)} == {"s1", "s2"}
    assert r.zscore(store.recent_key, "rejected-1") > r.zscore(store.recent_key, "a-001")


def test_a_ttl_trims_the_indexes(clean_redis: RedisServer) -> None:
    store = ArticleStore(clean_redis.client(), ttl=10)
    r = clean_redis.client()
    store.index_recent(r, [("old", "s1")], now=1000.0)
    store.index_recent(r, [("kept", "s1")], now=1005.0)
    store.index_recent(r, [("new", "s1")], now=1012.0)  # trims what is older than 1002
    assert [m.decode() for m in r.zrange(store.recent_key, 0, -1)] == ["kept", "new"]
    assert [m.decode() for m in r.zrange(store.source_key("s1"), 0, -1)] == ["kept", "new"]


def test_pages_cover_a_batch_stored_at_one_instant_once_each(clean_redis: RedisServer) -> None:
    store = ArticleStore(clean_redis.client())
    store.put_articles([(article(n), "h", "g", "0") for n in range(7)])  # seven articles, one score
    store.put_articles([(article(n), "h", "g", "0") for n in range(7, 10)])
    reader = ConsoleReader(store, ["khabar"])
    ids = walk(reader, page_size=3)
    assert len(ids) == 10 and set(ids) == {f"a-{n:03d}" for n in range(10)}
    assert set(ids[:3]) == {"a-007", "a-008", "a-009"}  # the later batch first
    assert walk(reader, page_size=3, source="s1") == ids


def test_a_sparse_filter_looks_at_a_bounded_number_of_entries_per_page(clean_redis: RedisServer) -> None:
    store = ArticleStore(clean_redis.client())
    store.put_articles([(article(0), "h", "g", "0")])
    store.finish_many("summarise", [(("a-000", "g"), b'{"id": "a-000"}')], (), "t")
    store.put_articles([(article(n), "h", "g", "0") for n in range(1, 30)])  # newer, and still queued
    reader = ConsoleReader(store, ["khabar"])
    page = reader.articles(status="done", page_size=5, max_examined=10)
    assert page.rows == [] and page.examined == 10 and page.next is not None
    assert walk(reader, status="done", page_size=5, max_examined=10) == ["a-000"]
    # Ids whose hash is gone (expired, purged) are skipped.
    store.r.delete(store.key("a-000"))
    assert walk(reader, status="done", page_size=5) == []
    assert len(walk(reader, page_size=50)) == 29


def test_a_cursor_that_is_no_place_in_an_index_is_refused() -> None:
    assert Cursor.parse("1712.5:3") == Cursor(1712.5, 3) and Cursor.parse(None) == Cursor()
    assert Cursor.parse(str(Cursor(1712.5, 3))) == Cursor(1712.5, 3)
    for bad in ("nan:0", "x:1", "1:y"):
        with pytest.raises(ValueError):
            Cursor.parse(bad)


def test_ids_with_slashes_and_arabic_letters_have_their_pages(clean_redis: RedisServer) -> None:
    pytest.importorskip("httpx", reason="Starlette's TestClient needs httpx: pip install -e '.[console-test]'")
    from starlette.testclient import TestClient

    from khabar.worker.console.app import create_app

    store = ArticleStore(clean_redis.client())
    ids = ["site/2024/\u062e\u0628\u0631-1", "odd/retry", "a b?c#d"]
    store.put_articles([(Article(id=i, content="\u0646\u0635", kind="text", source="s"), "h", "g", "0") for i in ids])
    reader = ConsoleReader(store, ["khabar"])
    client = TestClient(create_app(reader, credentials=None, retry=lambda i: f"{i}: requeued"))
    listing = client.get("/articles").text

    shown = set()
    for link in lxml.html.fromstring(listing).cssselect("td.id a"):
        page = client.get(link.get("href"))
        assert page.status_code == 200, link.get("href")
        (code,) = lxml.html.fromstring(page.text).cssselect("p.crumbs code")
        assert code.text_content() == link.text_content()
        shown.add(code.text_content())
    assert shown == set(ids)
    # The retry form and the page it lands on, for an id that needs quoting.
    store.fail("a b?c#d", "entities", "bug", "boom")
    page = lxml.html.fromstring(client.get("/articles/a%20b%3Fc%23d").text)
    (form,) = page.cssselect("section.failure form")
    token = form.cssselect('input[name="csrf"]')[0].get("value")
    answer = client.post(form.get("action"), data={"csrf": token}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    landed = lxml.html.fromstring(client.get(answer.headers["location"]).text)
    assert landed.cssselect("p.notice")[0].text_content() == "a b?c#d: requeued"
    assert landed.cssselect("p.crumbs code")[0].text_content() == "a b?c#d"
