"""Extractive summary of a news article within a budget.

Each candidate sentence (see ``khabar.tasks.summarise.analysis``) gets a score, a
weighted sum of signals known to pick news sentences: its position (news puts
the gist first; other page types read in their own order, see ``page_types``),
its centrality among the article's sentences, its similarity to the title and
headings, and the entities it mentions.

A budget in words is then filled by a knapsack over units, whole sentences or the
clauses of one (``budget.fill``): the most relevant words that fit, in units that
read alone, the best sentence always among them (by a clause if it is long, cut
with an ellipsis only where not even its first clause fits).  A budget in
sentences alone takes the best sentences whole, greedily by score (a neighbour of
one already taken gains a little, ``COHESION``).  The summary keeps article order.

Before clauses, a knapsack over whole sentences scored below taking the best-ranked
sentences that fit: the best sentence, often long, lost its place to shorter lesser
ones.  With clauses, and the best sentence kept, it scores above it
(``scripts/eval_summaries.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from khabar.tasks.bounds import MAX_RANKED
from khabar.tasks.records import Budget, Cap, Entities, Sectioned, Summary
from khabar.tasks.summarise.analysis import Analysis, analyse
from khabar.tasks.summarise.budget import Choice, choose, fill, resolve
from khabar.tasks.summarise.keywords import keywords

# "2": an article the page holds twice is summarised from its first copy (its sentences
# are no longer dropped as boilerplate because the section stage removed the second).
# "3": weights learnt again once hard-wrapped articles were sectioned whole (section 3).
# "4": keywords shown as the article writes them (hamza, teh marbuta), not in matching form.
# "5": clauses and a knapsack fill word budgets; page types; no questions or furniture;
# keywords without function words, multiword names whole.
VERSION = "5"

ELLIPSIS = "\u2026"  # ends a summary whose only sentence had to be cut
_WORD_RUN = re.compile(r"\S+")
_SEPARATORS = ",;\u060c\u061b"  # what a clause ends with, dropped where the sentence goes on

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
    "centrality": 0.2,  # LexRank: shares the most with the rest of the article
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
    prior = analysis.prior or tuple(1.0 - c.rank / len(analysis.candidates) for c in analysis.candidates)
    return [
        {
            "lead": 1.0 if prior[k] == 1.0 else 0.0,
            "position": prior[k],
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
    """Return the first ``words`` words of a sentence, with an ellipsis to show the cut (after no comma)."""
    ends = [m.end() for m in _WORD_RUN.finditer(sentence)]
    if not ends or words <= 0:
        return ""
    return sentence[: ends[min(words, len(ends)) - 1]].rstrip(_SEPARATORS + ":") + ELLIPSIS


def select(
    analysis: Analysis,
    budget: Budget,
    weights: Mapping[str, float] = WEIGHTS,
    redundancy: float = REDUNDANCY,
    cohesion: float = COHESION,
) -> Choice:
    """Return the candidates chosen for the summary (positions in ``analysis.candidates``)."""
    cands = analysis.candidates
    limits = resolve(budget, analysis.article_words)
    # One sentence (a headline): the one the page puts first.  The other signals, learnt
    # for summaries of several sentences, picked a lesser one in one news article in
    # nine (the tune half of the ANT title set, scripts/eval_summaries.py).
    rated = list(analysis.prior) if limits.sentences == 1 and analysis.prior else scores(analysis, weights)
    # Questions are never chosen: choose among the rest, then number them as candidates again.
    keep = [k for k, c in enumerate(cands) if not c.question]
    every = len(keep) == len(cands)
    lengths = [cands[k].words for k in keep]
    rated = rated if every else [rated[k] for k in keep]
    if limits.words is not None:
        choice = fill(rated, lengths, lambda i: [(w, alone) for _, _, w, alone in analysis.clauses(keep[i])], limits)
    else:
        similarity = analysis.similarity
        if not every and redundancy:
            similarity = tuple(tuple(similarity[a][b] for b in keep) for a in keep)
        choice = choose(rated, lengths, limits, similarity=similarity, redundancy=redundancy, cohesion=cohesion)
    if every:
        return choice
    return Choice(
        tuple(keep[k] for k in choice.chosen), choice.cut_words, tuple(keep[k] for k in choice.order), choice.parts
    )


def render(sectioned: Sectioned, analysis: Analysis, choice: Choice) -> tuple[str, tuple[int, ...]]:
    """Return the summary text of a choice and the indexes of its sentences in ``sectioned``."""
    text = sectioned.text
    parts: list[str] = []
    indexes = tuple(analysis.candidates[k].index for k in choice.chosen)
    for n, k in enumerate(choice.chosen):
        c = analysis.candidates[k]
        part = choice.part(n)
        if choice.cut_words is not None:
            parts.append(_cut(text[c.start : c.end].strip(), choice.cut_words))
        elif part is None:
            parts.append(text[c.start : c.end].strip())
        else:
            clauses = analysis.clauses(k)
            start, end = clauses[part[0]][0], clauses[part[1] - 1][1]
            parts.append(text[start:end].strip().rstrip(_SEPARATORS).rstrip())
    return " ".join(parts), indexes


def summarise(sectioned: Sectioned, entities: Entities, budget: Budget) -> Summary:
    """Return the extractive summary of an article within ``budget``.

    ``Summary.sentences`` index ``sectioned.sentences`` in article order; the text
    joins those sentences, or the clauses kept of them, with a space.  A sentence is
    never cut unless not even the first clause of the best one fits the word budget;
    then the best one is cut at a word boundary and the text ends with an ellipsis.
    """
    analysis = analyse(sectioned, entities)
    text, indexes = render(sectioned, analysis, select(analysis, budget))
    # Said in the document when it binds (khabar.tasks.bounds.MAX_RANKED).
    caps = (Cap("ranked_sentences", MAX_RANKED, MAX_RANKED + analysis.unranked),) if analysis.unranked else ()
    return Summary(text=text, sentences=indexes, keywords=keywords(sectioned, analysis, entities), caps=caps)
