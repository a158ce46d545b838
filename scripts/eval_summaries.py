#!/usr/bin/env python
"""Score khabar's summariser with ROUGE, beside the lead and sumy's summarisers.

    PYTHONPATH=. python scripts/eval_summaries.py [--data DIR] [--cv] [--folds K] [--fit] [--sections]
        [--news FILE] [--news-articles N] [--no-news] [--no-sumy]

First, one table of khabar's own summary (whole units: sentences, or clauses of a long
one; a cut only where not even the best sentence's first clause fits) beside the lead in
whole sentences and the lead cut to the budget, at the same length, on each set: EASC dev,
and two sets built from the ANT news articles (``news_sets``: the title as reference at
one-sentence length, the first paragraph as reference for the rest), each in a half used
to choose settings ("tune") and a half that was not ("report").  Each set skips with a
message where its data is absent.  Then the EASC table below.

Every EASC article goes through khabar's own normalise, section and entities stages, and
every system picks from the same candidate sentences, for a budget equal to the mean
length of that article's references (in ROUGE tokens).  A system is a ranking of the
sentences; two ways of spending the budget turn a ranking into a summary, and each is
applied to every system alike, so that each column compares like with like:

* whole sentences: the best-ranked sentences that fit whole, a sentence that would
  overflow passed over for later ones that fit (the summarise stage's rule for a budget
  in sentences).  Sentences are counted in the stage's words (as ``str.split`` counts
  them).  For khabar this column is the stage's own output, which may hold clauses and
  fills the budget with a knapsack (3% short of it on EASC); the lead's stops short by
  what no remaining sentence fills (about 8%).
* cut at budget: sentences in rank order until the budget is reached, counted in ROUGE
  tokens; the last one taken, the lowest ranked, keeps only the tokens that still fit
  (for the lead: the article's first N tokens, ROUGE's usual word limit).  Cutting the
  lowest-ranked sentence, not whichever stands last in the article, is what makes the
  cut the same for a ranking that is not in article order.

Every summary is then truncated to the budget before scoring; for whole sentences this
drops at most a token or two where ROUGE splits what ``str.split`` counts as one word
(``54.99``).  ROUGE-1 and ROUGE-2 F1 are averaged over an article's references, then
over articles; a reference that repeats another exactly counts once (EASC has a few)
unless ``--all-references``.

``--fit`` prints the summariser's parameters learnt from every article: coordinate
ascent from the lead (position alone) on mean R1 + R2 of both columns.  ``--cv`` learns
them the same way on k-1 folds of articles and scores the held-out fold, so that what
it reports was not learnt from the articles it scores; ``--repeats R`` does so for R
shufflings of the articles and reports the mean, as one split of 51 articles is noisy.
``--sections`` prints how the section stage reads each article.

A trap for whoever tunes on these articles: their references favour every other
sentence (sentences 0, 2, 4 ... over 1, 3, 5 in 37 of 49 articles), which looks like
how the summaries were collected, not like news.  A feature that can express parity
would gain several hundredths here and nothing on real news; none is allowed.

    PYTHONPATH=. python scripts/eval_summaries.py --cv --repeats 3 --sections
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from khabar.tasks.entities import find_entities, load_recogniser
from khabar.tasks.normalise import normalise
from khabar.tasks.records import Article, Budget, Entities, Sectioned
from khabar.tasks.section import section
from khabar.tasks.summarise import summarise
from khabar.tasks.summarise.analysis import Analysis, analyse, token_range
from khabar.tasks.summarise.budget import Limits, choose
from khabar.tasks.summarise.rouge import ngrams, rouge_tokens
from khabar.tasks.summarise.summariser import COHESION, FEATURES, REDUNDANCY, WEIGHTS, features, render, select
from khabar.tasks.summarise.terms import STOP_WORDS, is_stop, stem, word_form

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "summaries" / "easc-dev"
DEFAULT_NEWS = ROOT.parent / "shared" / "data" / "news" / "ant-v2.1-4-outlets.jsonl"
PROTOCOLS = ("whole", "cut")


@dataclass(frozen=True)
class Topic:
    name: str
    sectioned: Sectioned
    entities: Entities
    analysis: Analysis
    references: tuple[tuple[str, ...], ...]  # as ROUGE tokens
    words: int  # the budget: mean reference length in ROUGE tokens
    sentence_tokens: tuple[tuple[str, ...], ...]  # ROUGE tokens of each candidate
    sentences: int | None = None  # a limit on sentences too (one: the one-sentence length)

    @property
    def budget(self) -> Budget:
        return Budget(words=self.words, sentences=self.sentences)


def recogniser() -> Any:
    """The shipped NER model, or the gazetteer where this checkout has none."""
    try:
        return load_recogniser()
    except FileNotFoundError as exc:  # no trained model in this checkout
        print(f"{exc}: entities from the gazetteer instead", file=sys.stderr)
        return load_recogniser("gazetteer")


def make_topic(
    name: str, content: str, references: Sequence[tuple[str, ...]], recognise: Any, sentences: int | None = None
) -> Topic:
    """Run khabar's stages on an article; the budget is its references' mean length in ROUGE tokens."""
    sectioned = section(normalise(Article(id=name, content=content, kind="text")))
    ents = find_entities(sectioned, recognise)
    analysis = analyse(sectioned, ents)
    spans = analysis.candidates  # their start and end: a sentence less a dateline that opens it
    return Topic(
        name,
        sectioned,
        ents,
        analysis,
        tuple(references),
        round(sum(len(r) for r in references) / len(references)),
        tuple(tuple(rouge_tokens(sectioned.text[s.start : s.end])) for s in spans),
        sentences,
    )


def load(data: Path, all_references: bool = False) -> list[Topic]:
    """Read every article with its references and run khabar's stages on it.

    A reference that repeats another exactly is dropped unless ``all_references``.
    """
    recognise = recogniser()
    topics = []
    for path in sorted((data / "articles").glob("*.txt"), key=lambda p: (len(p.stem), p.stem)):
        refs: list[tuple[str, ...]] = []
        for ref in sorted((data / "references" / path.stem).glob("*.txt")):
            toks = tuple(rouge_tokens(ref.read_text(encoding="utf-8-sig")))
            if toks and (all_references or toks not in refs):
                refs.append(toks)
        if refs:
            content = path.read_text(encoding="utf-8-sig").lstrip("\ufeff")
            topics.append(make_topic(path.stem, content, refs, recognise))
    return topics


def rouge_f(tokens: Sequence[str], topic: Topic) -> tuple[float, float]:
    """ROUGE-1 and ROUGE-2 F1 of a summary truncated to the budget, mean over references."""
    cand = list(tokens)[: topic.words]
    out = []
    for n in (1, 2):
        c = ngrams(cand, n)
        total = 0.0
        for ref in topic.references:
            r = ngrams(ref, n)
            hit = sum((c & r).values())
            if hit:
                p, rec = hit / sum(c.values()), hit / sum(r.values())
                total += 2 * p * rec / (p + rec)
        out.append(total / len(topic.references))
    return out[0], out[1]


def spend(topic: Topic, order: Sequence[int], protocol: str) -> list[str]:
    """Tokens of the summary that spends the budget on sentences ranked best first (see the module doc)."""
    if protocol == "whole":
        lengths = [c.words for c in topic.analysis.candidates]
        rank = {k: -float(i) for i, k in enumerate(order)}
        limits = Limits(topic.words, topic.sentences)
        chosen = choose([rank[k] for k in range(len(lengths))], lengths, limits).chosen
        return [t for k in chosen for t in topic.sentence_tokens[k]]
    kept: dict[int, int] = {}  # sentence -> tokens kept
    left = topic.words
    for k in order:
        if left <= 0:
            break
        kept[k] = min(len(topic.sentence_tokens[k]), left)
        left -= kept[k]
    return [t for k in sorted(kept) for t in topic.sentence_tokens[k][: kept[k]]]


# A system returns a summary's tokens for a topic under a protocol.
System = Callable[[Topic, str], list[str]]


def ranker(rate: Callable[[Topic], Sequence[float]]) -> System:
    """A system that ranks sentences by a rating (ties to the earlier sentence)."""

    def run(topic: Topic, protocol: str) -> list[str]:
        ratings = rate(topic)
        order = sorted(range(len(ratings)), key=lambda k: (-ratings[k], k))
        return spend(topic, order, protocol)

    return run


@dataclass(frozen=True)
class Params:
    """What the summariser's choice depends on (see khabar.tasks.summarise.summariser)."""

    weights: Mapping[str, float]
    redundancy: float
    cohesion: float

    def __str__(self) -> str:
        w = " ".join(f"{n}={v:g}" for n, v in self.weights.items())
        return f"{w} redundancy={self.redundancy:g} cohesion={self.cohesion:g}"


