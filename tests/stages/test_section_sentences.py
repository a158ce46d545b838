"""Sentence boundaries and tokens on hand-written Arabic cases (``fixtures/section/cases/sentences.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from khabar.tasks.section.sentences import sentence_spans
from khabar.tasks.section.tokens import tokens

CASES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "section" / "cases"
CASES: dict[str, Any] = json.loads((CASES_DIR / "sentences.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES["sentences"], ids=[c["text"][:15] for c in CASES["sentences"]])
def test_sentence_boundaries(case: dict[str, Any]) -> None:
    text = case["text"]
    assert [text[a:b] for a, b in sentence_spans(text, 0, len(text))] == case["sentences"]


def test_sentences_stay_inside_the_block() -> None:
    case = CASES["block"]
    text = case["text"]
    start, end = text.index(case["from"]), text.index(case["to"])
    assert [text[a:b] for a, b in sentence_spans(text, start, end)] == case["sentences"]


@pytest.mark.parametrize("case", CASES["tokens"], ids=[c["text"][:15] for c in CASES["tokens"]])
def test_tokens_are_anercorp_style(case: dict[str, Any]) -> None:
    text = case["text"]
    assert [text[a:b] for a, b in tokens(text)] == case["tokens"]
