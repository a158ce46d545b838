"""ROUGE-N on hand-made cases, and the Arabic normal form it compares in."""

from __future__ import annotations

import pytest

from khabar.tasks.summarise.rouge import Score, rouge_multi, rouge_n, rouge_tokens


def test_identical_and_disjoint() -> None:
    a = "a b c d".split()
    assert rouge_n(a, a, 1) == Score(1.0, 1.0, 1.0)
    assert rouge_n(a, a, 2) == Score(1.0, 1.0, 1.0)
    assert rouge_n(a, "e f g".split(), 1) == Score(0.0, 0.0, 0.0)


def test_worked_example() -> None:
    cand = "the cat sat on the mat".split()
    ref = "the cat was on the mat".split()
    # Unigrams: the x2, cat, on, mat shared -> 5 of 6 each way.
    assert rouge_n(cand, ref, 1) == pytest.approx(Score(5 / 6, 5 / 6, 5 / 6))
    # Bigrams: "the cat", "on the", "the mat" -> 3 of 5 each way.
    assert rouge_n(cand, ref, 2) == pytest.approx(Score(0.6, 0.6, 0.6))


def test_counts_are_clipped_and_precision_differs_from_recall() -> None:
    s = rouge_n("the the the".split(), "the cat".split(), 1)
    assert s.precision == pytest.approx(1 / 3) and s.recall == pytest.approx(1 / 2)
    assert s.f1 == pytest.approx(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))


def test_empty_sides_score_zero() -> None:
    assert rouge_n([], "a b".split(), 1) == Score(0.0, 0.0, 0.0)
    assert rouge_n("a".split(), "a".split(), 2) == Score(0.0, 0.0, 0.0)  # no bigram on either side


def test_mean_over_references() -> None:
    s = rouge_multi("a b".split(), ["a b".split(), "c d".split()], 1)
    assert s == pytest.approx(Score(0.5, 0.5, 0.5))
    with pytest.raises(ValueError):
        rouge_multi("a".split(), [], 1)


def test_arabic_normal_form() -> None:
    # "al-amrikiyya" with hamza, shadda and teh marbuta, then as EASC references spell it.
    article = "\u0627\u0644\u0623\u0645\u0631\u064a\u0643\u064a\u0651\u0629\u060c"
    reference = "\u0627\u0644\u0627\u0645\u0631\u064a\u0643\u064a\u0647"
    assert rouge_tokens(article) == rouge_tokens(reference) == [reference]
    # alef maksura and yeh, tatweel, hamza on waw and yeh, madda.
    assert rouge_tokens("\u0625\u0644\u0649 \u0645\u0640\u0624\u062a\u0645\u0631 \u0622\u062e\u0631") == [
        "\u0627\u0644\u064a",
        "\u0645\u0648\u062a\u0645\u0631",
        "\u0627\u062e\u0631",
    ]


def test_punctuation_is_dropped_and_latin_lower_cased() -> None:
    assert rouge_tokens("Finance (2020): \u061f done.") == ["finance", "2020", "done"]
