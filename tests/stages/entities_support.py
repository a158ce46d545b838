"""Hand-made inputs for the entities stage tests: a Sectioned built from blocks, a scripted recogniser."""

from __future__ import annotations

import re

from khabar.tasks.entities.mentions import WordKnowledge
from khabar.tasks.records import Block, Sectioned, Sentence

# ANERcorp-style tokens: runs of word characters, each other mark on its own.
TOKEN = re.compile(r"\w+|[^\w\s]")
SENTENCE_END = re.compile(r"[.!?\u061f]")


def build(*blocks: tuple[str, str]) -> Sectioned:
    """Return a Sectioned of ``(kind, text)`` blocks joined by blank lines.

    Paragraph, lead and list-item blocks are cut into sentences after . ! ? and the Arabic question mark.
    """
    text = "\n\n".join(t for _, t in blocks)
    out_blocks, sentences = [], []
    pos = 0
    for i, (kind, block) in enumerate(blocks):
        out_blocks.append(Block(kind, pos, pos + len(block), section=0))
        if kind in ("paragraph", "lead", "list_item"):
            start = pos
            for m in SENTENCE_END.finditer(block):
                sentences.append(Sentence(start, pos + m.end(), i))
                start = pos + m.end() + 1
            if start < pos + len(block):
                sentences.append(Sentence(start, pos + len(block), i))
        pos += len(block) + 2
    title = next((t for k, t in blocks if k == "title"), None)
    tokens = tuple((m.start(), m.end()) for m in TOKEN.finditer(text))
    return Sectioned(text, title, tuple(out_blocks), tuple(sentences), tokens, (), ())


class Scripted:
    """A recogniser that gives each token the label listed for it (else O) and records its calls."""

    name = "scripted"

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels
        self.calls: list[list[list[str]]] = []

    def tag(self, sentences: list[list[str]]) -> list[list[str]]:
        self.calls.append(sentences)
        return [[self.labels.get(t, "O") for t in s] for s in sentences]


class FirstSentence(Scripted):
    """Labels the first sentence only, as a tagger that misses a name elsewhere would."""

    def tag(self, sentences: list[list[str]]) -> list[list[str]]:
        out = super().tag(sentences)
        return [out[0], *(["O"] * len(s) for s in sentences[1:])]


class WithLexicon(Scripted):
    """A scripted recogniser that brings a lexicon, as the CRF does."""

    def __init__(self, labels: dict[str, str], lexicon: WordKnowledge) -> None:
        super().__init__(labels)
        self.lexicon = lexicon


class FirstSentenceWithLexicon(FirstSentence, WithLexicon):
    """Labels the first sentence only, and brings a lexicon."""


class Words:
    """A lexicon in a few words: frequencies (zipf * 10) and given names, keys in match form."""

    def __init__(self, zipf: dict[str, int], given: frozenset[str] = frozenset()) -> None:
        self.zipf = zipf
        self.given = given

    def zipf_of(self, form: str) -> int:
        return self.zipf.get(form, 0)

    def is_name(self, form: str, kind: str | None = None) -> bool:
        return form in self.given and kind in (None, "PERS")
