"""Cue phrases (``cues.txt``): the words by which an editor recognises page furniture.

Phrases are compared as tuples of match-form words, so spelling variants of alef,
yeh and teh marbuta, diacritics and punctuation do not matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from khabar.tasks.normalise import match_form

Words = tuple[str, ...]

_WORD = re.compile(r"[^\W_]+")
_CUES_FILE = Path(__file__).with_name("cues.txt")


def words_of(text: str) -> Words:
    """Return the match-form words of ``text`` (lower case, punctuation dropped)."""
    return tuple(_WORD.findall(match_form(text).lower()))


@cache
def _lexicon() -> dict[str, tuple[tuple[Words, str], ...]]:
    """First word -> (phrase, category) of every phrase starting with it, longest first."""
    index: dict[str, set[tuple[Words, str]]] = {}
    category = ""
    for line in _CUES_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            category = line[1:-1]
            continue
        phrase = words_of(line)
        if phrase:
            index.setdefault(phrase[0], set()).add((phrase, category))
    return {first: tuple(sorted(ps, key=lambda p: -len(p[0]))) for first, ps in index.items()}


@dataclass(frozen=True)
class Found:
    """The cue phrases found in a sequence of words: (position, length, category) hits."""

    words: Words
    hits: tuple[tuple[int, int, str], ...]

    def starts(self, category: str) -> int:
        """Length of the longest ``category`` phrase at the start, or 0."""
        return max((n for i, n, c in self.hits if i == 0 and c == category), default=0)

    def whole(self, category: str) -> bool:
        """Whether the words are exactly one ``category`` phrase."""
        return bool(self.words) and self.starts(category) == len(self.words)

    def contains(self, category: str) -> bool:
        return any(c == category for _, _, c in self.hits)

    def cover(self, *categories: str) -> tuple[int, int]:
        """(words covered, phrases used) by a left-to-right cover with ``categories`` phrases."""
        covered = used = 0
        end = 0
        for i, n, c in self.hits:  # in order of position, longest first
            if i >= end and c in categories:
                covered += n
                used += 1
                end = i + n
        return covered, used


def find(words: Words, limit: int | None = None) -> Found:
    """Return every cue phrase occurring in ``words`` (starting in the first ``limit`` words)."""
    lexicon = _lexicon()
    hits = [
        (i, len(phrase), category)
        for i, w in enumerate(words[:limit])
        if w in lexicon
        for phrase, category in lexicon[w]
        if words[i : i + len(phrase)] == phrase
    ]
    return Found(words, tuple(hits))


def whole(words: Words, category: str) -> bool:
    """Return whether ``words`` are exactly one ``category`` phrase."""
    return find(words).whole(category)


def is_abbreviation(word: str) -> bool:
    """Return whether ``word`` (before a full stop) is an abbreviation such as a title or initial."""
    return len(word) == 1 or whole(words_of(word), "abbreviation")
