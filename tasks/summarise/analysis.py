"""What the summariser knows about each candidate sentence of one article.

``analyse`` reads a ``Sectioned`` (and its ``Entities``) once and returns, for every
candidate sentence, its word count, its content terms (its clauses on demand) and the raw
signals the scorer weighs: position (in the order its page type reads, see
``page_types``), centrality, similarity to the title and headings, and entity
mentions.  Candidates are the article's sentences that hold a word and are
neither boilerplate nor in a block of another kind than ``BODY_KINDS``: never a
title, heading, tag, byline, dateline, caption, pull quote or an interviewer's
question.  A sentence that asks a question is a candidate (its words tell what the
article is about) marked ``question``: the summary never takes it.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from itertools import chain

import numpy as np

from khabar.tasks.bounds import MAX_RANKED
from khabar.tasks.records import Entities, Sectioned
from khabar.tasks.summarise.clauses import split
from khabar.tasks.summarise.page_types import page_type, reading_order
from khabar.tasks.summarise.terms import classify

# Blocks whose sentences may be summary sentences; a heading is never one.
BODY_KINDS = frozenset({"lead", "paragraph", "list_item", "answer"})
# Page furniture and an interviewer's words: never in a summary (named here so that a
# reader sees they are left out on purpose; any kind not in BODY_KINDS is).
NEVER_SUMMARISED = frozenset({"title", "tag", "byline", "heading", "dateline", "caption", "pull_quote", "question"})
# A dateline that opens a sentence: "Dubai, UAE (CNN) --", "Cairo - ": up to six words
# and an agency in brackets, or up to four words, before a dash.  Left out of the sentence.
# (Matched at the sentence's start with ``match(text, pos)``: no "^", which would not.)
_DATELINE = re.compile(
    "(?:[^\\s()]+[\\s\u060c,]+){0,6}\\([^()\\n]{1,40}\\)\\s*[-\u2013\u2014]{1,2}\\s*"
    "|(?:[^\\s()]+[\\s\u060c,]+){0,3}[^\\s()]+\\s+[-\u2013\u2014]{1,2}\\s+"
)
# A sentence that ends in a question mark (Arabic or Latin), before closing quotes or brackets.
_QUESTION = re.compile("[?\u061f][\"'\u00bb\u201d)\\]\\s]*$")
# Sentences that belong to the page, not to the story, should the section stage
# have left them in.
_BOILERPLATE = re.compile(
    "|".join(
        (
            "\u062c\u0645\u064a\u0639 \u0627\u0644\u062d\u0642\u0648\u0642",  # "all rights (reserved)"
            "\u0627\u0642\u0631[\u0623\u0627]+ \u0623\u064a\u0636\u0627",  # "read also"
            "\u0634\u0627\u0631\u0643 \u0639\u0628\u0631",  # "share via"
            "\u00a9",  # copyright sign
            # "express(es) the opinion of their authors/writer": a comment policy
            "\u062a\u0639\u0628\u0631 \u0639\u0646 (?:\u0631\u0623\u064a|\u0622\u0631\u0627\u0621) "
            "(?:\u0623\u0635\u062d\u0627\u0628|\u0643\u0627\u062a\u0628)",
            "\u0633\u064a\u0627\u0633\u0629 \u0627\u0644\u062a\u0639\u0644\u064a\u0642\u0627\u062a",  # comments policy
        )
    )
)
_DAMPING = 0.85  # LexRank's, as in PageRank
_ITERATIONS = 100
_TOLERANCE = 1e-8
_SMALL_PRODUCT = 32768  # multiply-adds per matrix product; see _gram
_DENSE_CELLS = 1 << 21  # sentences x vocabulary above which the matrices are built term by term (16 MB)


@dataclass(frozen=True)
class Candidate:
    """One sentence that may go into the summary."""

    index: int  # into Sectioned.sentences
    rank: int  # position among the candidates (0 = first)
    words: int  # whitespace-separated words, as a reader or str.split counts them
    tokens: range  # indexes into Sectioned.tokens of its tokens, which forms follow one for one
    forms: tuple[str | None, ...]  # per token: matching form of a content word, else None
    terms: tuple[str, ...]  # stems of its content words
    question: bool = False  # it asks a question: never in a summary
    start: int = 0  # its offsets in Sectioned.text, less a dateline that opens it
    end: int = 0


@dataclass(frozen=True)
class Analysis:
    candidates: tuple[Candidate, ...]
    similarity: tuple[tuple[float, ...], ...]  # cosine of tf-isf vectors, 0 on the diagonal
    centrality: tuple[float, ...]  # LexRank score
    title: tuple[float, ...]  # cosine with the title and headings (0 without them)
    entity: tuple[float, ...]  # entity mentions, weighted by how often each entity recurs, per word
    title_terms: tuple[str, ...]  # stems of the title's and headings' content words
    article_words: int  # words in all candidate sentences
    unranked: int = 0  # body sentences past the first MAX_RANKED candidates (khabar.tasks.bounds)
    prior: tuple[float, ...] = ()  # position prior: 1 for the sentence the page type reads first, towards 0
    page_type: str = "news"  # see khabar.tasks.summarise.page_types
    text: str = ""  # Sectioned.text, which the candidates' offsets index

    def clauses(self, k: int) -> tuple[tuple[int, int, int, bool], ...]:
        """Return the clauses of candidate ``k`` (see ``clauses.split``), worked out for the few a budget weighs."""
        c = self.candidates[k]
        return ((c.start, c.end, c.words, True),) if c.question else split(self.text, c.start, c.end)


def token_range(sectioned: Sectioned, start: int, end: int) -> range:
    """Return the indexes of the tokens that lie inside ``[start, end)``."""
    tokens = sectioned.tokens
    lo = bisect_left(tokens, (start, -1))
    hi = bisect_left(tokens, (end, -1), lo)
    while hi > lo and tokens[hi - 1][1] > end:
        hi -= 1
    return range(lo, hi)


def _slice(span: range) -> slice:
    return slice(span.start, span.stop)


def _is_candidate(sectioned: Sectioned, i: int, boilerplate: frozenset[str]) -> bool:
    s = sectioned.sentences[i]
    if not 0 <= s.block < len(sectioned.blocks) or sectioned.blocks[s.block].kind not in BODY_KINDS:
        return False
    body = sectioned.text[s.start : s.end].strip()
    return bool(body) and body not in boilerplate and not _BOILERPLATE.search(body)


def _gram(rows: np.ndarray) -> np.ndarray:
    """Return ``rows @ rows.T``, a block of rows at a time.

    Each product stays under the size at which OpenBLAS hands the work to a pool of
    threads: for matrices this small the threads cost far more than they save, and
    a worker process should use its one core.
    """
    n, k = rows.shape
    step = max(1, _SMALL_PRODUCT // max(1, n * k))
    return np.vstack([rows[i : i + step] @ rows.T for i in range(0, n, step)]) if n else np.zeros((0, 0))


def _lexrank(similarity: np.ndarray) -> np.ndarray:
    """Return the stationary distribution of a random walk on the similarity graph."""
    n = similarity.shape[0]
    rows = similarity.sum(axis=1, keepdims=True)
    # A sentence similar to none jumps anywhere, so the walk never gets stuck.
    walk = np.where(rows > 0, similarity / np.where(rows > 0, rows, 1.0), 1.0 / n)
    p = np.full(n, 1.0 / n)
    for _ in range(_ITERATIONS):
        # Element-wise rather than walk.T @ p: no BLAS call, so no thread pool.
        step = (1 - _DAMPING) / n + _DAMPING * (walk * p[:, None]).sum(axis=0)
        if np.abs(step - p).sum() < _TOLERANCE:
            return step
        p = step
    return p


def _signals_dense(
    candidates: list[Candidate], title_terms: tuple[str, ...], vocab: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Return the similarity matrix (diagonal not yet zero) and each candidate's cosine with the title."""
    n = len(candidates)
    rows = [k for k, c in enumerate(candidates) for _ in c.terms]
    cols = list(map(vocab.__getitem__, chain.from_iterable(c.terms for c in candidates)))
    width = max(1, len(vocab))
    counts = (
        np.bincount(
            np.asarray(rows, dtype=np.int64) * width + np.asarray(cols, dtype=np.int64), minlength=n * width
        )
        .reshape(n, width)
        .astype(float)
    )
    # Inverse sentence frequency: a term in every sentence tells them apart least.
    df = (counts > 0).sum(axis=0)
    weighted = counts * np.log1p(n / np.maximum(df, 1))
    norms = np.sqrt((weighted * weighted).sum(axis=1))
    norms[norms == 0] = 1.0
    # Only terms that two sentences share can make them similar.
    shared = weighted[:, df > 1] / norms[:, None]
    similarity = _gram(shared)
    cols = [vocab[t] for t in title_terms if t in vocab]
    # Cosine with the title's terms, all of weight 1 (those no sentence has count in the norm).
    title = (
        (weighted[:, cols] / norms[:, None]).sum(axis=1) / np.sqrt(len(title_terms)) if cols else np.zeros(n)
    )
    return similarity, title


