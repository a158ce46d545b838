"""Stage 3: named entities.  ``find_entities(sectioned, recogniser) -> Entities``.

A recogniser labels token sequences with IOB2 labels; this module chooses the
sequences, runs the recogniser over them in batches, and hands the labels on to
``filters`` (spans that read as ordinary words), ``repair`` (spans a reader would mend),
``propagate`` (a name found once is found everywhere in the article), ``mentions`` (spans, clitics) and ``merge`` (one
entity per real-world entity).
Backends are loaded by ``load_recogniser``, once per process.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from khabar.tasks.bounds import MAX_SEQUENCE, MAX_TAG_TOKENS, MAX_TAGGED_TOKENS
from khabar.tasks.entities.filters import drop_phrases
from khabar.tasks.entities.mentions import PROCLITIC_LETTERS, WordKnowledge, decode_iob, make_mentions
from khabar.tasks.entities.merge import merge_mentions
from khabar.tasks.entities.propagate import propagate
from khabar.tasks.entities.repair import repair_spans
from khabar.tasks.normalise import match_form
from khabar.tasks.records import ENTITY_TYPES, Cap, Entities, Sectioned

VERSION = "4"  # 4: spans mended (``repair``): split names joined, prepositions, nisbas, verbs left out
# 3: no clitic cut leaves under 3 letters; common words and compound halves do not spread alone
# 2: clitics cut on the lexicon's evidence; ka- + common noun is not a person
BACKENDS = ("crf", "bert", "gazetteer")
# Sequences per call to a recogniser's ``tag``: a whole article at once, so the CRF's document
# features (other mentions of a word nearby) see all of it; BERT batches again inside.
BATCH_SIZE = 256

# Blocks tagged whole, as their own sequences (the other tagged text is in sentences).
_WHOLE_BLOCKS = ("title", "heading")
_GAZETTEER = Path(__file__).with_name("gazetteer.tsv")
_HAS_WORD = re.compile(r"\w")



class Recogniser(Protocol):
    name: str

    def tag(self, sentences: list[list[str]]) -> list[list[str]]:
        """Return one IOB2 label per token of each sentence."""
        ...


@runtime_checkable
class KnowsWords(Protocol):
    """A recogniser that brings a lexicon (the CRF does): known names and word frequencies
    that tell a clitic from a name's first letter.  Others leave that to the article's evidence."""

    lexicon: WordKnowledge


class GazetteerRecogniser:
    """Labels the names of a short list: a stand-in for tests and demos, not a model.

    A name matches in match form, its first word with at most one clitic letter before it.
    """

    name = "gazetteer"

    def __init__(self, names: Mapping[str, str]) -> None:
        """``names`` maps a name (words separated by spaces) to its type."""
        self._names = {tuple(match_form(w) for w in name.split()): kind for name, kind in names.items()}
        self._longest = max((len(k) for k in self._names), default=0)

    @classmethod
    def from_file(cls, path: str | Path) -> GazetteerRecogniser:
        """Read ``name<TAB>TYPE`` lines."""
        names = {}
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                name, kind = line.rsplit("\t", 1)
                if kind not in ENTITY_TYPES:
                    raise ValueError(f"{path}: unknown entity type {kind!r} for {name!r}")
                names[name.strip()] = kind
        return cls(names)

    def _lookup(self, words: tuple[str, ...]) -> str | None:
        if words in self._names:
            return self._names[words]
        if words[0][:1] in PROCLITIC_LETTERS:
            return self._names.get((words[0][1:], *words[1:]))
        return None

    def tag(self, sentences: list[list[str]]) -> list[list[str]]:
        out = []
        for sentence in sentences:
            forms = tuple(match_form(w) for w in sentence)
            labels = ["O"] * len(forms)
            i = 0
            while i < len(forms):
                for n in range(min(self._longest, len(forms) - i), 0, -1):
                    kind = self._lookup(forms[i : i + n])
                    if kind is not None:
                        labels[i : i + n] = ["B-" + kind] + ["I-" + kind] * (n - 1)
                        i += n
                        break
                else:
                    i += 1
            out.append(labels)
        return out


_loaded: dict[tuple[str, str | None], Recogniser] = {}
_loading = threading.Lock()


def load_recogniser(backend: str = "crf", model_path: str | None = None) -> Recogniser:
    """Return the recogniser of ``backend`` ("crf", "bert" or "gazetteer"), loaded once per process.

    ``model_path`` is the backend's model (None: its default; for the CRF also "fast", the model
    without word clusters, see ``khabar.tasks.entities.crf.MODELS``).  The BERT backend is the
    only one that imports torch; a process on another backend never does.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown NER backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    key = (backend, model_path)
    with _loading:
        if key not in _loaded:
            _loaded[key] = _load(backend, model_path)
        return _loaded[key]


def _load(backend: str, model_path: str | None) -> Recogniser:
    if backend == "bert":
        from khabar.tasks.entities.bert import load_bert

        return load_bert(model_path)
    if backend == "crf":
        from khabar.tasks.entities.crf import load_crf

        return load_crf(model_path)
    return GazetteerRecogniser.from_file(model_path or _GAZETTEER)


