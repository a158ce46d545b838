"""Fixture pages in the styles of different Arabic news sites, plain text and HTML.

Each page ``name.txt`` or ``name.html`` under ``tests/fixtures/section`` has a
``name.json`` beside it saying what a careful editor finds: the headline, the
headings, the lists, bylines and tags, where given every paragraph whole, text
that must be in the body and text (menus, tickers, weather boxes, comment forms,
related links) that must not be anywhere in the article's text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from khabar.tasks.normalise import normalise
from khabar.tasks.offsets import compose, map_offset
from khabar.tasks.records import Article, Sectioned
from khabar.tasks.section import section
from tests.stages.test_section_properties import assert_valid

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "section"
PAGES = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".txt", ".html"))


def blocks_of(sec: Sectioned, kind: str) -> list[str]:
    return [sec.text[b.start : b.end] for b in sec.blocks if b.kind == kind]


@pytest.fixture(params=PAGES, ids=[p.name for p in PAGES])
def page(request: pytest.FixtureRequest) -> tuple[Path, Sectioned, dict[str, Any]]:
    path: Path = request.param
    kind = "html" if path.suffix == ".html" else "text"
    content = path.read_text(encoding="utf-8")
    sec = section(normalise(Article(id=path.stem, content=content, kind=kind)))
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    return path, sec, expected


def test_every_page_has_its_expectations() -> None:
    assert len(PAGES) >= 8
    for path in PAGES:
        assert path.with_suffix(".json").exists(), path


def test_headline(page: tuple[Path, Sectioned, dict[str, Any]]) -> None:
    _, sec, expected = page
    assert_valid(sec)
    assert sec.title == expected["title"]


def test_headings_open_sections(page: tuple[Path, Sectioned, dict[str, Any]]) -> None:
    _, sec, expected = page
    assert blocks_of(sec, "heading") == expected["headings"]


def test_lists(page: tuple[Path, Sectioned, dict[str, Any]]) -> None:
    _, sec, expected = page
    found: dict[int, list[str]] = {}
    for b in sec.blocks:
        if b.kind == "list_item" and b.list_id is not None:
            found.setdefault(b.list_id, []).append(sec.text[b.start : b.end])
    assert list(found.values()) == expected.get("lists", [])


def test_bylines_tags_and_leads(page: tuple[Path, Sectioned, dict[str, Any]]) -> None:
    _, sec, expected = page
    for kind, key in (
        ("byline", "bylines"), ("dateline", "datelines"), ("tag", "tags"), ("lead", "leads"), ("caption", "captions"),
        ("question", "questions"), ("answer", "answers"),
    ):  # fmt: skip
        if key in expected:
            assert blocks_of(sec, kind) == expected[key], kind


def test_paragraphs(page: tuple[Path, Sectioned, dict[str, Any]]) -> None:
    _, sec, expected = page
    if "paragraphs" in expected:  # every paragraph whole (hard-wrapped lines joined)
        assert blocks_of(sec, "paragraph") == expected["paragraphs"]


def test_body_is_kept(page: tuple[Path, Sectioned, dict[str, Any]]) -> None:
    _, sec, expected = page
    body = "\n".join(sec.text[b.start : b.end] for b in sec.blocks if b.kind != "title")
    for text in expected["in_body"]:
        assert text in body


def test_furniture_is_removed(page: tuple[Path, Sectioned, dict[str, Any]]) -> None:
    _, sec, expected = page
    for text in expected["not_in_text"]:
        assert text not in sec.text


def test_offsets_lead_back_to_the_page(page: tuple[Path, Sectioned, dict[str, Any]]) -> None:
    path, sec, _ = page
    content = path.read_text(encoding="utf-8")
    kind = "html" if path.suffix == ".html" else "text"
    norm = normalise(Article(id=path.stem, content=content, kind=kind))
    to_raw = compose(sec.to_source, norm.to_raw)
    for a, z in sec.tokens:
        start = map_offset(to_raw, a)
        word = sec.text[a:z]
        if path.suffix == ".txt":
            assert content[start : start + len(word)] == word
        elif word.isalpha() and len(word) > 3:
            assert content[start : start + len(word)] == word