SHIPPED = Params(WEIGHTS, REDUNDANCY, COHESION)


def khabar_system(params: Params = SHIPPED) -> System:
    """The summariser: its own output in whole units (sentences, clauses), its order of choice when cutting."""

    def run(topic: Topic, protocol: str) -> list[str]:
        a = topic.analysis
        if protocol == "whole":
            if params == SHIPPED:
                return rouge_tokens(summarise(topic.sectioned, topic.entities, topic.budget).text)
            choice = select(a, topic.budget, params.weights, params.redundancy, params.cohesion)
            return rouge_tokens(render(topic.sectioned, a, choice)[0])
        ratings = [sum(params.weights.get(n, 0.0) * v for n, v in f.items()) for f in features(a)]
        lengths = [c.words for c in a.candidates]
        choice = choose(ratings, lengths, Limits(None, None), a.similarity, params.redundancy, params.cohesion)
        return spend(topic, choice.order, protocol)

    return run


def evaluate(topics: Sequence[Topic], system: System, protocol: str) -> tuple[float, float]:
    scores = [rouge_f(system(t, protocol), t) for t in topics]
    return sum(s[0] for s in scores) / len(scores), sum(s[1] for s in scores) / len(scores)


# --- tuning ---------------------------------------------------------------------------

GRID: Mapping[str, tuple[float, ...]] = {
    "lead": (0.0, 0.25, 0.5, 1.0),
    "centrality": (0.0, 0.1, 0.2, 0.3, 0.4, 0.6),
    "title": (0.0, 0.1, 0.2, 0.4),
    "entity": (0.0, 0.1, 0.2, 0.4),
    "short": (0.0, -0.2, -0.5),
    "redundancy": (0.0, 0.1, 0.2, 0.3),
    "cohesion": (0.0, 0.05, 0.1, 0.2),
}
# The lead: position alone.  Tuning starts here, so that it has to earn every other weight.
START = Params({**{n: 0.0 for n in FEATURES}, "position": 1.0}, 0.0, 0.0)


