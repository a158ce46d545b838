"""Extractive summary of a news article within a budget.

Each candidate sentence (see ``khabar.tasks.summarise.analysis``) gets a score, a
weighted sum of signals known to pick news sentences: its position (news puts
the gist first), its centrality among the article's sentences, its similarity
to the title and headings, and the entities it mentions.  Sentences are then
taken greedily by score (a neighbour of a sentence already taken gains a little;
maximal marginal relevance can make a repeat lose, see ``REDUNDANCY``), each that
still fits whole, until the budget is spent or nothing more fits; the summary
keeps them in article order.

Filling the budget by another rule was measured and not kept: the subset that fills
the word budget best, or the one with the best sum of score times length (a knapsack),
both score below taking the best-ranked sentences that fit (``scripts/eval_summaries.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from khabar.tasks.bounds import MAX_RANKED
from khabar.tasks.records import Budget, Cap, Entities, Sectioned, Summary
from khabar.tasks.summarise.analysis import Analysis, analyse
from khabar.tasks.summarise.budget import Choice, choose, resolve
from khabar.tasks.summarise.keywords import keywords
from khabar.tasks.summarise.terms import word_form

# "2": an article the page holds twice is summarised from its first copy (its sentences
# are no longer dropped as boilerplate because the section stage removed the second).
# "3": weights learnt again once hard-wrapped articles were sectioned whole (section 3).
# "4": keywords shown as the article writes them (hamza, teh marbuta), not in matching form.
VERSION = "4"

ELLIPSIS = "\u2026"  # ends a summary whose only sentence had to be cut
_WORD_RUN = re.compile(r"\S+")

FEATURES = ("lead", "position", "centrality", "title", "entity", "short")
# A linear scorer.  Position carries most of the weight: news puts the gist first,
# and on EASC nothing else predicts the human summaries half as well.  The other
# weights are learnt on the 51 EASC dev articles by ``scripts/eval_summaries.py --fit``
# (coordinate ascent from the lead), and are what it prints; ``--cv`` learns them on
# four fifths of the articles and scores the rest, which is the figure to trust.
# EASC has almost no titles or headings, so the title's weight rests on one article.
WEIGHTS: Mapping[str, float] = {
    "lead": 0.0,  # the first sentence, whatever else the others have (position already says it)
    "position": 1.0,  # 1 for the first sentence, falling linearly to 0 after the last
    "centrality": 0.4,  # LexRank: shares the most with the rest of the article
    "title": 0.2,  # cosine with the title and headings
    "entity": 0.0,  # mentions of the article's recurring entities, per word (no help on EASC)
    "short": -0.2,  # under SHORT_WORDS words: a fragment, a caption, a question of an interview
}
REDUNDANCY = 0.0  # MMR: how much a sentence loses per unit of similarity to one already taken
COHESION = 0.05  # how much a sentence gains for standing next to one already taken
SHORT_WORDS = 5  # a sentence under this many words is usually a fragment or a caption


def _scaled(values: Sequence[float]) -> list[float]:
    top = max(values, default=0.0)
    return [v / top for v in values] if top > 0 else [0.0] * len(values)


def features(analysis: Analysis) -> list[dict[str, float]]:
    """Return each candidate's features, each in [0, 1] (signals scaled by their article maximum)."""
    centrality = _scaled(analysis.centrality)
    title = _scaled(analysis.title)
    entity = _scaled(analysis.entity)
    n = len(analysis.candidates)
    return [
        {
            "lead": 1.0 if c.rank == 0 else 0.0,
            "position": 1.0 - c.rank / n,
            "centrality": centrality[k],
            "title": title[k],
            "entity": entity[k],
            "short": 1.0 if c.words < SHORT_WORDS else 0.0,
        }
        for k, c in enumerate(analysis.candidates)
    ]


def scores(analysis: Analysis, weights: Mapping[str, float] = WEIGHTS) -> list[float]:
    """Return the score of each candidate under a linear model of its features."""
    return [sum(weights.get(name, 0.0) * v for name, v in f.items()) for f in features(analysis)]


def _cut(sentence: str, words: int) -> str:
    """Return the first ``words`` words of a sentence, with an ellipsis to show the cut."""
    ends = [m.end() for m in _WORD_RUN.finditer(sentence)]
    return sentence[: ends[min(words, len(ends)) - 1]] + ELLIPSIS if ends and words > 0 else ""


def select(
    analysis: Analysis,
    budget: Budget,
    weights: Mapping[str, float] = WEIGHTS,
    redundancy: float = REDUNDANCY,
    cohesion: float = COHESION,
) -> Choice:
    """Return the candidates chosen for the summary (positions in ``analysis.candidates``)."""
    cands = analysis.candidates
    return choose(
        scores(analysis, weights),
        [c.words for c in cands],
        resolve(budget, analysis.article_words),
        similarity=analysis.similarity,
        redundancy=redundancy,
        cohesion=cohesion,
    )


def render(sectioned: Sectioned, analysis: Analysis, choice: Choice) -> tuple[str, tuple[int, ...]]:
    """Return the summary text of a choice and the indexes of its sentences in ``sectioned``."""
    text = sectioned.text
    parts: list[str] = []
    indexes = tuple(analysis.candidates[k].index for k in choice.chosen)
    for i in indexes:
        s = sectioned.sentences[i]
        if choice.cut_words is not None:
            parts.append(_cut(text[s.start : s.end].strip(), choice.cut_words))
        else:
            parts.append(text[s.start : s.end].strip())
    return " ".join(parts), indexes


def summarise(sectioned: Sectioned, entities: Entities, budget: Budget) -> Summary:
    """Return the extractive summary of an article within ``budget``.

    ``Summary.sentences`` index ``sectioned.sentences`` in article order; the text
    joins those sentences with a space.  A sentence is never cut unless not even
    one fits the word budget; then the best one is cut at a word boundary and the
    text ends with an ellipsis.
    """
    analysis = analyse(sectioned, entities)
    text, indexes = render(sectioned, analysis, select(analysis, budget))
    entity_forms = frozenset(
        word_form(w) for e in entities.entities for m in e.mentions for w in m.text.split()
    )
    # Said in the document when it binds (khabar.tasks.bounds.MAX_RANKED).
    caps = (Cap("ranked_sentences", MAX_RANKED, MAX_RANKED + analysis.unranked),) if analysis.unranked else ()
    return Summary(
        text=text, sentences=indexes, keywords=keywords(sectioned, analysis, entity_forms), caps=caps
    )
