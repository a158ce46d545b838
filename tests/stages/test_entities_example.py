"""The example page through normalise, section and entities with the trained CRF.

What a reader would list from ``../shared/examples/news-page-001.txt`` must be found,
each once, with its mentions merged.  The gazetteer stand-in cannot show this (it only
knows the names it lists), so the test runs when ``khabar.tasks.entities.crf`` is importable and
the page is present, and skips otherwise.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from khabar.tasks.entities import find_entities, load_recogniser
from khabar.tasks.normalise import match_form, normalise
from khabar.tasks.records import Article, Entities
from khabar.tasks.section import section

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT.parent / "shared" / "examples" / "news-page-001.txt"

# name (one word of it, as written in the page) -> its type
EXPECTED = {
    "بوتين": "PERS",
    "ترامب": "PERS",
    "دميترييف": "PERS",
    "روسيا": "LOC",
    "أوكرانيا": "LOC",
    "السعودية": "LOC",
    "واشنطن": "LOC",
    "موسكو": "LOC",
    "الرياض": "LOC",
    "أوبك": "ORG",
}


@pytest.fixture(scope="module")
def entities() -> Entities:
    pytest.importorskip("khabar.tasks.entities.crf", reason="the trained CRF has not landed")
    if not PAGE.is_file():
        pytest.skip(f"{PAGE} not found (the example page lives in ../shared)")
    article = Article("news-page-001", PAGE.read_text(encoding="utf-8"), "text")
    return find_entities(section(normalise(article)), load_recogniser("crf", None))


def holding(ents: Entities, word: str) -> list[tuple[str, str]]:
    """(canonical text, type) of every entity with a mention that has ``word`` among its words."""
    form = match_form(word)
    return [
        (e.text, e.type)
        for e in ents.entities
        if any(form in re.findall(r"\w+", match_form(m.text)) for m in e.mentions)
    ]


@pytest.mark.parametrize(("word", "kind"), EXPECTED.items())
def test_found_once_with_its_type(entities: Entities, word: str, kind: str) -> None:
    assert entities.backend == "crf"
    found = holding(entities, word)
    assert len(found) == 1, found
    assert found[0][1] == kind


def test_full_names_are_canonical(entities: Entities) -> None:
    assert holding(entities, "بوتين")[0][0] == "فلاديمير بوتين"
    assert holding(entities, "ترامب")[0][0] == "دونالد ترامب"
    assert holding(entities, "دميترييف")[0][0] == "كيريل دميترييف"


def test_every_mention_points_at_its_text(entities: Entities) -> None:
    article = Article("news-page-001", PAGE.read_text(encoding="utf-8"), "text")
    text = section(normalise(article)).text
    for e in entities.entities:
        for m in e.mentions:
            assert text[m.start : m.end] == m.text
