"""The example page from ../shared: what a careful editor finds in it."""

from __future__ import annotations

import json
from pathlib import Path

from khabar.tasks.normalise import normalise
from khabar.tasks.offsets import compose, map_offset
from khabar.tasks.records import Article
from khabar.tasks.section import section
from tests.stages.test_section_properties import assert_valid

CASES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "section" / "cases"
EXPECTED = json.loads((CASES_DIR / "example-page.json").read_text(encoding="utf-8"))


def test_example_page_headline_headings_list_and_body(example_page: str) -> None:
    sec = section(normalise(Article(id="ex", content=example_page, kind="text")))
    assert_valid(sec)
    assert sec.title == EXPECTED["title"]

    lines = [ln.strip() for ln in example_page.splitlines() if ln.strip()]
    by_kind: dict[str, list[str]] = {}
    for b in sec.blocks:
        by_kind.setdefault(b.kind, []).append(sec.text[b.start : b.end])

    # The five section headings: short lines that open the sections, some ending in a question mark.
    headings = by_kind["heading"]
    assert len(headings) == EXPECTED["headings"]
    assert [h for h in lines if h in headings] == headings
    assert all(len(h.split()) <= 8 for h in headings)
    assert [b.section for b in sec.blocks if b.kind == "heading"] == [1, 2, 3, 4, 5]

    # The "label: text" lines are the items of one list, in the fourth section.
    items = [b for b in sec.blocks if b.kind == "list_item"]
    assert len(items) == EXPECTED["list_items"]
    assert len({b.list_id for b in items}) == 1
    assert all(sec.text[b.start : b.end].split(":")[0].strip() for b in items)
    assert {b.section for b in items} == {EXPECTED["list_section"]}

    # Every paragraph of the article is kept; no site name, masthead or ticker text is in the body.
    body = "\n".join(t for kind, ts in by_kind.items() if kind != "title" for t in ts)
    ticker = max(lines, key=len)
    article_paragraphs = [ln for ln in lines if ln[-1] in ".:" and ln != ticker]
    assert len(article_paragraphs) >= 10
    kept = by_kind["paragraph"] + by_kind.get("lead", []) + by_kind["list_item"]
    for paragraph in article_paragraphs:
        assert paragraph in kept
    site_name, masthead = lines[0], lines[2]
    for furniture in (site_name, masthead, ticker, ticker[:40], ticker[-40:]):
        assert furniture not in body
        assert furniture not in sec.text
    assert ticker in sec.boilerplate

    # Offsets lead back to the raw page.
    norm = normalise(Article(id="ex", content=example_page, kind="text"))
    to_raw = compose(sec.to_source, norm.to_raw)
    for b in sec.blocks:
        start = map_offset(to_raw, b.start)
        assert example_page[start : start + (b.end - b.start)] == sec.text[b.start : b.end]
