"""Stage bounds (khabar.tasks.bounds), no broker: every hostile kind of tests/hostile.py runs the whole
pipeline in bounded time and ends with a document (caps recorded) or an input reason; the guards and caps
themselves; a real article is changed by none of them."""

from __future__ import annotations

import json
import time
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from khabar.config.settings import Settings
from khabar.tasks import bounds
from khabar.tasks.entities.recogniser import tag_all
from khabar.tasks.errors import InvalidArticle, Reason
from khabar.tasks.normalise import normalise, require_letters
from khabar.tasks.normalise.clean import clean, clean_bounded
from khabar.tasks.offsets import map_offset
from khabar.tasks.pipeline import process_payload
from khabar.tasks.records import Article, Entities
from khabar.tasks.section import require_text, section
from khabar.tasks.section.guards import check_depth, nesting_depth
from khabar.tasks.summarise.analysis import analyse
from tests import corpus, hostile

ROOT = Path(__file__).resolve().parents[2]
# Far above what each kind takes here (a few seconds with the gazetteer): what matters is that
# none runs for minutes, as the unbounded stages did (NFC on a run of marks, the parser on 80,000
# nested elements, a 20,000-square similarity matrix).
SECONDS = 30.0


@cache
def _resources() -> Any:
    from khabar.worker.runtime import resources_from

    return resources_from(Settings(ner_backend="gazetteer"))


def _process(payload: dict[str, Any]) -> dict[str, Any]:
    from khabar.worker.runtime import budget_from, limits_from

    settings = Settings(ner_backend="gazetteer")
    return process_payload(payload, limits_from(settings), budget_from(settings), _resources())


@pytest.mark.parametrize("kind", hostile.KINDS, ids=lambda k: k.name)
def test_every_hostile_kind_ends_in_bounded_time_with_a_document_or_an_input_reason(kind) -> None:
    payload = hostile.payload(kind)
    started = time.perf_counter()
    if kind.reason is not None:
        with pytest.raises(InvalidArticle) as caught:
            _process(payload)
        assert caught.value.reason == kind.reason, str(caught.value)
    else:
        doc = _process(payload)
        assert doc["status"] == "done" and doc["text"].strip()
        assert doc["sentences"] and doc["summary"]["text"]
    assert time.perf_counter() - started < SECONDS


def test_caps_are_recorded_in_the_document() -> None:
    def caps(name: str) -> dict[str, dict[str, Any]]:
        doc = _process(hostile.payload(hostile.BY_NAME[name]))
        return {c["name"]: c for c in doc["caps"]}

    dots = caps("dots-900000")["symbol_run"]
    assert (dots["stage"], dots["limit"], dots["found"]) == ("normalise", bounds.MAX_SYMBOL_RUN, 900_000)
    assert "cut to 32" in dots["effect"]
    marks = caps("harakat-200000")["marks_per_letter"]
    assert (marks["limit"], marks["found"]) == (bounds.MAX_MARKS, 200_000)
    ranked = caps("sentence-x20000")["ranked_sentences"]
    assert (ranked["stage"], ranked["limit"], ranked["found"]) == ("summarise", bounds.MAX_RANKED, 20_000)
    assert ranked["effect"] == "only the first 1000 of 20000 candidate sentences were ranked for the summary"


def test_a_real_article_is_changed_by_no_bound(example_page: str) -> None:
    for payload in [{"text": example_page}, *corpus.payloads(8)]:
        doc = _process(payload)
        assert doc["caps"] == [], doc["caps"]


def test_the_run_of_harakat_that_made_nfc_quadratic_now_normalises_at_once() -> None:
    base = "\u0628" + "".join(hostile.HARAKAT[i % 8] for i in range(200_000))  # BEH, alternating marks
    started = time.perf_counter()
    out, anchors, caps = clean_bounded(base)
    assert time.perf_counter() - started < 2.0  # unbounded: minutes, in C
    assert out == unicodedata.normalize("NFC", base[: 1 + bounds.MAX_MARKS])
    assert caps[0].name == "marks_per_letter" and caps[0].found == 200_000
    assert clean(out) == (out, ((0, 0),))  # idempotent: nothing more to cut


def test_cut_runs_keep_their_offsets_into_the_raw_text() -> None:
    raw = "\u0628\u0627\u0628 " + "!" * 100 + " \u0628\u064e" + "\u064f" * 20 + " \u062a\u0645."
    article = Article(id="a", content=raw, kind="text")
    norm = normalise(article)
    # Every character kept maps to the same character of the raw text.
    for i, ch in enumerate(norm.text):
        assert raw[map_offset(norm.to_raw, i)] == ch or unicodedata.combining(ch), (i, ch)
    assert "!" * 33 not in norm.text and "!" * 32 in norm.text
    assert {c.name for c in norm.caps} == {"symbol_run", "marks_per_letter"}


def test_markup_keeps_its_tags_when_a_run_is_cut() -> None:
    page = "<p>" + "." * 50 + "</p><!--" + "-" * 100 + "-->"
    out, _, caps = clean_bounded(page, markup=True)
    # "!--...-->" is one run of 105: the comment keeps its "!" and still closes with "-->".
    assert out == "<p>" + "." * 32 + "</p><!" + "-" * 31 + ">"
    assert [c.name for c in caps] == ["symbol_run"]


