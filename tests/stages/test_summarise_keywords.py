"""Keywords: ranked on matching forms and stems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks.normalise import normalise
from tasks.records import Article, Budget, Entities, Sectioned
from tasks.section import section
from tasks.summarise import summarise
from tasks.summarise.terms import word_form
from tests.corpus import article
from tests.support import ROOT

NO_ENTITIES = Entities("none", ())
SHARED = ROOT.parent / "shared"
EASC = SHARED / "data" / "summaries" / "easc-dev" / "articles"
# Keywords in matching form as ranked before they were shown as written.
RANKED_BEFORE = json.loads((Path(__file__).parent / "fixtures" / "keyword_match_forms.json").read_text("utf-8"))


def sectioned(page: str) -> Sectioned:
    return section(normalise(Article(id="kw", content=page, kind="text")))


def match_forms(shown: tuple[str, ...]) -> list[str]:
    return [" ".join(word_form(w) for w in kw.split(" ")) for kw in shown]


def test_ranking_is_unchanged_on_fixture_articles() -> None:
    for seed in range(10):
        shown = summarise(sectioned(article(seed)), NO_ENTITIES, Budget()).keywords
        assert match_forms(shown) == RANKED_BEFORE["fixture"][str(seed)]


def test_ranking_is_unchanged_on_the_example_page(example_page: str) -> None:
    shown = summarise(sectioned(example_page), NO_ENTITIES, Budget()).keywords
    assert match_forms(shown) == RANKED_BEFORE["example"]


def test_ranking_is_unchanged_on_easc() -> None:
    if not EASC.is_dir():
        pytest.skip(f"{EASC} is absent (../shared is not on this machine)")
    moved = {}
    for name, before in RANKED_BEFORE["easc"].items():
        text = (EASC / name).read_text(encoding="utf-8-sig")
        after = match_forms(summarise(sectioned(text), NO_ENTITIES, Budget()).keywords)
        if after != before:
            moved[name] = (before, after)
    assert moved == {}
