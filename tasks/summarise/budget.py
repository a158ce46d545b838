"""How much of an article fits in a summary, and which sentences fill it.

A ``Budget`` may set words, sentences and a ratio of the article's words; every
limit that is set applies, so the tightest binds.  With none set the summary gets
``DEFAULT_BUDGET``: three sentences and at most 120 words, a news brief that
fits a card or a notification.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from khabar.tasks.records import Budget

DEFAULT_BUDGET = Budget(words=120, sentences=3)


@dataclass(frozen=True)
class Limits:
    """The budget resolved for one article; None means unlimited."""

    words: int | None
    sentences: int | None


@dataclass(frozen=True)
class Choice:
    """Sentences chosen (candidate positions, article order) and where the text is cut."""

    chosen: tuple[int, ...]
    cut_words: int | None = None  # the one chosen sentence keeps only this many words
    order: tuple[int, ...] = ()  # the chosen sentences in the order they were taken, best first


def resolve(budget: Budget, article_words: int) -> Limits:
    """Return the word and sentence limits that ``budget`` sets for an article of that length.

    Negative or NaN limits count as zero; a ratio of the article's words rounds to
    the nearest word.
    """
    if budget.words is None and budget.sentences is None and budget.ratio is None:
        budget = DEFAULT_BUDGET
    words: int | None = None
    if budget.words is not None:
        words = max(0, int(budget.words))
    if budget.ratio is not None:
        ratio = budget.ratio if math.isfinite(budget.ratio) else (1.0 if budget.ratio > 0 else 0.0)
        by_ratio = max(0, round(min(ratio, 1.0) * article_words)) if ratio > 0 else 0
        words = by_ratio if words is None else min(words, by_ratio)
    sentences = None if budget.sentences is None else max(0, int(budget.sentences))
    return Limits(words=words, sentences=sentences)


def choose(
    scores: Sequence[float],
    lengths: Sequence[int],
    limits: Limits,
    similarity: Sequence[Sequence[float]] | None = None,
    redundancy: float = 0.0,
    cohesion: float = 0.0,
) -> Choice:
    """Pick sentences greedily by score, within the limits, and return them in article order.

    Each step takes the best sentence that still fits, its score lowered by
    ``redundancy`` times its highest similarity to a sentence already taken
    (maximal marginal relevance) and raised by ``cohesion`` if it stands next to
    one (sentences are given in article order): a summary of neighbouring
    sentences reads as connected text.  A sentence that would overflow the word limit
    is passed over, never cut, unless no sentence fits at all: then the best one
    is cut at the word limit.  Ties go to the earlier sentence, so the result is
    deterministic.
    """
    n = len(scores)
    max_sentences = n if limits.sentences is None else min(n, limits.sentences)
    room = limits.words
    if max_sentences == 0 or room == 0 or n == 0:
        return Choice(())
    taken: list[int] = []
    taken_set: set[int] = set()
    closeness = [0.0] * n  # highest similarity to a taken sentence
    left = list(range(n))  # in article order, so that ties go to the earlier sentence
    while left and len(taken) < max_sentences:
        best, best_value = -1, -math.inf
        for i in left:
            if room is not None and lengths[i] > room:
                continue
            value = scores[i] - redundancy * closeness[i]
            if cohesion and ((i - 1) in taken_set or (i + 1) in taken_set):
                value += cohesion
            if value > best_value:
                best, best_value = i, value
        if best < 0:
            break
        taken.append(best)
        taken_set.add(best)
        left.remove(best)
        if room is not None:
            room -= lengths[best]
        if similarity is not None and redundancy:
            row = similarity[best]
            for i in left:
                closeness[i] = max(closeness[i], row[i])
    if not taken:
        # Nothing fits whole: cut the best sentence at the word limit.
        first = max(range(n), key=lambda i: (scores[i], -i))
        return Choice((first,), cut_words=limits.words, order=(first,))
    return Choice(tuple(sorted(taken)), order=tuple(taken))