def _with(params: Params, name: str, value: float) -> Params:
    if name == "redundancy":
        return Params(params.weights, value, params.cohesion)
    if name == "cohesion":
        return Params(params.weights, params.redundancy, value)
    return Params({**params.weights, name: value}, params.redundancy, params.cohesion)


def fit(topics: Sequence[Topic], rounds: int = 2) -> Params:
    """Coordinate ascent from the lead on mean R1 + R2, whole-sentence and cut summaries together.

    Whole-sentence summaries are what the stage returns; cut ones score the ranking
    without the noise of which sentences happen to fit.  A tie keeps the current value.
    """

    def objective(p: Params) -> float:
        system = khabar_system(p)
        return sum(sum(evaluate(topics, system, protocol)) for protocol in PROTOCOLS)

    params = START
    best = objective(params)
    for _ in range(rounds):
        for name, grid in GRID.items():
            for value in grid:
                trial = _with(params, name, value)
                got = objective(trial)
                if got > best + 1e-9:
                    best, params = got, trial
    return params


def cross_validate(topics: Sequence[Topic], folds: int, repeats: int = 1) -> dict[str, tuple[float, float]]:
    """ROUGE of each fold with parameters learnt on the other folds, over all articles.

    The first repeat takes the articles in their order (article i in fold i mod k);
    each further one shuffles them first, with its number as the seed.
    """
    scores: dict[str, list[tuple[float, float]]] = {p: [] for p in PROTOCOLS}
    for r in range(repeats):
        order = list(topics)
        if r:
            random.Random(r).shuffle(order)
        for k in range(folds):
            train = [t for i, t in enumerate(order) if i % folds != k]
            test = [t for i, t in enumerate(order) if i % folds == k]
            params = fit(train)
            system = khabar_system(params)
            for p in PROTOCOLS:
                scores[p].extend(rouge_f(system(t, p), t) for t in test)
            print(f"  repeat {r + 1}, fold {k + 1}/{folds}: {params}", file=sys.stderr)
    return {p: (sum(s[0] for s in v) / len(v), sum(s[1] for s in v) / len(v)) for p, v in scores.items()}


