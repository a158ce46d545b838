"""The console's pages against a real Redis filled by real workers (Starlette's TestClient), and
``khabar console`` as a real server retrying a failed article from its page."""

from __future__ import annotations

import base64
import html
import json
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pytest

pytest.importorskip("starlette", reason="the console's extra is not installed: pip install -e '.[console-test]'")
pytest.importorskip("httpx", reason="Starlette's TestClient needs httpx: pip install -e '.[console-test]'")

from starlette.testclient import TestClient  # noqa: E402

from khabar.worker.console.app import create_app, parse_credentials  # noqa: E402
from khabar.worker.console.reader import ConsoleReader  # noqa: E402
from tests.console.helpers import (  # noqa: E402
    AUTH,
    HOSTILE_SOURCE,
    World,
    basic,
    build_world,
    document,
    wait_final,
)
from tests.ops.helpers import QUEUES, wait_until  # noqa: E402
from tests.support import ROOT, free_port  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from build_world(tmp_path_factory.mktemp("console"))


def client_for(world: World, retry: Any = None, page_size: int = 4) -> TestClient:
    reader = ConsoleReader(world.store, QUEUES)
    reader.count_now()  # pages show the last count; the first would otherwise still be running
    app = create_app(reader, credentials=[AUTH], retry=retry, page_size=page_size)
    return TestClient(app, headers=basic(*AUTH), follow_redirects=False)


def list_ids(page: str) -> list[str]:
    tree = lxml.html.fromstring(page)
    return [a.text_content() for a in tree.cssselect("table.rows td.id a")]


def walk(client: TestClient, query: str) -> list[str]:
    """Every id of the list, following 'older' links from the first page."""
    ids: list[str] = []
    url = "/articles" + query
    for _ in range(50):
        page = client.get(url)
        assert page.status_code == 200, page.text
        ids += list_ids(page.text)
        older = lxml.html.fromstring(page.text).cssselect('a[rel="next"]')
        if not older:
            return ids
        url = html.unescape(older[0].get("href"))
    raise AssertionError("more than 50 pages")


def test_list_pages_through_every_article_once_newest_first_and_filters(world: World) -> None:
    client = client_for(world, page_size=4)
    ids = walk(client, "")
    assert len(ids) == len(set(ids)), "an article shown on two pages"
    assert set(ids) == world.all_ids()
    # Newest first: the rejected and failed articles were sent last; the example first.
    assert set(ids[:3]) == set(world.failed) | set(world.rejected)
    assert ids[-1] == world.example

    assert set(walk(client, "?status=failed")) == set(world.failed) | set(world.rejected)
    assert set(walk(client, "?status=done")) == {i for v in world.done.values() for i in v}
    assert walk(client, "?status=running") == []
    assert set(walk(client, "?source=alpha")) == set(world.done["alpha"])
    # An article refused at intake was never stored: its source is unknown to the store.
    assert set(walk(client, "?source=gamma&status=failed")) == set(world.failed)
    assert walk(client, "?source=gamma&status=done") == []

    page = client.get("/articles?source=examples").text
    row = lxml.html.fromstring(page).cssselect("table.rows tbody tr")[0]
    cells = [c.text_content().strip() for c in row.cssselect("td")]
    doc = document(world, world.example)
    assert cells[:5] == [world.example, doc["title"], "examples", "done", "summarise"]
    # The counts at the top: by status, and the queues (all drained).
    tree = lxml.html.fromstring(page)
    figures = {f.cssselect("dt")[0].text_content(): f.cssselect("dd")[0].text_content()
               for f in tree.cssselect(".figures .fig")}
    assert figures["done"] == str(sum(len(v) for v in world.done.values()))
    assert figures["failed"] == str(len(world.failed) + len(world.rejected))
    assert figures["queue khabar.entities"] == "0"


