"""Scoring what the entities stage publishes, not only the recogniser's labels, against gold labels.

``scripts/eval_ner.py --stage`` reads gold sentences (``khabar.tasks.entities.crf.corpus``), runs the real
``find_entities`` on them and scores its mentions with the same exact-span scorer as the raw labels
(``khabar.tasks.entities.crf.metrics.evaluate``), so that the effect of clitic cutting, the ka- filter,
propagation and merging on F1 can be seen.  Three decisions make the two scores comparable:

* **Articles.**  ANERcorp has no article boundaries, so consecutive blocks of ``size`` sentences
  stand in for articles (``pseudo_articles``).  Propagation and clitic evidence work within one
  such block: a block that straddles two real articles can spread a name across them, one that
  cuts an article loses the evidence across the cut.
* **Tokens.**  An article's text is its gold tokens joined by spaces, one sentence a line, and its
  ``Sectioned`` lists exactly those tokens and sentences (``sectioned_of``); normalise and section
  are not run.  The recogniser then sees the same tokens for both scores, every mention ends on a
  gold token's end, and the difference between the scores is post-processing alone.  Running
  normalise + section on the joined text would also measure the tokeniser and the sentence
  splitter, and would need an alignment of their tokens to the gold ones that could itself be wrong.
  (ANERcorp tokens are already what the section stage's tokeniser makes of running text, clitics
  attached.)
* **Mentions to labels** (``stage_labels``).  Gold labels cover whole tokens (``wa-Misr`` is one
  B-LOC token) while a mention leaves clitics out (it covers ``Misr``).  A mention covers a token
  when it reaches the token's end and starts before that end: a token whose stem it covers counts
  as the whole token (the stage only ever cuts leading clitics and al- off a mention's first token).
  The first covered token is B-, the others I-, with the type of the entity the mention was merged
  into: the published document types entities, not mentions.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from khabar.tasks.entities.crf.corpus import Sentence as GoldSentence
from khabar.tasks.entities.crf.metrics import Scores, evaluate
from khabar.tasks.entities.recogniser import Recogniser, find_entities, tag_all
from khabar.tasks.records import Block, Entities, Sectioned, Sentence

# Sentences per pseudo-article: ANERcorp's sentences average ~34 tokens, so ~680 tokens, the
# length of a news article.
ARTICLE_SENTENCES = 20


@dataclass(frozen=True)
class StageScores:
    """Raw recogniser labels and the stage's output scored on the same sentences."""

    raw: Scores
    stage: Scores
    articles: int


def pseudo_articles(sentences: Sequence[GoldSentence], size: int = ARTICLE_SENTENCES) -> list[list[GoldSentence]]:
    """Return consecutive blocks of ``size`` sentences (the last may be shorter), in order."""
    if size < 1:
        raise ValueError(f"an article needs at least one sentence, not {size}")
    return [list(sentences[i : i + size]) for i in range(0, len(sentences), size)]


def sectioned_of(tokens: Sequence[Sequence[str]]) -> Sectioned:
    """Return a one-paragraph article of these tokenised sentences, whose tokens are exactly these.

    The text is each sentence's tokens joined by spaces, sentences joined by newlines; offsets
    map one to one onto the text (no normalise stage in between).
    """
    ranges: list[tuple[int, int]] = []
    sentences: list[Sentence] = []
    pos = 0
    for sentence in tokens:
        start = pos
        for token in sentence:
            ranges.append((pos, pos + len(token)))
            pos += len(token) + 1
        end = pos - 1 if sentence else pos
        sentences.append(Sentence(start, end, 0))
        pos = end + 1
    text = "\n".join(" ".join(s) for s in tokens)
    return Sectioned(text, None, (Block("paragraph", 0, len(text), 0),), tuple(sentences), tuple(ranges), (),
                     ((0, 0),))


def stage_labels(sectioned: Sectioned, entities: Entities, lengths: Sequence[int]) -> list[list[str]]:
    """Return IOB2 labels on ``sectioned``'s tokens for the entities' mentions (see the module docstring).

    ``lengths`` are the sentences' token counts, for cutting the labels back into sentences.
    Raises ValueError when a mention ends inside a token or two mentions share a token: the
    labels could not stand for what the stage found.
    """
    ends = [e for _, e in sectioned.tokens]
    labels = ["O"] * len(ends)
    for entity in entities.entities:
        for m in entity.mentions:
            first = bisect_right(ends, m.start)  # the first token that ends after the mention starts
            last = bisect_left(ends, m.end)
            if last == len(ends) or ends[last] != m.end or first > last:
                raise ValueError(f"mention {m.text!r} at {m.start}-{m.end} does not end on a token's end")
            if any(lab != "O" for lab in labels[first : last + 1]):
                raise ValueError(f"mention {m.text!r} at {m.start}-{m.end} overlaps another")
            labels[first : last + 1] = ["B-" + entity.type] + ["I-" + entity.type] * (last - first)
    out = []
    pos = 0
    for n in lengths:
        out.append(labels[pos : pos + n])
        pos += n
    return out


def score_stage(
    sentences: Sequence[GoldSentence], recogniser: Recogniser, size: int = ARTICLE_SENTENCES, *, repair: bool = True
) -> StageScores:
    """Return the raw labels' scores and the entities stage's scores on ``sentences``.

    Both come from articles of ``size`` sentences: the raw labels are the recogniser's on each
    article's sentences in one call, as ``find_entities`` tags them.  ``repair=False`` runs the
    stage without its span repairs, to measure them.
    """
    gold: list[list[str]] = []
    raw: list[list[str]] = []
    stage: list[list[str]] = []
    articles = pseudo_articles(sentences, size)
    for article in articles:
        tokens = [[t for t, _ in s] for s in article]
        sectioned = sectioned_of(tokens)
        gold.extend([lab for _, lab in s] for s in article)
        raw.extend(tag_all(recogniser, tokens))
        found = find_entities(sectioned, recogniser, repair=repair)
        stage.extend(stage_labels(sectioned, found, [len(s) for s in tokens]))
    return StageScores(evaluate(gold, raw), evaluate(gold, stage), len(articles))