def sections_table(topics: Sequence[Topic], data: Path) -> None:
    """How the section stage reads each article: words, sentences, headings, boilerplate."""
    print(f"{'article':<10} {'words':>6} {'sentences':>9} {'in them':>7} {'headings':>8} {'boilerplate':>11}")
    totals = [0, 0, 0, 0, 0]
    for t in topics:
        sec = t.sectioned
        words = len((data / "articles" / f"{t.name}.txt").read_text(encoding="utf-8-sig").split())
        in_sentences = sum(len(sec.text[s.start : s.end].split()) for s in sec.sentences)
        headings = sum(b.kind == "heading" for b in sec.blocks)
        row = [words, len(sec.sentences), in_sentences, headings, len(sec.boilerplate)]
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        print(f"{t.name:<10} {row[0]:>6} {row[1]:>9} {row[2]:>7} {row[3]:>8} {row[4]:>11}")
    print(f"{'all':<10} {totals[0]:>6} {totals[1]:>9} {totals[2]:>7} {totals[3]:>8} {totals[4]:>11}")


# --- the news set ---------------------------------------------------------------------


def news_sets(path: Path, per_half: int) -> dict[str, dict[str, list[Topic]]]:
    """Two sets built from ANT news articles, each in two disjoint halves ("tune", "report").

    * ``title``: the article whole, its title the one reference, at one-sentence length
      (the title's length in ROUGE tokens, one sentence).  It measures whether the
      summary's one sentence says what the editor's headline says.  Its weakness: a
      headline is rewritten (other words, quotes, "..", teasers), so ROUGE-2 is small
      and noisy, and a title that teases rather than summarises rewards nothing.
    * ``paragraph``: the article less its first paragraph, which is the reference, at
      that paragraph's length.  It measures whether the summariser finds the gist when
      the lead is gone.  Its weakness: the first paragraph is not a summary of the rest
      (it holds facts the rest never repeats), and the second paragraph, which the
      lead takes, usually elaborates on it, so the lead is favoured.

    An article goes to a half by the CRC-32 of its id (even: tune, odd: report) and in
    the order of that checksum, so the sample is fixed and spread over the outlets.
    Articles with a title under 3 tokens or fewer than 4 paragraphs are left out.
    """
    recognise = recogniser()
    rows = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            d = json.loads(line)
            rows.append((zlib.crc32(d["id"].encode("utf-8")), d))
    rows.sort(key=lambda r: r[0])
    out: dict[str, dict[str, list[Topic]]] = {s: {"tune": [], "report": []} for s in ("title", "paragraph")}
    for crc, d in rows:
        half = "tune" if crc % 2 == 0 else "report"
        if len(out["title"][half]) >= per_half:
            if all(len(v) >= per_half for v in out["title"].values()):
                break
            continue
        title = tuple(rouge_tokens(d["title"] or ""))
        paragraphs = [p.strip() for p in (d["text"] or "").split("\n") if p.strip()]
        if len(title) < 3 or len(paragraphs) < 4:
            continue
        out["title"][half].append(make_topic(d["id"], "\n\n".join(paragraphs), [title], recognise, sentences=1))
        first = tuple(rouge_tokens(paragraphs[0]))
        out["paragraph"][half].append(make_topic(d["id"], "\n\n".join(paragraphs[1:]), [first], recognise))
    return out


def compare(topics: Sequence[Topic]) -> dict[str, tuple[float, float]]:
    """ROUGE-1/2 F1 of khabar (its own summary), the lead in whole sentences and the lead cut."""
    lead = ranker(lambda t: [-float(k) for k in range(len(t.analysis.candidates))])
    return {
        "khabar": evaluate(topics, khabar_system(), "whole"),
        "lead whole": evaluate(topics, lead, "whole"),
        "lead cut": evaluate(topics, lead, "cut"),
    }