def test_counts_by_status_are_made_in_the_background_and_renewed(world: World) -> None:
    now = [1000.0]
    reader = ConsoleReader(world.store, QUEUES, counts_ttl=60, clock=lambda: now[0])
    assert reader.counts() is None  # the first count has only begun: a page does not wait for it
    first = wait_until(reader.counts, 30, "the first count")
    assert first.by_status == {"queued": 0, "running": 0, "done": sum(len(v) for v in world.done.values()),
                               "failed": len(world.failed) + len(world.rejected)}
    now[0] += 30
    assert reader.counts() is first
    now[0] += 31  # past the TTL: the old count is shown while a new one is made
    assert reader.counts() is first
    wait_until(lambda: reader.counts() is not first, 30, "a new count")
    assert reader.counts().by_status == first.by_status and reader.counts().at == now[0]


def test_failed_list_rows_name_the_stage_and_reason(world: World) -> None:
    tree = lxml.html.fromstring(client_for(world, page_size=10).get("/articles?status=failed").text)
    rows = {r.cssselect("td.id")[0].text_content(): [c.text_content().strip() for c in r.cssselect("td")]
            for r in tree.cssselect("table.rows tbody tr")}
    assert rows[world.failed[0]][3:5] == ["failed", "entities (retries_exhausted)"]
    assert rows["latin-001"][3:5] == ["failed", "validate (not_arabic)"]


def test_article_page_marks_every_entity_mention_and_the_summary_right_to_left(world: World) -> None:
    doc = document(world, world.example)
    assert doc["entities"], "the example article should have entities"
    page = client_for(world).get(f"/articles/{world.example}")
    assert page.status_code == 200
    tree = lxml.html.fromstring(page.text)
    (article,) = tree.cssselect("article.reader")
    assert article.get("dir") == "rtl" and article.get("lang") == "ar"

    marks = article.cssselect("mark.ent")
    mentions = sorted((m["start"], m["text"], n, e["type"]) for n, e in enumerate(doc["entities"])
                      for m in e["mentions"])
    # Each mention is one <mark>, in text order, with its entity's type.
    assert [(m.text_content(), int(m.get("data-entity")), m.get("data-type")) for m in marks] == [
        (text, n, type_) for _, text, n, type_ in mentions]
    assert {int(m.get("data-entity")) for m in marks} == set(range(len(doc["entities"])))
    for m in marks:
        assert f"ent-{m.get('data-type')}" in m.get("class")

    # Nothing of the blocks lost or doubled: the article's text is the blocks' text.
    blocks = "".join(doc["text"][b["start"]:b["end"]] for b in doc["blocks"])
    assert re.sub(r"\s", "", article.text_content()) == re.sub(r"\s", "", blocks)
    # The summary's sentences are marked in the text, and shown on their own.
    marked = "".join(e.text_content() for e in article.cssselect("span.summary, mark.in-summary"))
    wanted = "".join(doc["sentences"][i]["text"] for i in doc["summary"]["sentences"])
    assert re.sub(r"\s", "", marked) == re.sub(r"\s", "", wanted) != ""
    assert tree.cssselect("p.summary-text")[0].text_content() == doc["summary"]["text"]

    # The entity table, the legend, keywords, boilerplate folded away, stage timings.
    table = [[c.text_content() for c in r.cssselect("td")] for r in tree.cssselect("table.entities tbody tr")]
    assert sorted(table) == sorted([e["text"], e["type"], str(e["count"])] for e in doc["entities"])
    assert [m.text_content() for m in tree.cssselect(".legend mark")] == ["PERS", "LOC", "ORG", "MISC"]
    assert [li.text_content() for li in tree.cssselect("ul.keywords li")] == doc["keywords"]
    assert [li.text_content() for li in tree.cssselect("details ol.boilerplate li")] == doc["boilerplate"]
    stages = {r.cssselect("td")[0].text_content(): r.cssselect("td")[1].text_content()
              for r in tree.cssselect("#stages-h + table tbody tr")}
    assert stages == {name: f"{run['seconds']:.4f}" for name, run in doc["stages"].items()}
    assert list(stages) == ["normalise", "section", "entities", "summarise"]
    # No scripts, nothing from elsewhere.
    assert not tree.cssselect("script") and "http" not in "".join(tree.xpath("//link/@href"))
    assert "'none'" in page.headers["content-security-policy"]