def _signals_by_term(candidates: list[Candidate], title_terms: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """``_signals_dense`` computed term by term: memory in sentences squared plus terms, never their product.

    The same sums in another order (equal to ~1e-15); slower than the dense product for the
    usual article, so kept for the large ones.
    """
    n = len(candidates)
    counts = Counter((k, t) for k, c in enumerate(candidates) for t in c.terms)
    df = Counter(t for _, t in counts)
    squares = np.zeros(n)
    by_term: dict[str, tuple[list[int], list[float]]] = {}
    for (k, t), count in counts.items():
        w = count * math.log1p(n / df[t])
        squares[k] += w * w
        by_term.setdefault(t, ([], []))
        by_term[t][0].append(k)
        by_term[t][1].append(w)
    norms = np.sqrt(squares)
    norms[norms == 0] = 1.0
    similarity = np.zeros((n, n))
    for t, (rows, weights) in by_term.items():
        if df[t] > 1:
            at = np.asarray(rows)
            w = np.asarray(weights) / norms[at]
            similarity[np.ix_(at, at)] += np.outer(w, w)
    title = np.zeros(n)
    for t in dict.fromkeys(title_terms):
        if t in by_term:
            rows, weights = by_term[t]
            title[rows] += np.asarray(weights) / norms[np.asarray(rows)]
    if title_terms:
        title /= np.sqrt(len(title_terms))
    return similarity, title


def analyse(sectioned: Sectioned, entities: Entities) -> Analysis:
    """Return the candidates of an article with the signals used to rank them."""
    text = sectioned.text
    boilerplate = frozenset(b.strip() for b in sectioned.boilerplate)
    body = [sectioned.text[b.start : b.end] for b in sectioned.blocks if b.kind in BODY_KINDS]
    if sum(b in boilerplate for b in body) >= 2:
        # The page holds the article twice and the section stage removed the second copy:
        # the first is the article, not furniture.
        boilerplate = frozenset()
    # An entity mentioned often is what the article is about: weigh its mentions more.
    salience = sorted((m.start, math.log1p(len(e.mentions))) for e in entities.entities for m in e.mentions)
    sal_starts = [s for s, _ in salience]

    tokens = sectioned.tokens
    candidates: list[Candidate] = []
    entity: list[float] = []
    unranked = unranked_words = 0
    for i, s in enumerate(sectioned.sentences):
        if not _is_candidate(sectioned, i, boilerplate):
            continue
        if len(candidates) == MAX_RANKED:
            # Bounded (khabar.tasks.bounds.MAX_RANKED): the similarity matrix below is n x n, so
            # later sentences are counted (for a ratio budget) but not ranked.
            unranked += 1
            unranked_words += len(text[s.start : s.end].split())
            continue
        start = s.start
        if dateline := _DATELINE.match(text, s.start, s.end):
            start = dateline.end() if len(text[dateline.end() : s.end].split()) >= 3 else s.start
        span = token_range(sectioned, start, s.end)
        kinds = [classify(text[a:b]) for a, b in tokens[_slice(span)]]
        if not any(k[0] for k in kinds):
            continue
        words = len(text[start : s.end].split())
        forms = tuple(k[1] for k in kinds)
        terms = tuple(k[2] for k in kinds if k[2] is not None)
        question = bool(_QUESTION.search(text[start : s.end].rstrip()))
        candidates.append(Candidate(i, len(candidates), words, span, forms, terms, question, start, s.end))
        lo, hi = bisect_left(sal_starts, s.start), bisect_left(sal_starts, s.end)
        entity.append(sum(w for _, w in salience[lo:hi]) / words)

    heads = [b for b in sectioned.blocks if b.kind in ("title", "heading")]
    head_tokens = [
        text[a:b] for h in heads for a, b in tokens[_slice(token_range(sectioned, h.start, h.end))]
    ]
    if not heads and sectioned.title:
        head_tokens = re.findall(r"\w+", sectioned.title)
    title_terms = tuple(dict.fromkeys(k[2] for k in map(classify, head_tokens) if k[2] is not None))

    n = len(candidates)
    vocab = {t: i for i, t in enumerate(dict.fromkeys(chain.from_iterable(c.terms for c in candidates)))}
    width = max(1, len(vocab))
    if n * width > _DENSE_CELLS:
        # Bounded (khabar.tasks.bounds): an article of distinct words has a vocabulary near its
        # length, and a dense sentences x vocabulary matrix then grows as the square of it.
        similarity, title = _signals_by_term(candidates, title_terms)
    else:
        similarity, title = _signals_dense(candidates, title_terms, vocab)
    np.fill_diagonal(similarity, 0.0)
    centrality = _lexrank(similarity) if n else np.zeros(0)

    blocks = [sectioned.sentences[c.index].block for c in candidates]
    kind = page_type(sectioned, blocks, [c.words for c in candidates])
    prior = [0.0] * n
    for place, k in enumerate(reading_order(sectioned, kind, blocks)):
        prior[k] = 1.0 - place / n
    return Analysis(
        candidates=tuple(candidates),
        similarity=tuple(tuple(row) for row in similarity.tolist()),
        centrality=tuple(centrality.tolist()),
        title=tuple(title.tolist()),
        entity=tuple(entity),
        title_terms=title_terms,
        article_words=sum(c.words for c in candidates) + unranked_words,
        unranked=unranked,
        prior=tuple(prior),
        page_type=kind,
        text=text,
    )
