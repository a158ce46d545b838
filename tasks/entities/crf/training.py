"""Training the CRF: ``train(train_file, dev_file, out_path)``.

Writes a self-contained model folder: ``model.crfsuite`` (weights), the lexicon tables it was
trained with, and ``meta.json`` (feature configuration, training options, data and dev scores),
so that tagging uses exactly the features training used.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycrfsuite

from khabar.tasks.entities.crf.clusters import ClusterTable
from khabar.tasks.entities.crf.corpus import Sentence, read_file, split_dev, to_bioes
from khabar.tasks.entities.crf.features import FeatureConfig, FeatureExtractor
from khabar.tasks.entities.crf.lexicon import Lexicon
from khabar.tasks.entities.crf.metrics import Scores, evaluate
from khabar.tasks.entities.crf.model import DEFAULT_MODEL_DIR, META_FILE, MODEL_FILE, CrfRecogniser


@dataclass(frozen=True)
class TrainOptions:
    """Regularisation and pruning of one training run (defaults: the committed model's)."""

    algorithm: str = "lbfgs"  # crfsuite's trainer: "lbfgs" (uses c1, c2) or "ap" (averaged perceptron)
    c1: float = 0.05  # L1: drives most feature weights to zero, which keeps the model small
    c2: float = 0.01  # L2
    max_iterations: int = 200
    min_freq: int = 1  # drop attributes seen fewer times than this
    scheme: str = "bioes"  # labels the CRF learns: "iob2" or "bioes" (tagging returns IOB2 either way)
    features: FeatureConfig = field(default_factory=FeatureConfig)


@dataclass(frozen=True)
class TrainResult:
    """Where the model went, how long it took and, when there was a dev set, its scores."""

    out_path: Path
    seconds: float
    n_train_tokens: int
    dev_scores: Scores | None


def _lexicon(lexicon_dir: Path | None, rebuild: bool) -> Lexicon:
    if rebuild:
        from khabar.tasks.entities.crf.gazetteer_build import build_lexicon

        return build_lexicon()
    return Lexicon.load(lexicon_dir or DEFAULT_MODEL_DIR)


def votes_available(lexicon: Lexicon) -> str | None:
    """Return why nearest-neighbour votes cannot be built here (None when they can)."""
    import importlib.util

    from khabar.tasks.entities.crf.clusters_build import DEFAULT_CACHE, VECTORS_FILE

    if lexicon.clusters is None:
        return "the lexicon has no clusters.bin"
    if importlib.util.find_spec("gensim") is None:
        return "gensim is not installed (extra ner-clusters)"
    if not (DEFAULT_CACHE / VECTORS_FILE).exists():
        return f"no cached vectors at {DEFAULT_CACHE / VECTORS_FILE} (run clusters_build first)"
    return None


def _votes(train: Sequence[Sentence], lexicon: Lexicon) -> ClusterTable:
    """Return the nearest-neighbour votes of the training labels (needs the cached vectors)."""
    from gensim.models import KeyedVectors

    from khabar.tasks.entities.crf.clusters_build import DEFAULT_CACHE, VECTORS_FILE
    from khabar.tasks.entities.crf.neighbours import build_votes

    vectors = DEFAULT_CACHE / VECTORS_FILE
    if lexicon.clusters is None or not vectors.exists():
        raise FileNotFoundError(f"votes need the word clusters and the vectors at {vectors}: run clusters_build first")
    return build_votes(train, KeyedVectors.load(str(vectors)), lexicon.clusters)


def train_sentences(
    train: Sequence[Sentence],
    out_path: str | Path,
    *,
    dev: Sequence[Sentence] | None = None,
    options: TrainOptions | None = None,
    lexicon: Lexicon | None = None,
    meta: dict[str, Any] | None = None,
) -> TrainResult:
    """Train on sentences already read and write the model folder ``out_path``."""
    options = options or TrainOptions()
    lexicon = lexicon if lexicon is not None else Lexicon.load(DEFAULT_MODEL_DIR)
    out = Path(out_path)
    out.mkdir(parents=True, exist_ok=True)
    lexicon.votes = _votes(train, lexicon) if options.features.votes else None
    extractor = FeatureExtractor(lexicon, options.features)
    start = time.perf_counter()
    trainer = pycrfsuite.Trainer(algorithm=options.algorithm, verbose=False)
    for sent, xseq in zip(train, extractor.sentences([[t for t, _ in s] for s in train]), strict=True):
        labels = [lab for _, lab in sent]
        trainer.append(xseq, to_bioes(labels) if options.scheme == "bioes" else labels)
    params: dict[str, Any] = {
        "max_iterations": options.max_iterations,
        "feature.minfreq": options.min_freq,
        "feature.possible_transitions": True,
    }
    if options.algorithm == "lbfgs":
        params |= {"c1": options.c1, "c2": options.c2}
    trainer.set_params(params)
    trainer.train(str(out / MODEL_FILE))
    seconds = time.perf_counter() - start
    lexicon.save(out)
    info: dict[str, Any] = {
        "features": options.features.to_json(),
        "algorithm": options.algorithm,
        "c1": options.c1,
        "c2": options.c2,
        "max_iterations": options.max_iterations,
        "min_freq": options.min_freq,
        "scheme": options.scheme,
        "train_tokens": sum(len(s) for s in train),
        "train_seconds": round(seconds, 1),
        **(meta or {}),
    }
    meta_path = out / META_FILE
    # Written before scoring: the recogniser reads its feature configuration from it.
    meta_path.write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    scores = None
    if dev:
        tagger = CrfRecogniser.from_path(out)
        pred = tagger.tag([[t for t, _ in s] for s in dev])
        scores = evaluate([[lab for _, lab in s] for s in dev], pred)
        info["dev_micro_f1"] = round(scores.micro.f1, 4)
        info["dev_per_type_f1"] = {t: round(s.f1, 4) for t, s in sorted(scores.per_type.items())}
        meta_path.write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return TrainResult(out, seconds, info["train_tokens"], scores)


def train(
    train_file: str | Path,
    dev_file: str | Path | None,
    out_path: str | Path,
    *,
    extra_files: Sequence[str | Path] = (),
    dev_fraction: float | None = None,
    dev_at: str = "end",
    options: TrainOptions | None = None,
    lexicon_dir: str | Path | None = None,
    rebuild_lexicon: bool = False,
    without_categories: Sequence[str] = (),
) -> TrainResult:
    """Train a CRF on ``train_file`` (+ ``extra_files``) and write it to ``out_path``.

    Dev data is ``dev_file`` if given; else, with ``dev_fraction``, the final block of
    ``train_file`` (whole articles, never random sentences), which is then left out of training.
    The lexicon is the committed model's unless ``lexicon_dir`` names another model folder or
    ``rebuild_lexicon`` asks for a fresh build from the packages; ``without_categories`` leaves
    those gazetteer categories out of it (to measure what one is worth, MODEL_CARD.md).
    """
    sentences = read_file(train_file)
    dev: list[Sentence] | None = read_file(dev_file) if dev_file else None
    if dev is None and dev_fraction:
        sentences, dev = split_dev(sentences, dev_fraction, dev_at)
    extra: list[Sentence] = []
    for f in extra_files:
        extra.extend(read_file(f))
    lexicon = _lexicon(Path(lexicon_dir) if lexicon_dir else None, rebuild_lexicon).without(without_categories)
    block = "final" if dev_at == "end" else "first"
    dev_name = Path(dev_file).name if dev_file else (f"{block} {dev_fraction:.0%} of train" if dev else None)
    meta = {"data": [Path(train_file).name, *(Path(f).name for f in extra_files)], "dev": dev_name}
    return train_sentences(sentences + extra, out_path, dev=dev, options=options, lexicon=lexicon,
                           meta=meta)
