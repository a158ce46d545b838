"""Clitics cut on the lexicon's evidence: known names and word frequencies of the committed CRF model.

The article alone often shows nothing (``wa-Misr`` is the only mention of Egypt); the lexicon
knows that Misr is a country and a much more common word than wa-Misr.  Names that really begin
with a clitic letter keep it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from khabar.tasks.entities import find_entities, load_recogniser
from khabar.tasks.entities.crf.lexicon import Lexicon
from khabar.tasks.entities.crf.model import DEFAULT_MODEL_DIR
from khabar.tasks.entities.mentions import bare, strip_proclitics
from khabar.tasks.normalise import normalise
from khabar.tasks.records import Article
from khabar.tasks.section import section
from tests.stages.entities_support import Scripted, WithLexicon, build

ARTICLE = Path(__file__).resolve().parents[2] / "examples" / "article-001.txt"


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.load(DEFAULT_MODEL_DIR)


@pytest.mark.parametrize(
    ("word", "kind", "expected"),
    [
        ("ومصر", "LOC", "مصر"),  # and-Egypt: a country, and Misr far more common than wa-Misr
        ("لمصر", "LOC", "مصر"),
        ("بكوبا", "LOC", "كوبا"),  # in-Cuba: bi- too, on a known name
        ("وهولندا", "LOC", "هولندا"),
        ("ولندن", "LOC", "لندن"),
        ("وبغداد", "LOC", "بغداد"),  # the city's own ba stays
        ("ولبنان", "LOC", "لبنان"),  # and the country's own lam
        ("بلبنان", "LOC", "لبنان"),
        ("وبواشنطن", "LOC", "واشنطن"),  # two clitics before Washington's own waw
        ("وبريطانيا", "LOC", "بريطانيا"),  # not in the country list: frequency after wa- alone
        ("ومحمد", "PERS", "محمد"),  # a given name, however common
        ("وعلي", "PERS", "علي"),
        ("لحزب", "ORG", "حزب"),  # li- + a much more common word
        ("ولاري", "PERS", "لاري"),  # and-Larry: only the waw, not wa-li- + "ari"
    ],
)
def test_clitic_is_cut_on_lexicon_evidence(lexicon: Lexicon, word: str, kind: str, expected: str) -> None:
    assert strip_proclitics(word, set()) == (0, False)  # no evidence in the article
    cut, elided = strip_proclitics(word, set(), lexicon, kind)
    assert (word[cut:], elided) == (expected, False)


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("وليد", "PERS"),  # Walid: "lid" is rarer than Walid
        ("وائل", "PERS"),  # Wael: a given name itself
        ("وائل", "LOC"),  # ... whatever the mention's type
        ("فلسطين", "LOC"),
        ("بغداد", "LOC"),
        ("لبنان", "LOC"),
        ("كركوك", "LOC"),
        ("لبنان", "ORG"),  # the national team: "banan" is rarer than Lubnan
        ("واشنطن", "LOC"),
        ("بوتين", "PERS"),
        ("كوفي", "PERS"),  # Kofi: ka- + "wa-fi" is a function word, never a name's rest
        ("بلير", "PERS"),  # Blair: bi- + "lir" (a city) is rarer than Blair
        ("كمال", "PERS"),  # Kamal: ka- is never cut on frequency alone
        ("فورد", "ORG"),  # Ford: fa- neither
    ],
)
def test_names_that_begin_with_a_clitic_letter_keep_it(lexicon: Lexicon, word: str, kind: str) -> None:
    assert strip_proclitics(word, set(), lexicon, kind) == (0, False)


def test_article_evidence_still_comes_first(lexicon: Lexicon) -> None:
    # "utin" is no name, but the article says Putin is: and-Putin loses only its waw.
    assert bare("وبوتين", {"بوتين"}, lexicon) == "بوتين"


def test_mentions_and_propagation_use_the_recognisers_lexicon(lexicon: Lexicon) -> None:
    text = "زار الوزير مصر ثم مصر. وقال إن الأردن ومصر معا."
    labels = {"مصر": "B-LOC", "الأردن": "B-LOC"}
    sec = build(("paragraph", text))
    without = find_entities(sec, Scripted({**labels, "ومصر": "B-LOC"}))
    assert [e.text for e in without.entities] == ["مصر", "الأردن"]  # found twice: "Misr" is evidence
    # Named only once, with its clitic: nothing in the article shows the waw is one.
    once = build(("paragraph", "قال إن الأردن ومصر معا."))
    assert [e.text for e in find_entities(once, Scripted({"الأردن": "B-LOC", "ومصر": "B-LOC"})).entities] == [
        "الأردن",
        "ومصر",
    ]
    got = find_entities(once, WithLexicon({"الأردن": "B-LOC", "ومصر": "B-LOC"}, lexicon))
    assert [(e.text, e.type, [m.text for m in e.mentions]) for e in got.entities] == [
        ("الأردن", "LOC", ["الأردن"]),
        ("مصر", "LOC", ["مصر"]),
    ]
    # Propagation reads the first word as mentions do: wa-Misr, untagged, is Misr found twice.
    spread = find_entities(sec, WithLexicon(labels, lexicon))
    egypt = next(e for e in spread.entities if e.text == "مصر")
    assert [m.text for m in egypt.mentions] == ["مصر", "مصر", "مصر"]
    assert all(sec.text[m.start : m.end] == m.text for m in egypt.mentions)


def test_article_001_names_egypt_without_its_waw() -> None:
    pytest.importorskip("khabar.tasks.entities.crf", reason="the trained CRF has not landed")
    article = Article("article-001", ARTICLE.read_text(encoding="utf-8"), "text")
    ents = find_entities(section(normalise(article)), load_recogniser("crf", None))
    places = {e.text for e in ents.entities if e.type == "LOC"}
    assert "مصر" in places
    assert not any(m.text.startswith("\u0648") for e in ents.entities for m in e.mentions)