def test_nesting_depth_counts_what_the_parser_keeps_open() -> None:
    assert nesting_depth("<div>" * 600 + "</div>" * 600) == 600
    assert nesting_depth("<div><span>x</span></div>" * 5000) == 2  # wide, not deep
    assert nesting_depth("<p>line" * 5000 + "<li>item" * 5000 + "<br><img src=x>" * 5000) == 0
    assert nesting_depth("</div>" * 1000 + "<div>" * 700) == 700  # stray end tags close nothing
    assert nesting_depth("<div></x>" * 700) == 700
    assert nesting_depth("<b>" * 800) == 800  # unclosed formatting elements do nest
    check_depth("<div>" * bounds.MAX_DEPTH + "</div>" * bounds.MAX_DEPTH)
    with pytest.raises(InvalidArticle) as caught:
        check_depth("<div>" * (bounds.MAX_DEPTH + 1))
    assert caught.value.reason == Reason.TOO_DEEP


def test_a_page_deeper_than_the_estimate_is_still_too_deep_not_a_bug() -> None:
    # Cells are not counted (an end tag may be left out), so 480 nested tables pass the estimate and
    # nest three times deeper: reading them may exhaust the stack, which is the page's fault.
    page = "<html><body>" + "<table><tr><td>" * 480 + "<p>" + hostile.SENTENCE + "</p></body></html>"
    try:
        section(normalise(Article(id="t", content=page, kind="html")))
    except InvalidArticle as exc:
        assert exc.reason == Reason.TOO_DEEP


def test_nothing_left_after_normalising_is_an_input_reason() -> None:
    for content in ("\u0640" * 50, "\u0640" * 12 + " 123 \u0661\u0662\u0663 ... !!"):
        with pytest.raises(InvalidArticle) as caught:
            require_letters(normalise(Article(id="t", content=content, kind="text")))
        assert caught.value.reason == Reason.EMPTY_AFTER_NORMALISE
    kept = normalise(Article(id="t", content=corpus.article(2), kind="text"))
    assert require_letters(kept) is kept


def test_only_overlong_words_is_word_too_long_and_one_among_real_text_is_kept() -> None:
    word = "\u0628\u062a" * 60  # 120 letters: longer than any real word
    with pytest.raises(InvalidArticle) as caught:
        require_text(section(normalise(Article(id="t", content=word, kind="text"))))
    assert caught.value.reason == Reason.WORD_TOO_LONG
    doc = _process({"text": corpus.article(3) + "\n\n" + word})
    assert doc["status"] == "done" and doc["summary"]["text"]


def test_tag_all_calls_the_recogniser_on_bounded_pieces_and_puts_the_labels_back() -> None:
    calls: list[list[list[str]]] = []

    class Recorder:
        name = "recorder"

        def tag(self, sentences: list[list[str]]) -> list[list[str]]:
            calls.append(sentences)
            return [["B-PERS" if t.startswith("w") else "O" for t in s] for s in sentences]

    long_sentence = [f"w{i}" if i % 3 else "." for i in range(5_000)]
    punctuation = ["!"] * 3_000
    sequences = [long_sentence, [], punctuation, ["w", "x"]] * 5
    labels = tag_all(Recorder(), sequences)
    assert [len(x) for x in labels] == [len(s) for s in sequences]
    assert all(lab == ("B-PERS" if t.startswith("w") else "O") for s, ls in zip(sequences, labels, strict=True)
               for t, lab in zip(s, ls, strict=True))
    assert max(len(s) for call in calls for s in call) <= bounds.MAX_SEQUENCE
    assert max(sum(map(len, call)) for call in calls) <= bounds.MAX_TAG_TOKENS
    assert all(any(t != "!" for t in s) for call in calls for s in call)  # punctuation alone is not tagged


def test_summarise_ranks_the_first_sentences_and_budgets_on_all_of_them() -> None:
    text = hostile.HEADLINE + "\n\n" + " ".join([hostile.SENTENCE] * (bounds.MAX_RANKED + 500))
    sec = section(normalise(Article(id="t", content=text, kind="text")))
    analysis = analyse(sec, Entities("none", ()))
    assert len(analysis.candidates) == bounds.MAX_RANKED and analysis.unranked == 500
    words = len(hostile.SENTENCE.split())
    assert analysis.article_words == words * (bounds.MAX_RANKED + 500)
    doc = _process({"text": text, "summary": {"ratio": 0.001}})
    assert len(doc["summary"]["text"].split()) <= round(0.001 * analysis.article_words)


def test_every_reason_is_in_the_schema_and_the_reliability_table() -> None:
    schema = json.loads((ROOT / "schemas" / "document.schema.json").read_text())
    assert set(schema["properties"]["error"]["properties"]["reason"]["enum"]) == {r.value for r in Reason}
    caps = schema["properties"]["caps"]["items"]["properties"]["name"]["enum"]
    assert set(caps) == set(bounds.EFFECTS)
    table = (ROOT / "docs" / "RELIABILITY.md").read_text()
    missing = [r.value for r in Reason if f"`{r.value}`" not in table]
    assert missing == []