def test_article_text_and_source_are_escaped(world: World) -> None:
    client = client_for(world, page_size=50)
    page = client.get(f"/articles/{world.hostile}").text
    assert "<script>" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert not lxml.html.fromstring(page).cssselect("script")
    for listing in (client.get("/articles").text, client.get("/articles", params={"source": HOSTILE_SOURCE}).text):
        tree = lxml.html.fromstring(listing)
        assert not tree.cssselect("img") and "<img src=x" not in listing
        sources = {r.cssselect("td.id")[0].text_content(): r.cssselect("td")[2].text_content()
                   for r in tree.cssselect("table.rows tbody tr")}
        assert sources[world.hostile] == HOSTILE_SOURCE
    assert list_ids(listing) == [world.hostile]


def test_failed_article_page_shows_reason_attempts_and_retry_history(world: World) -> None:
    article_id = world.failed[0]
    error = world.store.failure(article_id)
    assert error is not None
    page = client_for(world, retry=lambda i: f"{i}: requeued").get(f"/articles/{article_id}")
    tree = lxml.html.fromstring(page.text)
    (failure,) = tree.cssselect("section.failure")
    facts = dict(zip([d.text_content() for d in failure.cssselect("dt")],
                     [d.text_content() for d in failure.cssselect("dd")], strict=True))
    assert facts["reason"] == "retries_exhausted" and facts["stage"] == "entities"
    assert facts["attempts"] == str(error.attempts)
    assert "injected fault in stage entities" in failure.cssselect("pre.message")[0].text_content()
    history = [[c.text_content() for c in r.cssselect("td")] for r in tree.cssselect("#retries-h + table tbody tr")]
    assert [h[:3] for h in history] == [["entities", "1", "InjectedFault"]]
    (form,) = failure.cssselect("form")
    assert form.get("method") == "post" and form.get("action") == f"/articles/{article_id}/retry"
    assert len(form.cssselect('input[name="csrf"]')[0].get("value")) == 64
    # The input as received is shown, since there is no document.
    stored = json.loads(world.redis.client().hget(world.store.key(article_id), "article"))
    assert tree.cssselect("pre.input")[0].text_content() == stored["content"]

    rejected = lxml.html.fromstring(client_for(world).get("/articles/latin-001").text)
    assert rejected.cssselect("section.failure dd.reason")[0].text_content() == "not_arabic"
    assert client_for(world).get("/articles/no-such-id").status_code == 404


def test_failures_page_groups_dead_letters_by_reason(world: World) -> None:
    tree = lxml.html.fromstring(client_for(world).get("/failures").text)
    groups = {g.cssselect("h2 .reason")[0].text_content(): [a.text_content() for a in g.cssselect("td.id a")]
              for g in tree.cssselect("section.group")}
    assert sorted(groups["retries_exhausted"]) == sorted(world.failed)
    assert groups["not_arabic"] == ["latin-001"] and len(groups) == 2
    assert [g.cssselect("h2 .reason")[0].text_content() for g in tree.cssselect("section.group")] == [
        "retries_exhausted", "not_arabic"]  # the largest group first


def test_every_page_needs_credentials(world: World) -> None:
    app = create_app(ConsoleReader(world.store, QUEUES), credentials=parse_credentials("ops:s3cret,ed:pw2"),
                     retry=None)
    anonymous = TestClient(app, follow_redirects=False)
    for path in ("/", "/articles", f"/articles/{world.example}", "/failures", "/static/console.css"):
        answer = anonymous.get(path)
        assert answer.status_code == 401, path
        assert answer.headers["www-authenticate"].startswith('Basic realm="khabar console"')
        assert "\u0627" not in answer.text  # nothing of an article leaks
    assert anonymous.post(f"/articles/{world.failed[0]}/retry").status_code == 401
    assert anonymous.get("/articles", headers=basic("ops", "wrong")).status_code == 401
    assert anonymous.get("/articles", headers={"Authorization": "Basic !!!"}).status_code == 401
    assert anonymous.get("/articles", headers=basic("ed", "pw2")).status_code == 200
    assert anonymous.get("/healthcheck").status_code == 200
    with pytest.raises(ValueError):
        parse_credentials("no-colon")
    with pytest.raises(ValueError):
        create_app(ConsoleReader(world.store, QUEUES), credentials=[], retry=None)


