"""How much of an article fits in a summary, and which sentences or clauses fill it.

A ``Budget`` may set words, sentences and a ratio of the article's words; every
limit that is set applies, so the tightest binds.  ``headline`` asks for one
sentence of at most ``HEADLINE_WORDS`` words (fewer if the budget's words say so).
With none set the summary gets ``DEFAULT_BUDGET``: three sentences and at most 120
words, a news brief that fits a card or a notification.

Two ways to spend a budget (``choose`` and ``fill``): by sentences alone, the best
sentences whole; by words, the units (whole sentences, or clauses of a sentence that
does not fit, see ``clauses``) that carry the most relevance in the words there are,
a knapsack.  Either way the best sentence is in the summary, whole, by a clause or,
as a last resort, cut: a lesser sentence never takes its place because it is long.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from khabar.tasks.records import Budget

DEFAULT_BUDGET = Budget(words=120, sentences=3)
HEADLINE_WORDS = 15  # a long headline; the median title of the ANT news corpus has 8 words
# Knapsack: the relevance of a part of a sentence, per word, against the whole sentence's.
# A clause stands alone but says less than its sentence, a later clause less than the
# first (which holds the subject and the verb of news prose).
FIRST_CLAUSES = 0.9
LATER_CLAUSE = 0.7
# The knapsack weighs at most this many sentences, the best-ranked not taken yet, and
# this much room: before it, a larger budget is spent on the best sentences whole, as
# ``choose`` does.  So the work stays linear in the article whatever the budget.
FILL_SENTENCES = 20
FILL_WORDS = 400
_FLOOR = 1e-6
# The summary that keeps a clause of the best sentence must fill this share of the word
# budget, else the best sentence is cut at the budget instead (it is longer than the budget).
MIN_FILL = 0.8  # chosen on the tune half of the ANT title set (scripts/eval_summaries.py)


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
    # Per chosen sentence: None for the whole of it, else the range [a, b) of its clauses kept.
    parts: tuple[tuple[int, int] | None, ...] = ()

    def part(self, k: int) -> tuple[int, int] | None:
        """Return the clauses kept of the ``k``-th chosen sentence (None: all of it)."""
        return self.parts[k] if self.parts else None


def resolve(budget: Budget, article_words: int) -> Limits:
    """Return the word and sentence limits that ``budget`` sets for an article of that length.

    Negative or NaN limits count as zero; a ratio of the article's words rounds to
    the nearest word.
    """
    if budget.words is None and budget.sentences is None and budget.ratio is None and not budget.headline:
        budget = DEFAULT_BUDGET
    words: int | None = None
    if budget.words is not None:
        words = max(0, int(budget.words))
    if budget.ratio is not None:
        ratio = budget.ratio if math.isfinite(budget.ratio) else (1.0 if budget.ratio > 0 else 0.0)
        by_ratio = max(0, round(min(ratio, 1.0) * article_words)) if ratio > 0 else 0
        words = by_ratio if words is None else min(words, by_ratio)
    sentences = None if budget.sentences is None else max(0, int(budget.sentences))
    if budget.headline:
        words = HEADLINE_WORDS if words is None else min(words, HEADLINE_WORDS)
        sentences = 1 if sentences is None else min(sentences, 1)
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


Clause = tuple[int, bool]  # its words; whether it reads alone (a first clause always does)


def _options(words: int, clauses: Sequence[Clause]) -> list[tuple[tuple[int, int] | None, int, float]]:
    """Return the ways to take one sentence: (clauses kept or None for all, words, share of its relevance).

    ``clauses`` are its clauses (none or one: it does not split).  The whole sentence;
    its first clauses (each run from the first); each later clause that reads alone.
    """
    out: list[tuple[tuple[int, int] | None, int, float]] = [(None, words, float(words))]
    if len(clauses) > 1:
        prefix = 0
        for j in range(1, len(clauses)):
            prefix += clauses[j - 1][0]
            out.append(((0, j), prefix, FIRST_CLAUSES * prefix))
        for j in range(1, len(clauses)):
            if clauses[j][1]:
                out.append(((j, j + 1), clauses[j][0], LATER_CLAUSE * clauses[j][0]))
    return out


def fill(
    scores: Sequence[float],
    lengths: Sequence[int],
    clauses: Callable[[int], Sequence[Clause]],
    limits: Limits,
) -> Choice:
    """Return the units that carry the most relevance within the word (and sentence) limits.

    A unit is a sentence whole, its first clauses or one later clause that reads alone; at
    most one unit a sentence (``clauses(i)`` gives sentence i's, see ``Clause``, and is
    asked only of the sentences weighed).  A unit's value is its sentence's score (below
    zero counts as next to nothing) times its words, less for a part (``FIRST_CLAUSES``,
    ``LATER_CLAUSE``): so the budget
    fills with the most relevant words there are, in units that read alone.  The best
    sentence (ties to the earlier) is always in the summary; where not even its first
    clause fits it is cut at the word limit, the only cut.  Needs ``limits.words``.
    """
    n = len(scores)
    assert limits.words is not None
    room = limits.words
    max_units = n if limits.sentences is None else min(n, limits.sentences)
    if n == 0 or room <= 0 or max_units <= 0:
        return Choice(())
    ranked = sorted(range(n), key=lambda i: (-scores[i], i))
    best = ranked[0]
    options = {best: _options(lengths[best], clauses(best))}
    if min(w for _, w, _ in options[best]) > room:
        return Choice((best,), cut_words=room, order=(best,))
    # A large budget: the best sentences whole until the room left is the knapsack's,
    # keeping room for a clause of the best sentence if it does not fit whole.
    reserve = 0 if lengths[best] <= room else min(w for _, w, _ in options[best])
    taken: list[int] = []
    k = 0
    while k < n and room - reserve > FILL_WORDS and len(taken) < max_units - 1:
        i = ranked[k]
        k += 1
        if lengths[i] <= room - reserve and not (i == best and reserve):
            taken.append(i)
            room -= lengths[i]
    group = [i for i in ranked[k : k + FILL_SENTENCES] if i not in taken]
    if best not in taken and best not in group:
        group.insert(0, best)
    units = max_units - len(taken)
    rows = 1 if limits.sentences is None else units + 1
    width = min(room, sum(lengths[i] for i in group)) + 1
    # dp[c, w]: the most value in at most w words with c units (one row when units are unlimited).
    dp = np.zeros((rows, width))
    if rows > 1:
        dp[1:, :] = -np.inf
    picks: list[tuple[int, list[tuple[tuple[int, int] | None, int, float]], np.ndarray]] = []
    for i in group:
        opts = options.get(i) or _options(lengths[i], clauses(i))
        # Below zero counts as next to nothing, not nothing: a budget with room to spare still fills.
        relevance = max(scores[i], 0.0) + _FLOOR
        required = i == best and best not in taken
        new = np.full_like(dp, -np.inf) if required else dp.copy()
        pick = np.full(dp.shape, -1, dtype=np.int16)
        for o, (_, words, share) in enumerate(opts):
            if words >= width:
                continue
            # Taking this option: one unit more (a row down, where units count) and ``words`` more.
            before = dp[:-1, : width - words] if rows > 1 else dp[:, : width - words]
            lo = 1 if rows > 1 else 0
            target = new[lo:, words:]
            trial = before + relevance * share
            better = trial > target + 1e-12
            target[better] = trial[better]
            pick[lo:, words:][better] = o
        dp = new
        picks.append((i, opts, pick))
    row = int(np.argmax(dp[:, width - 1])) if rows > 1 else 0
    col = width - 1
    parts: dict[int, tuple[int, int] | None] = {i: None for i in taken}
    for i, opts, pick in reversed(picks):
        o = int(pick[row, col])
        if o < 0:
            continue
        part, words, _ = opts[o]
        parts[i] = part
        col -= words
        if rows > 1:
            row -= 1
    used = limits.words - room + width - 1 - col
    if parts.get(best) is not None and lengths[best] > limits.words and used < MIN_FILL * limits.words:
        # A clause of the best sentence leaves much of the budget empty and nothing fills it:
        # the best sentence cut at the budget says more.
        return Choice((best,), cut_words=limits.words, order=(best,))
    order = tuple(i for i in ranked if i in parts)
    chosen = tuple(sorted(parts))
    return Choice(chosen, order=order, parts=tuple(parts[i] for i in chosen))
