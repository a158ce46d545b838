"""On any Unicode string, validation and the stages return a valid result or raise
``InvalidArticle``: never another exception (which would fail an article as a bug)."""

from __future__ import annotations

import json
from dataclasses import asdict
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khabar.tasks.document import build_document
from khabar.tasks.entities import load_recogniser
from khabar.tasks.errors import InvalidArticle
from khabar.tasks.pipeline import PIPELINE_VERSION, Resources, run_inprocess
from khabar.tasks.validate import Limits, parse_payload

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "document.schema.json").read_text())
LIMITS = Limits()

# Arabic letters (with diacritics, tatweel and presentation forms now and then), Arabic
# punctuation and digits, separators of every kind, and now and then any code point at all.
LETTER = st.sampled_from(
    [chr(c) for c in range(0x0621, 0x063B)] + [chr(c) for c in range(0x0641, 0x064B)]
    + ["\u064b", "\u064e", "\u0650", "\u0651", "\u0652", "\u0640", "\ufefb", "\ufe8d", "\u06a9", "\u06cc"]
)
WORD = st.lists(LETTER, min_size=1, max_size=9).map("".join)
PUNCT = st.sampled_from(["\u060c", "\u061b", "\u061f", ".", "!", "?", ":", "\u00ab", "\u00bb", "(", ")", "\"",
                         "-", "|", "*", "\u066b", "\u0662\u0660\u0662\u0664", "2024", "%"])
SPACE = st.sampled_from([" ", " ", " ", "\n", "\n\n", "\t", "\u00a0", "\u200c", "\u200f", "\r\n", "\u2028"])
ANY_CHAR = st.characters(codec=None)  # every code point, surrogates and controls included
TAGS = st.sampled_from(["<p>", "</p>", "<h1>", "</h1>", "<br>", "<li>", "<ul>", "</ul>", "<div class='x'>",
                        "</div>", "<script>x=1</script>", "<title>", "</title>", "<!-- c -->", "<", ">",
                        "&amp;"])
TOKEN = st.one_of(*[WORD] * 8, PUNCT, *[SPACE] * 4, ANY_CHAR)

# Mostly Arabic, so that most examples pass validation and reach the stages.
arabicish = st.lists(TOKEN, min_size=8, max_size=160).map("".join)
htmlish = st.lists(st.one_of(*[TOKEN] * 6, TAGS), min_size=10, max_size=200).map("".join)
anything = st.text(alphabet=ANY_CHAR, max_size=300)


@cache
def resources() -> Resources:
    return Resources(recogniser=load_recogniser("gazetteer"), latin_digits=True)


def check_records(records: dict[str, Any], runs: dict[str, Any]) -> None:
    sec = records["section"]
    text = sec.text
    for b in sec.blocks:
        assert 0 <= b.start <= b.end <= len(text), b
    for s in sec.sentences:
        assert 0 <= s.start <= s.end <= len(text) and 0 <= s.block < len(sec.blocks), s
    for start, end in sec.tokens:
        assert 0 <= start < end <= len(text)
    for entity in records["entities"].entities:
        for m in entity.mentions:
            assert text[m.start : m.end] == m.text, m
    assert all(0 <= i < len(sec.sentences) for i in records["summarise"].sentences)
    document = build_document(records, {n: asdict(r) for n, r in runs.items()}, PIPELINE_VERSION)
    jsonschema.validate(json.loads(json.dumps(document, ensure_ascii=False)), SCHEMA)


def run(payload: Any) -> None:
    try:
        article = parse_payload(payload, LIMITS)
    except InvalidArticle:
        return
    records, runs = run_inprocess(article, resources())  # may raise InvalidArticle, nothing else
    check_records(records, runs)


def _safe(payload: Any) -> None:
    try:
        run(payload)
    except InvalidArticle:
        pass


FAST = settings(max_examples=350, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(arabicish)
def test_mostly_arabic_text(text: str) -> None:
    _safe({"text": text})


@FAST
@given(htmlish)
def test_mostly_arabic_html(html: str) -> None:
    _safe({"html": html})


@settings(max_examples=250, deadline=None)
@given(anything, st.sampled_from(["text", "html"]))
def test_any_unicode_string(content: str, kind: str) -> None:
    _safe({kind: content})


@settings(max_examples=150, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | anything,
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(anything, inner, max_size=3),
                    max_leaves=8),
       st.sampled_from(["text", "html", "id", "summary", "metadata", "url", "other"]))
def test_any_json_value_in_any_field(value: Any, field: str) -> None:
    _safe({"text": "خبر عاجل من القاهرة عن الاقتصاد والسياسة اليوم", field: value})
    _safe(value)