def report_sets(sets: Mapping[str, Sequence[Topic]]) -> None:
    """Print khabar beside both leads at the same length for each set, and the margin over the lead cut."""
    heads = "   ".join(f"{h:>13}" for h in ("khabar", "lead whole", "lead cut"))
    print(f"{'set':<34} {'n':>4} {'words':>5}   {heads}   {'khabar - lead cut':>17}")
    for name, topics in sets.items():
        if not topics:
            continue
        got = compare(topics)
        budget = sum(t.words for t in topics) / len(topics)
        cells = "   ".join(f"{got[k][0]:.4f} {got[k][1]:.4f}" for k in ("khabar", "lead whole", "lead cut"))
        k, c = got["khabar"], got["lead cut"]
        print(f"{name:<34} {len(topics):>4} {budget:>5.0f}   {cells}   {k[0] - c[0]:+.4f} {k[1] - c[1]:+.4f}")


# --- report ----------------------------------------------------------------------------


def sumy_ratings(make: Callable[[], Any]) -> Callable[[Topic], list[float]]:
    """Ratings of a sumy summariser fed khabar's sentences, tokens, stop words and stemmer."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence

    def rate(topic: Topic) -> list[float]:
        sec = topic.sectioned
        texts: list[str] = []
        words: dict[str, list[str]] = {}
        paragraphs: dict[int, list[Any]] = {}
        for c in topic.analysis.candidates:
            s = sec.sentences[c.index]
            text = sec.text[s.start : s.end].strip()
            toks = (sec.text[a:b] for a, b in (sec.tokens[k] for k in token_range(sec, s.start, s.end)))
            words[text] = [word_form(t) for t in toks if any(ch.isalnum() for ch in t)]
            texts.append(text)

        class Tokens:  # sumy asks its tokenizer for a sentence's words
            @staticmethod
            def to_words(text: str) -> list[str]:
                return words.get(text, [])

        for text, c in zip(texts, topic.analysis.candidates, strict=True):
            block = sec.sentences[c.index].block
            paragraphs.setdefault(block, []).append(SumySentence(text, Tokens()))
        document = ObjectDocumentModel([Paragraph(p) for _, p in sorted(paragraphs.items())])
        summariser = make(stem)
        summariser.stop_words = STOP_WORDS | {w for ws in words.values() for w in ws if is_stop(w)}
        ratings: list[float] = []

        def capture(sentences: Any, count: Any, rating: Any, *args: Any, **kwargs: Any) -> tuple[()]:
            # sumy hands its ratings to this method to pick the best; keep them all instead.
            get = rating.__getitem__ if isinstance(rating, dict) else rating
            ratings.extend(float(get(s, *args, **kwargs)) for s in sentences)
            return ()

        summariser._get_best_sentences = capture
        summariser(document, 1)
        if len(ratings) != len(texts):  # sumy found no word to rate by: article order
            return [-float(k) for k in range(len(texts))]
        return ratings

    return rate


def systems(with_sumy: bool = True) -> dict[str, System]:
    out: dict[str, System] = {
        "khabar": khabar_system(),
        "lead": ranker(lambda t: [-float(k) for k in range(len(t.analysis.candidates))]),
    }
    if not with_sumy:
        return out
    try:
        from sumy.summarizers.kl import KLSummarizer
        from sumy.summarizers.lex_rank import LexRankSummarizer
        from sumy.summarizers.lsa import LsaSummarizer
        from sumy.summarizers.luhn import LuhnSummarizer
        from sumy.summarizers.sum_basic import SumBasicSummarizer
        from sumy.summarizers.text_rank import TextRankSummarizer
    except ImportError:
        print("sumy is not installed (pip install -e '.[eval]'): its summarisers are left out", file=sys.stderr)
        return out
    makers = {
        "LexRank": LexRankSummarizer,
        "TextRank": TextRankSummarizer,
        "LSA": LsaSummarizer,
        "Luhn": LuhnSummarizer,
        "SumBasic": SumBasicSummarizer,
        "KL": KLSummarizer,
    }
    for name, make in makers.items():
        out[f"sumy-{name}"] = ranker(sumy_ratings(make))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="EASC folder: articles/, references/")
    parser.add_argument("--cv", action="store_true", help="also report cross-validated ROUGE")
    parser.add_argument("--folds", type=int, default=5, help="folds for --cv (default 5)")
    parser.add_argument("--repeats", type=int, default=1, help="shufflings for --cv (default 1)")
    parser.add_argument("--fit", action="store_true", help="print the parameters learnt from all articles")
    parser.add_argument("--sections", action="store_true", help="print how each article is sectioned")
    parser.add_argument("--news", type=Path, default=DEFAULT_NEWS, help="ANT news JSONL for the second set")
    parser.add_argument("--news-articles", type=int, default=300, help="articles per half of the news set")
    parser.add_argument("--no-news", action="store_true", help="leave the news set out")
    parser.add_argument("--no-sumy", action="store_true", help="leave sumy's summarisers out")
    parser.add_argument(
        "--all-references", action="store_true", help="score against every reference, exact duplicates too"
    )
    args = parser.parse_args(argv)
    if args.no_news:
        pass
    elif not args.news.is_file():
        print(f"no news data at {args.news}: skipping the news set", file=sys.stderr)
    else:
        sets = news_sets(args.news, args.news_articles)
        print("Same length for every system; khabar in whole units (sentences, clauses; a cut only as a last resort)")
        report_sets(
            {
                f"ANT title, 1 sentence ({half})": sets["title"][half] for half in ("tune", "report")
            }
            | {f"ANT first paragraph ({half})": sets["paragraph"][half] for half in ("tune", "report")}
        )
    if not (args.data / "articles").is_dir():
        print(f"no EASC data at {args.data}: skipping the summary evaluation", file=sys.stderr)
        return 0
    topics = load(args.data, args.all_references)
    report_sets({"EASC dev (references' mean length)": topics})
    if not topics:
        print(f"no article with references under {args.data}: nothing to score", file=sys.stderr)
        return 0
    if args.sections:
        sections_table(topics, args.data)
    budget = sum(t.words for t in topics) / len(topics)
    print(f"{len(topics)} articles; budget = mean reference length (mean {budget:.0f} ROUGE tokens)")
    print(f"{'':<16} {'whole sentences':>15}   {'cut at budget':>15}")
    print(f"{'system':<16} {'R1 F1':>7} {'R2 F1':>7}   {'R1 F1':>7} {'R2 F1':>7}")
    results = {}
    for name, system in systems(not args.no_sumy).items():
        results[name] = {p: evaluate(topics, system, p) for p in PROTOCOLS}
        w, c = results[name]["whole"], results[name]["cut"]
        print(f"{name:<16} {w[0]:7.4f} {w[1]:7.4f}   {c[0]:7.4f} {c[1]:7.4f}")
    for p in PROTOCOLS:
        ours = results["khabar"][p]
        behind = [n for n, r in results.items() if n != "khabar" and not (ours[0] > r[p][0] and ours[1] > r[p][1])]
        verdict = "above every other system on R1 and R2" if not behind else f"not above {', '.join(behind)}"
        lead = results["lead"][p]
        margin = f"R1 {ours[0] - lead[0]:+.4f}, R2 {ours[1] - lead[1]:+.4f}"
        print(f"{p}: khabar is {verdict}; minus the lead: {margin}")
    if args.cv:
        cv = cross_validate(topics, args.folds, args.repeats)
        w, c = cv["whole"], cv["cut"]
        label = f"khabar {args.folds}-fold CV" + (f" x{args.repeats}" if args.repeats > 1 else "")
        print(f"{label:<16} {w[0]:7.4f} {w[1]:7.4f}   {c[0]:7.4f} {c[1]:7.4f}")
        for p in PROTOCOLS:
            lead = results["lead"][p]
            print(f"{p}: khabar (CV) minus the lead: R1 {cv[p][0] - lead[0]:+.4f}, R2 {cv[p][1] - lead[1]:+.4f}")
    if args.fit:
        print(f"learnt from all {len(topics)} articles: {fit(topics)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
