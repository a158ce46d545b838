"""Exact-span scoring and the NER file reader, on small hand-made cases."""

from __future__ import annotations

import pytest

from khabar.tasks.entities.crf.corpus import (
    fix_label,
    from_bioes,
    parse_line,
    read_sentences,
    repair_iob,
    split_dev,
    to_bioes,
)
from khabar.tasks.entities.crf.metrics import evaluate, spans


def test_spans_follow_conlleval():
    labels = ["B-PERS", "I-PERS", "O", "I-LOC", "I-LOC", "B-LOC", "I-ORG"]
    # A stray I- opens a span; a type change closes one.
    assert spans(labels) == {("PERS", 0, 2), ("LOC", 3, 5), ("LOC", 5, 6), ("ORG", 6, 7)}


def test_exact_boundaries_and_types_count():
    gold = [["B-PERS", "I-PERS", "O", "B-LOC"], ["B-ORG", "I-ORG", "O"]]
    pred = [["B-PERS", "O", "O", "B-LOC"], ["B-ORG", "I-ORG", "B-MISC"]]
    scores = evaluate(gold, pred)
    # Gold: PERS 0-2, LOC 3, ORG 0-2; predicted: PERS 0-1 (wrong end), LOC 3, ORG 0-2, MISC 2.
    assert (scores.micro.tp, scores.micro.n_pred, scores.micro.n_gold) == (2, 4, 3)
    assert scores.micro.precision == pytest.approx(0.5)
    assert scores.micro.recall == pytest.approx(2 / 3)
    assert scores.micro.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert scores.per_type["PERS"].f1 == 0.0
    assert scores.per_type["LOC"].f1 == 1.0
    assert scores.per_type["MISC"].precision == 0.0 and scores.per_type["MISC"].n_gold == 0


def test_perfect_and_empty():
    gold = [["O", "B-LOC"]]
    assert evaluate(gold, gold).micro.f1 == 1.0
    assert evaluate([["O", "O"]], [["O", "O"]]).micro.f1 == 0.0
    with pytest.raises(ValueError):
        evaluate(gold, [["O"]])


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [("B-ERS", "B-PERS"), ("B-PERs", "B-PERS"), ("B-ORF", "B-ORG"), ("B-LOCI-PERS", "B-PERS"),
     ("IPERS", "I-PERS"), ("o", "O"), ("B-PER", "B-PERS"), ("I-MIS2", "I-MISC"), ("B-MIS-1", "B-MISC"),
     ("B-MISS1", "B-MISC"), ("B-ENGLISH", "B-MISC"), ("B-MIS1`", "B-MISC"), ("I--ORG", "I-ORG"),
     ("IO", "O"), ("word", None)],
)
def test_label_fixes(raw, fixed):
    assert fix_label(raw) == fixed


def test_malformed_lines():
    assert parse_line("B-PERS name \n") == [("name", "B-PERS")]  # swapped
    assert parse_line(".O\n") == [(".", "O")]  # lost space
    assert parse_line("\u200f O\n") == []  # token was only a bidi mark
    word = "\u0643\u0644\u0645\u0629"  # an Arabic word glued to the previous line's label
    assert parse_line(f". O{word} O\n") == [(".", "O"), (word, "O")]
    assert parse_line("a b B-LOC\n") == [("a", "B-LOC")]  # extra CoNLL columns


def test_sentences_split_at_period_or_blank_line():
    lines = ["x B-LOC\n", "y I-LOC\n", ". O\n", "z I-PERS\n", "\n", "w O\n"]
    sents = list(read_sentences(lines))
    assert sents == [[("x", "B-LOC"), ("y", "I-LOC"), (".", "O")], [("z", "B-PERS")], [("w", "O")]]


def test_repair_iob():
    assert repair_iob(["O", "I-LOC", "I-LOC", "I-ORG"]) == ["O", "B-LOC", "I-LOC", "B-ORG"]


def test_dev_split_is_final_block_of_whole_sentences():
    sents = [[("a", "O")] * 10 for _ in range(10)]
    train, dev = split_dev(sents, 0.15)
    assert train == sents[:8] and dev == sents[8:]


def test_bioes_round_trip():
    iob = ["B-PERS", "I-PERS", "O", "B-LOC", "B-LOC", "I-LOC", "I-LOC", "O", "B-ORG"]
    bioes = to_bioes(iob)
    assert bioes == ["B-PERS", "E-PERS", "O", "S-LOC", "B-LOC", "I-LOC", "E-LOC", "O", "S-ORG"]
    assert from_bioes(bioes) == iob
    assert from_bioes(["E-LOC", "I-ORG"]) == ["B-LOC", "B-ORG"]  # a CRF's stray labels still give IOB2


def test_nisba_adjectives_from_language_and_country_names():
    from khabar.tasks.entities.crf.gazetteer_build import _nisba

    al_faransiyya = "\u0627\u0644\u0641\u0631\u0646\u0633\u064a\u0629"  # "French" (the language)
    misr, rusiya = "\u0645\u0635\u0631", "\u0631\u0648\u0633\u064a\u0627"  # Egypt, Russia
    out = _nisba({al_faransiyya}, {misr, rusiya})
    assert out == {"\u0641\u0631\u0646\u0633\u064a", misr + "\u064a", "\u0631\u0648\u0633\u064a"}
