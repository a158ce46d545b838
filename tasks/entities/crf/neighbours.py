"""Nearest-neighbour type votes: what the training labels say about a word's neighbours in vector space.

For each clustered news word, its ten nearest words (cosine, word2vec vectors of
:mod:`~khabar.tasks.entities.crf.clusters_build`) that occur in the training data vote with their label
distributions (O, PERS, LOC, ORG, MISC), weighted by similarity; the word's own training labels are
left out, so that a word seen in training gets the same kind of evidence as one never seen.  The
entity type with most of the vote and the share of the vote that went to entities at all (most
words' neighbours are mostly O, names' too) become one small id per word, saved as ``votes.bin``
(the cluster table's format, one "granularity" of ``4 * (len(_STRENGTHS) + 1)`` values).

Built at training time from the training sentences only (so a dev block never votes for itself), and
only when the vectors are cached; the tagger reads the table and needs neither numpy nor gensim.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from khabar.tasks.entities.crf.clusters import ClusterTable
from khabar.tasks.normalise import match_form

TYPES = ("O", "PERS", "LOC", "ORG", "MISC")
# Share of the weighted vote that went to entities: under 0.1, to 0.3, to 0.6, more.
_STRENGTHS = (0.1, 0.3, 0.6)
NEIGHBOURS = 10


def vote_id(kind: int, share: float) -> int:
    """Return the stored id of a vote for entity type ``kind`` (index in TYPES, 1-4) with ``share`` of
    the weight going to entities."""
    strength = sum(share >= s for s in _STRENGTHS)
    return (kind - 1) * (len(_STRENGTHS) + 1) + strength


def vote_feature(vote: int) -> str:
    """Return the feature string of a stored vote id."""
    kind, strength = divmod(vote, len(_STRENGTHS) + 1)
    return f"{TYPES[kind + 1]}{strength}"


def build_votes(sentences: Sequence[Sequence[tuple[str, str]]], wv: Any, clusters: ClusterTable) -> ClusterTable:
    """Return the votes of every clustered word of ``wv``, from the labels of ``sentences``."""
    import numpy as np

    index = {t: i for i, t in enumerate(TYPES)}
    counts: dict[str, list[int]] = {}
    for sent in sentences:
        for token, label in sent:
            form = match_form(token)
            if form in wv.key_to_index:
                counts.setdefault(form, [0] * len(TYPES))[index.get(label[2:], 0) if label != "O" else 0] += 1
    labelled = sorted(counts)
    size = ((len(TYPES) - 1) * (len(_STRENGTHS) + 1),)
    if not labelled:
        return ClusterTable(size)
    lab_vec = np.stack([wv[w] for w in labelled]).astype(np.float32)
    lab_vec /= np.linalg.norm(lab_vec, axis=1, keepdims=True) + 1e-9
    dist = np.array([counts[w] for w in labelled], dtype=np.float32)
    dist /= dist.sum(axis=1, keepdims=True)
    lab_pos = {w: i for i, w in enumerate(labelled)}
    words = [w for w in wv.index_to_key if clusters.get(w) is not None]
    out: dict[str, tuple[int]] = {}
    for start in range(0, len(words), 4096):
        chunk = words[start : start + 4096]
        vec = np.stack([wv[w] for w in chunk]).astype(np.float32)
        vec /= np.linalg.norm(vec, axis=1, keepdims=True) + 1e-9
        sims = vec @ lab_vec.T
        for row, w in enumerate(chunk):
            if w in lab_pos:
                sims[row, lab_pos[w]] = -1.0  # a word does not vote for itself
        k = min(NEIGHBOURS, len(labelled))  # a tiny training set has fewer words than neighbours
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        for row, w in enumerate(chunk):
            weights = np.maximum(sims[row, top[row]], 0.0)
            votes = weights @ dist[top[row]]
            total = float(votes.sum())
            if total <= 0:
                continue
            kind = 1 + int(votes[1:].argmax())
            out[w] = (vote_id(kind, float(votes[1:].sum()) / total),)
    return ClusterTable(size, out)
