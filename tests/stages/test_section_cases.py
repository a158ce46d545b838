"""Each kind of page furniture, byline, heading and list, one at a time, around one article.

The lines and the article are data (``tests/fixtures/section/cases``): every case puts
its lines into the same page and checks that the headline and every paragraph survive
and that the lines are read as a careful editor would read them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from khabar.tasks.normalise import normalise
from khabar.tasks.records import Article, Sectioned
from khabar.tasks.section import section
from tests.stages.test_section_properties import assert_valid

CASES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "section" / "cases"
CASES: dict[str, Any] = json.loads((CASES_DIR / "cases.json").read_text(encoding="utf-8"))
TEMPLATE = (CASES_DIR / "template.txt").read_text(encoding="utf-8").splitlines()
TITLE, PARAGRAPHS = TEMPLATE[0], TEMPLATE[1:]


def page(where: str, lines: list[str], blank_lines: bool = False) -> str:
    """The template article with ``lines`` put in at ``where``."""
    top, under, middle, end = [], [], [], []
    {"top": top, "under_title": under, "middle": middle, "end": end}[where].extend(lines)
    out = top + [TITLE] + under + PARAGRAPHS[:3] + middle + PARAGRAPHS[3:] + end
    return ("\n\n" if blank_lines else "\n").join(out)


def run(text: str) -> Sectioned:
    sec = section(normalise(Article(id="case", content=text, kind="text")))
    assert_valid(sec)
    return sec


def shown(lines: list[str]) -> list[str]:
    """The lines as the display text shows them (normalised: no tatweel, one space ...)."""
    return [normalise(Article(id="line", content=line, kind="text")).text for line in lines]


def texts(sec: Sectioned, kind: str) -> list[str]:
    return [sec.text[b.start : b.end] for b in sec.blocks if b.kind == kind]


def assert_article_intact(sec: Sectioned) -> None:
    assert sec.title == TITLE
    assert texts(sec, "paragraph") + texts(sec, "lead") == PARAGRAPHS or texts(sec, "paragraph") == PARAGRAPHS


@pytest.mark.parametrize("blank_lines", [False, True], ids=["lines", "blank-lines"])
@pytest.mark.parametrize("case", CASES["furniture"], ids=[c["kind"] for c in CASES["furniture"]])
def test_furniture_is_removed_and_the_article_kept(case: dict[str, Any], blank_lines: bool) -> None:
    sec = run(page(case["where"], case["lines"], blank_lines))
    assert_article_intact(sec)
    for line in case["lines"]:
        assert line not in sec.text, line
        assert line in sec.boilerplate


@pytest.mark.parametrize("case", CASES["bylines"], ids=[c["lines"][0] for c in CASES["bylines"]])
def test_bylines_and_dates_are_kept_as_bylines(case: dict[str, Any]) -> None:
    sec = run(page(case["where"], case["lines"]))
    assert_article_intact(sec)
    assert texts(sec, "byline") == shown(case["lines"])


@pytest.mark.parametrize("case", CASES["datelines"], ids=[c["lines"][0] for c in CASES["datelines"]])
def test_datelines_are_kept_as_datelines(case: dict[str, Any]) -> None:
    sec = run(page(case["where"], case["lines"]))
    assert_article_intact(sec)
    assert texts(sec, "dateline") == shown(case["lines"])
    assert texts(sec, "byline") == []


@pytest.mark.parametrize("case", CASES["captions"], ids=[c["kind"] for c in CASES["captions"]])
def test_captions_are_kept_out_of_the_body(case: dict[str, Any]) -> None:
    sec = run(page(case["where"], case["lines"]))
    assert_article_intact(sec)
    assert texts(sec, "caption") == shown(case["lines"])
    assert not any(s for s in sec.sentences if sec.blocks[s.block].kind == "caption")


@pytest.mark.parametrize("heading", CASES["headings"])
def test_headings_open_a_section(heading: str) -> None:
    sec = run(page("middle", [heading]))
    assert_article_intact(sec)
    assert texts(sec, "heading") == [heading]
    kinds = [(b.kind, b.section) for b in sec.blocks]
    assert kinds == [("title", 0)] + [("paragraph", 0)] * 3 + [("heading", 1)] + [("paragraph", 1)] * 2


@pytest.mark.parametrize("items", CASES["lists"], ids=[i[0][:12] for i in CASES["lists"]])
@pytest.mark.parametrize("intro", [True, False], ids=["intro", "no-intro"])
def test_lists_are_one_list(items: list[str], intro: bool) -> None:
    lines = ([CASES["list_intro"]] if intro else []) + items
    sec = run(page("middle", lines))
    assert sec.title == TITLE
    assert texts(sec, "list_item") == items
    assert len({b.list_id for b in sec.blocks if b.kind == "list_item"}) == 1
    assert set(PARAGRAPHS) <= set(texts(sec, "paragraph"))
    assert sum(1 for s in sec.sentences if sec.blocks[s.block].kind == "list_item") >= len(items)


def test_text_and_html_of_one_article_give_the_same_structure() -> None:
    heading, items, frame = CASES["headings"][0], CASES["lists"][1], CASES["html_frame"]
    lines = [TITLE, *PARAGRAPHS[:3], heading, CASES["list_intro"], *items, *PARAGRAPHS[3:]]
    html = (
        f"<html><head><title>{TITLE} - {frame['site']}</title></head><body>"
        f"<nav><a href='/'>{frame['menu'][0]}</a> <a href='/h'>{frame['menu'][1]}</a></nav>"
        f"<article><h1>{TITLE}</h1>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:3])
        + f"<h2>{heading}</h2><p>{CASES['list_intro']}</p><ul>"
        + "".join(f"<li>{i}</li>" for i in items)
        + "</ul>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS[3:])
        + f"</article><footer>{frame['footer']}</footer></body></html>"
    )
    from_text = run("\n".join(lines))
    from_html = section(normalise(Article(id="case", content=html, kind="html")))
    assert_valid(from_html)
    assert from_html.text == from_text.text
    assert [(b.kind, b.section, b.list_id) for b in from_html.blocks] == [
        (b.kind, b.section, b.list_id) for b in from_text.blocks
    ]
    assert from_html.sentences == from_text.sentences
    assert from_html.tokens == from_text.tokens


def test_paragraphs_without_punctuation_are_still_paragraphs() -> None:
    bare = [p.replace("\u060c", "").rstrip(".") for p in PARAGRAPHS]  # no ARABIC COMMA, no full stop
    sec = run("\n".join([CASES["furniture"][0]["lines"][0], TITLE, *bare]))
    assert sec.title == TITLE
    assert texts(sec, "paragraph") == bare


def test_html_article_appended_below_is_not_taken_for_the_page_article() -> None:
    other = [
        ln
        for ln in (CASES_DIR.parent / "text-clean-article.txt").read_text(encoding="utf-8").splitlines()
        if ln
    ]
    story = "<div class='story'><h1>{}</h1><div class='body'>{}</div></div>"
    html = (
        f"<html><head><meta property='og:title' content='{TITLE}'></head><body>"
        + story.format(TITLE, "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:2]))
        + story.format(other[0], "".join(f"<p>{p}</p>" for p in other[1:] * 2))  # longer, below
        + "</body></html>"
    )
    sec = section(normalise(Article(id="case", content=html, kind="html")))
    assert sec.title == TITLE
    assert texts(sec, "paragraph") == PARAGRAPHS[:2]