def tag_all(
    recogniser: Recogniser, sequences: Sequence[list[str]], batch_size: int = BATCH_SIZE
) -> list[list[str]]:
    """Return the recogniser's labels for every sequence, calling it on ``batch_size`` sequences at a time.

    Bounded (``khabar.tasks.bounds``): a sequence longer than ``MAX_SEQUENCE`` tokens is tagged
    in pieces, and one call holds at most ``MAX_TAG_TOKENS`` tokens, so the recogniser's memory
    (the CRF's features take ~4 KB a token) does not grow with the article; tokens after the
    first ``MAX_TAGGED_TOKENS`` are labelled O untagged, so neither does its time past that.
    Raises RuntimeError when it does not return one label per token: the labels could
    not be put back on the text.
    """
    pieces = [seq[i : i + MAX_SEQUENCE] for seq in sequences for i in range(0, max(1, len(seq)), MAX_SEQUENCE)]
    # A piece with no letter or digit names nothing: it is not tagged (runs of punctuation); nor is
    # one after the article's first MAX_TAGGED_TOKENS tokens.
    tagged_pieces: list[list[str]] = []
    seen = 0
    for p in pieces:
        tagged_pieces.append([] if seen < MAX_TAGGED_TOKENS and any(map(_HAS_WORD.search, p)) else ["O"] * len(p))
        seen += len(p)
    batch: list[int] = []
    held = 0
    for k in [*(k for k, p in enumerate(pieces) if p and not tagged_pieces[k]), None]:
        if batch and (k is None or len(batch) == batch_size or held + len(pieces[k]) > MAX_TAG_TOKENS):
            sent = [pieces[j] for j in batch]
            tagged = recogniser.tag(sent)
            if len(tagged) != len(sent) or any(len(t) != len(s) for s, t in zip(sent, tagged, strict=True)):
                raise RuntimeError(f"recogniser {recogniser.name!r} did not return one label per token")
            for j, labelled in zip(batch, tagged, strict=True):
                tagged_pieces[j] = labelled
            batch, held = [], 0
        if k is not None:
            batch.append(k)
            held += len(pieces[k])
    labels: list[list[str]] = []
    at = 0
    for seq in sequences:
        count = max(1, -(-len(seq) // MAX_SEQUENCE))
        labels.append([label for piece in tagged_pieces[at : at + count] for label in piece])
        at += count
    return labels


def _sequences(sectioned: Sectioned) -> list[list[int]]:
    """Return the token indexes of each sequence to tag, in reading order.

    Every sentence is one; title and heading blocks are one each (they are not
    sentences).  A token is in one sequence at most.
    """
    tokens = sectioned.tokens
    starts = [s for s, _ in tokens]
    ranges = [(s.start, s.end) for s in sectioned.sentences]
    ranges += [(b.start, b.end) for b in sectioned.blocks if b.kind in _WHOLE_BLOCKS]
    taken: set[int] = set()
    sequences = []
    for start, end in sorted(ranges):
        seq = [
            i
            for i in range(bisect_left(starts, start), bisect_left(starts, end))
            if i not in taken and tokens[i][1] <= end
        ]
        taken.update(seq)
        if seq:
            sequences.append(seq)
    return sequences


def find_entities(
    sectioned: Sectioned, recogniser: Recogniser, *, batch_size: int = BATCH_SIZE, repair: bool = True
) -> Entities:
    """Return the entities named in the article's sentences, title and headings, mentions merged.

    ``repair=False`` leaves the recogniser's spans unmended (``repair``): for measuring what mending gives.
    """
    text = sectioned.text
    sequences = [[sectioned.tokens[i] for i in seq] for seq in _sequences(sectioned)]
    labels = tag_all(recogniser, [[text[s:e] for s, e in seq] for seq in sequences], batch_size)
    lexicon = recogniser.lexicon if isinstance(recogniser, KnowsWords) else None
    decoded = drop_phrases(text, sequences, [decode_iob(lab) for lab in labels], lexicon)
    if repair:
        decoded = repair_spans(text, sequences, decoded, lexicon)
    decoded = propagate(text, sequences, decoded, lexicon)
    spans = [
        (seq[span.first : span.end], span.type)
        for seq, seq_spans in zip(sequences, decoded, strict=True)
        for span in seq_spans
    ]
    longest = max(map(len, sequences), default=0)
    total = sum(map(len, sequences))
    caps: tuple[Cap, ...] = (Cap("sequence_tokens", MAX_SEQUENCE, longest),) if longest > MAX_SEQUENCE else ()
    caps += (Cap("tagged_tokens", MAX_TAGGED_TOKENS, total),) if total > MAX_TAGGED_TOKENS else ()
    return Entities(
        backend=recogniser.name, entities=merge_mentions(make_mentions(text, spans, lexicon)), caps=caps
    )
