"""Cue phrases (``cues.txt``): the words by which an editor recognises page furniture.

Phrases are compared as tuples of match-form words, so spelling variants of alef,
yeh and teh marbuta, diacritics and punctuation do not matter.
"""

from __future__ import annotations

import re
from bisect import bisect_right
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


# Letters that match form unifies or removes (alef and hamza forms, yeh, alef maksura, teh
# marbuta and heh): a needle for a raw-text search is a run of the other letters.
_VARIANT = re.compile("[\u0621-\u0627\u0629\u0647\u0649\u064a\u064b-\u0652\u0640]+")  # HAMZA..ALEF, TEH MARBUTA ...


@cache
def needles(categories: tuple[str, ...]) -> tuple[str, ...]:
    """Substrings of raw text that every phrase of ``categories`` contains, whatever its spelling.

    For each phrase, the longest run of letters that no spelling variant changes (three letters at
    least; a phrase with none gives none, so a test with these needles may only rule out).
    """
    found: set[str] = set()
    category = ""
    for line in _CUES_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            category = line[1:-1]
        elif line and not line.startswith("#") and category in categories:
            runs = [r for w in words_of(line) for r in _VARIANT.split(w)]
            longest = max(runs, key=len, default="")
            if len(longest) < 3:
                return ()  # a phrase without a safe needle: no ruling out
            found.add(longest)
    return tuple(sorted(found))


def mentioning(texts: list[str], categories: tuple[str, ...]) -> set[int] | None:
    """Indexes of the ``texts`` in which a phrase of ``categories`` may occur (None: any may).

    One search of all the texts joined for each needle: far cheaper than a search of every text.
    """
    keys = needles(categories)
    if not keys:
        return None
    starts: list[int] = []
    pos = 0
    for text in texts:
        starts.append(pos)
        pos += len(text) + 1
    joined = "\n".join(texts).lower()
    found: set[int] = set()
    for key in keys:
        at = joined.find(key)
        while at >= 0:
            found.add(bisect_right(starts, at) - 1)
            at = joined.find(key, at + 1)
    return found


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