def test_retry_needs_the_form_token_from_the_same_origin(world: World) -> None:
    calls: list[str] = []

    def retry(article_id: str) -> str:
        calls.append(article_id)
        return f"{article_id}: requeued from stage entities"

    client = client_for(world, retry=retry)
    one, other = world.failed
    token = lxml.html.fromstring(client.get(f"/articles/{one}").text).cssselect('input[name="csrf"]')[0].get("value")
    assert client.post(f"/articles/{one}/retry").status_code == 403
    assert client.post(f"/articles/{other}/retry", data={"csrf": token}).status_code == 403  # another article's
    assert client.post(f"/articles/{one}/retry", data={"csrf": token},
                       headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.get(f"/articles/{one}/retry").status_code == 404  # a GET looks for an article "<id>/retry"
    assert calls == []
    answer = client.post(f"/articles/{one}/retry", data={"csrf": token})
    assert answer.status_code == 303 and calls == [one]
    shown = client.get(answer.headers["location"]).text
    assert lxml.html.fromstring(shown).cssselect("p.notice")[0].text_content() == f"{one}: requeued from stage entities"
    # Another console process signs with another key: its token is refused.
    assert client_for(world, retry=retry).post(f"/articles/{one}/retry", data={"csrf": token}).status_code == 403


def khabar_console(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "khabar.worker", "console", *args], env=env, cwd=ROOT,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


def fetch(url: str, auth: tuple[str, str] | None = AUTH, form: dict[str, str] | None = None) -> tuple[int, str, str]:
    """(status, final URL, body) of one request, following redirects."""
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode() if form else None)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(":".join(auth).encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.url, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, url, exc.read().decode()


def test_khabar_console_refuses_to_start_without_credentials(world: World, tmp_path: Path) -> None:
    bare = subprocess.run([sys.executable, "-m", "khabar.worker", "console"], env=world.env(), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert bare.returncode == 2 and "refusing to start without credentials" in bare.stderr


@pytest.mark.slow
def test_khabar_console_retries_a_failed_article_from_its_page(world: World, tmp_path: Path) -> None:
    """The real command, as the README starts it, with a sound worker: the button requeues the article
    from the stage that failed and it ends done."""
    article_id = world.failed[1]
    sound = world.worker("sound-again")
    port = free_port()
    log = tmp_path / "console.log"
    console = khabar_console(world.env() | {"FLOWER_BASIC_AUTH": ":".join(AUTH)}, "--port", str(port), log=log)
    base = f"http://127.0.0.1:{port}"
    try:
        def up() -> bool:
            assert console.poll() is None, log.read_text()[-3000:]
            try:
                return fetch(f"{base}/healthcheck", auth=None)[0] == 200
            except OSError:
                return False

        wait_until(up, 60, "the console to answer")
        assert fetch(f"{base}/articles", auth=None)[0] == 401
        status, _, page = fetch(f"{base}/articles/{article_id}")
        assert status == 200 and "retries_exhausted" in page
        token = lxml.html.fromstring(page).cssselect('input[name="csrf"]')[0].get("value")
        status, landed, page = fetch(f"{base}/articles/{article_id}/retry", form={"csrf": token})
        assert status == 200 and landed.startswith(f"{base}/articles/{article_id}?notice="), landed
        notice = lxml.html.fromstring(page).cssselect("p.notice")[0].text_content()
        assert notice == f"{article_id}: requeued from stage entities"
        wait_final(world.store, [article_id], 120)
        assert world.store.status(article_id) == "done"
        tree = lxml.html.fromstring(fetch(f"{base}/articles/{article_id}")[2])
        assert tree.cssselect("article.reader") and not tree.cssselect("section.failure")
    finally:
        console.terminate()
        console.wait(timeout=30)
        sound.stop()
