"""ROUGE-N (Lin 2004) for Arabic summaries, to score the summariser.

Texts are compared in a normal form that forgives what human summaries change
and ROUGE should not count: diacritics and tatweel are dropped, every alef and
hamza seat is unified (EASC references drop hamza), alef maksura becomes yeh,
teh marbuta becomes heh, Latin letters are lower-cased and punctuation goes.
Tokens are then runs of word characters, as in ``Sectioned.tokens``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # marks and tatweel
_FOLD = str.maketrans(
    {
        "\u0622": "\u0627",  # alef madda -> alef
        "\u0623": "\u0627",  # hamza above -> alef
        "\u0625": "\u0627",  # hamza below -> alef
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u0624": "\u0648",  # waw hamza -> waw
        "\u0626": "\u064a",  # yeh hamza -> yeh
        "\u0649": "\u064a",  # alef maksura -> yeh
        "\u0629": "\u0647",  # teh marbuta -> heh
    }
)
_WORD = re.compile(r"\w+")


def rouge_tokens(text: str) -> list[str]:
    """Return the tokens of ``text`` in the normal form ROUGE compares."""
    return _WORD.findall(_DIACRITICS.sub("", text).translate(_FOLD).lower())


def ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    """Return the multiset of ``n``-grams of ``tokens``."""
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float


def rouge_n(candidate: Sequence[str], reference: Sequence[str], n: int) -> Score:
    """Return ROUGE-N of a candidate against one reference (n-gram counts clipped)."""
    cand, ref = ngrams(candidate, n), ngrams(reference, n)
    overlap = sum((cand & ref).values())
    c_total, r_total = sum(cand.values()), sum(ref.values())
    p = overlap / c_total if c_total else 0.0
    r = overlap / r_total if r_total else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return Score(p, r, f)


def rouge_multi(candidate: Sequence[str], references: Sequence[Sequence[str]], n: int) -> Score:
    """Return ROUGE-N averaged over references (precision, recall and F1 each averaged)."""
    if not references:
        raise ValueError("no reference to score against")
    scores = [rouge_n(candidate, ref, n) for ref in references]
    k = len(scores)
    return Score(
        sum(s.precision for s in scores) / k,
        sum(s.recall for s in scores) / k,
        sum(s.f1 for s in scores) / k,
    )
