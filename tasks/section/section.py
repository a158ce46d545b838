"""Find the article in a page and its structure (first version: plain-text lines)."""

from __future__ import annotations

import re

from tasks.records import Block, Normalised, Sectioned, Sentence

VERSION = "0"

_SENTENCE_END = re.compile(r"[.!?\u061f\u061b]+(?=\s|$)")
_WORD = re.compile(r"\w+")


def section(normalised: Normalised) -> Sectioned:
    """Return the article's text, title, blocks, sentences and tokens."""
    lines = [ln.strip() for ln in normalised.text.splitlines()]
    seen: set[str] = set()
    kept: list[str] = []
    boilerplate: list[str] = []
    for ln in lines:
        if not ln:
            continue
        if ln in seen or len(ln) > 600:
            boilerplate.append(ln)
            continue
        seen.add(ln)
        kept.append(ln)
    text_parts: list[str] = []
    blocks: list[Block] = []
    pos = 0
    for i, ln in enumerate(kept):
        kind = "title" if i == 0 else "paragraph"
        blocks.append(Block(kind=kind, start=pos, end=pos + len(ln), section=0))
        text_parts.append(ln)
        pos += len(ln) + 2
    text = "\n\n".join(text_parts)
    sentences: list[Sentence] = []
    for bi, b in enumerate(blocks):
        if b.kind == "title":
            continue
        start = b.start
        for m in _SENTENCE_END.finditer(text, b.start, b.end):
            sentences.append(Sentence(start, m.end(), bi))
            start = m.end() + 1
        if start < b.end:
            sentences.append(Sentence(start, b.end, bi))
    tokens = tuple((m.start(), m.end()) for m in _WORD.finditer(text))
    return Sectioned(
        text=text,
        title=kept[0] if kept else None,
        blocks=tuple(blocks),
        sentences=tuple(sentences),
        tokens=tokens,
        boilerplate=tuple(boilerplate),
        to_source=(),
    )
