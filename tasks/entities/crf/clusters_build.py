"""Building ``clusters.bin`` (:mod:`khabar.tasks.entities.crf.clusters`) from unlabelled news.

    PYTHONPATH=. python -m khabar.tasks.entities.crf.clusters_build \\
        --news ../shared/data/news/ant-v2.1-4-outlets.jsonl --out tasks/entities/crf/model

1. The news articles (title and text, JSON lines) are cut into tokens exactly as the section stage
   cuts running text (clitics attached, as ANERcorp writes them), in match form, one paragraph a line.
2. word2vec (gensim, skip-gram) learns a vector per word of the paragraphs.
3. Spherical k-means (numpy, cosine) groups the vectors of words seen at least ``min_count`` times
   into 64, 256 and 1,024 clusters; every such word's ids are written to the table.

The tokens and the vectors are cached under ``--cache`` (default ``.khabar/ner``, gitignored), so
that changing the clustering does not retrain the vectors.  Needs gensim and numpy (extra
``ner-clusters``); the tagger reads only the table and needs neither.  Deterministic for a given
corpus, seed and one worker thread; gensim with more threads is not.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from khabar.tasks.entities.crf.clusters import ClusterTable
from khabar.tasks.normalise import match_form
from khabar.tasks.section.tokens import tokens as token_spans

log = logging.getLogger(__name__)

SIZES = (64, 256, 1024)
DEFAULT_CACHE = Path(".khabar") / "ner"
TOKENS_FILE = "news-tokens.txt"
VECTORS_FILE = "news-w2v.kv"


def news_paragraphs(path: str | Path) -> Iterator[list[str]]:
    """Yield the match-form tokens of each paragraph (title, then each non-blank line of text)."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            article = json.loads(line)
            for para in [article.get("title") or "", *(article.get("text") or "").split("\n")]:
                if para.strip():
                    yield [match_form(para[s:e]) for s, e in token_spans(para)]


def tokenise(news: str | Path, cache: Path) -> Path:
    """Return the cached token file of ``news``, writing it first when missing."""
    out = cache / TOKENS_FILE
    if out.exists():
        return out
    cache.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".part")
    n = 0
    with open(tmp, "w", encoding="utf-8") as fh:
        for toks in news_paragraphs(news):
            fh.write(" ".join(toks) + "\n")
            n += len(toks)
    tmp.rename(out)
    log.info("tokenised %s: %d tokens", news, n)
    return out


def train_vectors(tokens_file: Path, cache: Path, *, dim: int = 100, window: int = 5, min_count: int = 5,
                  epochs: int = 5, seed: int = 1, workers: int = 1) -> Any:
    """Return word2vec ``KeyedVectors`` of the token file, cached as ``news-w2v.kv``."""
    from gensim.models import KeyedVectors, Word2Vec

    out = cache / VECTORS_FILE
    if out.exists():
        return KeyedVectors.load(str(out))
    model = Word2Vec(corpus_file=str(tokens_file), vector_size=dim, window=window, min_count=min_count,
                     sg=1, negative=5, epochs=epochs, seed=seed, workers=workers)
    model.wv.save(str(out))
    return model.wv


def kmeans(vectors: Any, k: int, *, iterations: int = 25, seed: int = 1, sample: int = 60_000) -> Any:
    """Return the cluster id of each row of ``vectors`` (unit rows), spherical k-means.

    Centroids are fitted on the ``sample`` first rows (the most frequent words: gensim orders its
    vocabulary by count), then every row is assigned to its nearest centroid.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    fit = vectors[:sample]
    centroids = fit[rng.choice(len(fit), size=k, replace=False)].copy()
    for _ in range(iterations):
        assign = np.argmax(fit @ centroids.T, axis=1)
        sums = np.zeros_like(centroids)
        np.add.at(sums, assign, fit)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        empty = norms[:, 0] == 0
        # An empty cluster restarts at a random word: k clusters stay k.
        sums[empty] = fit[rng.choice(len(fit), size=int(empty.sum()), replace=False)]
        norms[empty] = 1.0
        centroids = sums / norms
    out = np.empty(len(vectors), dtype=np.int64)
    for i in range(0, len(vectors), 20_000):
        out[i : i + 20_000] = np.argmax(vectors[i : i + 20_000] @ centroids.T, axis=1)
    return out


def _wordlike(word: str) -> bool:
    return any(ch.isalpha() for ch in word)


def build_table(wv: Any, sizes: Sequence[int] = SIZES, *, min_count: int = 5, seed: int = 1) -> ClusterTable:
    """Return the cluster table of the word-like words of ``wv`` seen at least ``min_count`` times."""
    import numpy as np

    words = [w for w in wv.index_to_key if _wordlike(w) and wv.get_vecattr(w, "count") >= min_count]
    vectors = np.stack([wv[w] for w in words]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    ids = [kmeans(vectors, k, seed=seed) for k in sizes]
    return ClusterTable(sizes, {w: tuple(int(c[i]) for c in ids) for i, w in enumerate(words)})


def main(
    news: Annotated[Path, typer.Option(help="news articles, JSON lines with title and text")],
    out: Annotated[Path, typer.Option(help="model folder to write clusters.bin into")],
    cache: Annotated[Path, typer.Option(help="where tokens and vectors are cached")] = DEFAULT_CACHE,
    min_count: Annotated[int, typer.Option(help="fewest occurrences of a clustered word")] = 5,
    workers: Annotated[int, typer.Option(help="word2vec threads (1: reproducible)")] = 1,
) -> None:
    """Write ``clusters.bin`` for the news corpus ``news`` into the model folder ``out``."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if not news.exists():
        print(f"skipped: {news} not found (the news corpus lives in ../shared)")
        return
    start = time.perf_counter()
    tokens_file = tokenise(news, cache)
    wv = train_vectors(tokens_file, cache, min_count=min_count, workers=workers)
    table = build_table(wv, min_count=min_count)
    out.mkdir(parents=True, exist_ok=True)
    table.save(out)
    print(f"{len(table)} words, clusters {table.sizes}, written to {out} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    typer.run(main)
