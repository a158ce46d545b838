"""Labels -> spans -> mentions: IOB decoding, clitic stripping and offsets."""

from __future__ import annotations

import pytest

from khabar.tasks.entities.mentions import (
    TokenSpan,
    decode_iob,
    make_mentions,
    strip_article,
    strip_proclitics,
    to_iob2,
)
from khabar.tasks.normalise import match_form
from tests.stages.entities_support import TOKEN


def test_decode_iob_reads_b_and_i_and_tolerates_i_without_b() -> None:
    labels = ["B-PERS", "I-PERS", "O", "I-LOC", "I-LOC", "B-LOC", "I-ORG", "B-FOO", "I-PERS"]
    assert decode_iob(labels) == [
        TokenSpan(0, 2, "PERS"),
        TokenSpan(3, 5, "LOC"),  # I- after O starts an entity, as in CoNLL
        TokenSpan(5, 6, "LOC"),  # B- after an entity of the same type starts another
        TokenSpan(6, 7, "ORG"),  # I- of another type starts another
        TokenSpan(8, 9, "PERS"),  # an unknown label counts as O
    ]


def test_decode_iob_closes_an_entity_at_the_end_and_handles_empty() -> None:
    assert decode_iob(["O", "B-MISC", "I-MISC"]) == [TokenSpan(1, 3, "MISC")]
    assert decode_iob([]) == []


def test_to_iob2_makes_every_entity_start_with_b() -> None:
    assert to_iob2(["I-LOC", "I-LOC", "O", "I-PERS", "B-PERS", "bogus"]) == [
        "B-LOC",
        "I-LOC",
        "O",
        "B-PERS",
        "B-PERS",
        "O",
    ]


def names(*words: str) -> set[str]:
    return {match_form(w) for w in words}


@pytest.mark.parametrize(
    ("word", "known", "expected"),
    [
        ("وترامب", ("ترامب",), (1, False)),  # and-Trump, Trump named elsewhere
        ("بواشنطن", ("واشنطن",), (1, False)),  # in-Washington: the name's own waw stays
        ("وبواشنطن", ("واشنطن",), (2, False)),
        ("وبوتين", ("بوتين",), (1, False)),
        ("بوتين", ("بوتين",), (0, False)),  # "utin" is no name: Putin stays whole
        ("واشنطن", (), (0, False)),
        ("لندن", (), (0, False)),
        ("فلسطين", (), (0, False)),
        ("بالرياض", (), (1, False)),  # in-the-Riyadh: al- is part of the name
        ("وبالرياض", (), (2, False)),
        ("والشيباني", (), (1, False)),
        ("الرياض", (), (0, False)),
        ("وللأمم", (), (2, True)),  # and-to-the-nations: the article's lam stays, its alef elided
        ("للأمم", (), (1, True)),
        ("كاليفورنيا", (), (0, False)),  # ka- before al- is not cut without evidence
        ("وكالة", (), (0, False)),  # "agency"
        ("والتر", (), (0, False)),  # Walter: too little after "al"
        ("كمال", ("كمال",), (0, False)),  # "mal" (money) is not a name in this article
        ("وأوكرانيا", ("اوكرانيا",), (1, False)),  # evidence compares match forms
        ("وَترامب", ("ترامب",), (2, False)),  # the clitic's vowel mark goes with it
    ],
)
def test_strip_proclitics(word: str, known: tuple[str, ...], expected: tuple[int, bool]) -> None:
    assert strip_proclitics(word, names(word, *known)) == expected


def test_strip_article_only_when_the_bare_name_is_used() -> None:
    assert strip_article("الناتو", names("ناتو")) == 2
    assert strip_article("الرياض", names("الرياض")) == 0


def spans_of(text: str, *groups: tuple[tuple[str, ...], str]) -> list[tuple[list[tuple[int, int]], str]]:
    """Spans given as (consecutive tokens, type), found left to right in ``text``."""
    tokens = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
    out, pos = [], 0
    for words, kind in groups:
        for i in range(pos, len(tokens)):
            if [text[s:e] for s, e in tokens[i : i + len(words)]] == list(words):
                out.append((tokens[i : i + len(words)], kind))
                pos = i + len(words)
                break
        else:
            raise AssertionError(f"{words} not in text")
    return out


def test_make_mentions_keeps_clitics_out_of_text_and_offsets() -> None:
    text = "زار ترامب «وواشنطن» وقال وللأمم المتحدة إن بواشنطن رأيا بالرياض."
    spans = spans_of(
        text,
        (("ترامب",), "PERS"),
        (("«", "وواشنطن", "»"), "LOC"),  # quotes at the edge of a span are not part of the name
        (("وللأمم", "المتحدة"), "ORG"),
        (("بواشنطن",), "LOC"),
        (("بالرياض",), "LOC"),
    )
    found = make_mentions(text, spans)
    for f in found:
        assert f.mention.text == text[f.mention.start : f.mention.end]
    assert [(f.mention.text, f.form, f.mention.type) for f in found] == [
        ("ترامب", "ترامب", "PERS"),
        ("واشنطن", "واشنطن", "LOC"),
        ("لأمم المتحدة", "الأمم المتحدة", "ORG"),
        ("واشنطن", "واشنطن", "LOC"),
        ("الرياض", "الرياض", "LOC"),
    ]
    assert found[2].words == ("الأمم", "المتحدة")


def test_make_mentions_drops_spans_of_punctuation_only() -> None:
    text = "قال « ترامب"
    assert make_mentions(text, spans_of(text, (("«",), "ORG"))) == []


def test_two_different_clitics_before_one_stem_show_it_is_a_name() -> None:
    text = "وصل بوتين ثم وبوتين وبواشنطن ولواشنطن"
    spans = spans_of(
        text, *(((w,), "PERS") for w in ("بوتين", "وبوتين")), (("وبواشنطن",), "LOC"), (("ولواشنطن",), "LOC")
    )
    assert [f.mention.text for f in make_mentions(text, spans)] == ["بوتين", "بوتين", "واشنطن", "واشنطن"]


def test_clitic_before_hamza_alef_is_cut_without_other_evidence() -> None:
    from khabar.tasks.entities.mentions import bare

    # wa- + Amerika, bi- + Ankara: cut; ka's (cup) keeps its kaf.
    assert bare("\u0648\u0623\u0645\u064a\u0631\u0643\u0627", set()) == "\u0623\u0645\u064a\u0631\u0643\u0627"
    assert bare("\u0628\u0623\u0646\u0642\u0631\u0629", set()) == "\u0623\u0646\u0642\u0631\u0629"
    assert bare("\u0643\u0623\u0633", set()) == "\u0643\u0623\u0633"
