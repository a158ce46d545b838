"""Cue phrases (``cues.txt``): the words by which an editor recognises page furniture.

Phrases are compared as tuples of match-form words, so spelling variants of alef,
yeh and teh marbuta, diacritics and punctuation do not matter.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from tasks.normalise import match_form

Words = tuple[str, ...]

_WORD = re.compile(r"[^\W_]+")
_CUES_FILE = Path(__file__).with_name("cues.txt")


def words_of(text: str) -> Words:
    """Return the match-form words of ``text`` (lower case, punctuation dropped)."""
    return tuple(_WORD.findall(match_form(text).lower()))


@cache
def _lexicon() -> dict[str, dict[str, tuple[Words, ...]]]:
    """Category -> first word -> phrases starting with it, longest first."""
    by_category: dict[str, dict[str, list[Words]]] = {}
    category = ""
    for line in _CUES_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            category = line[1:-1]
            by_category.setdefault(category, {})
            continue
        phrase = words_of(line)
        if phrase:
            by_category[category].setdefault(phrase[0], []).append(phrase)
    return {
        cat: {first: tuple(sorted(set(ps), key=len, reverse=True)) for first, ps in index.items()}
        for cat, index in by_category.items()
    }


def match_at(words: Words, i: int, category: str) -> int:
    """Return the length of the longest ``category`` phrase starting at ``words[i]``, or 0."""
    if i >= len(words):
        return 0
    for phrase in _lexicon()[category].get(words[i], ()):
        if words[i : i + len(phrase)] == phrase:
            return len(phrase)
    return 0


def starts(words: Words, category: str) -> int:
    """Return the length of the ``category`` phrase that ``words`` start with, or 0."""
    return match_at(words, 0, category)


def whole(words: Words, category: str) -> bool:
    """Return whether ``words`` are exactly one ``category`` phrase."""
    return bool(words) and starts(words, category) == len(words)


def contains(words: Words, category: str) -> bool:
    """Return whether a ``category`` phrase occurs anywhere in ``words``."""
    index = _lexicon()[category]
    return any(w in index and match_at(words, i, category) for i, w in enumerate(words))


def count_words(words: Words, category: str) -> int:
    """Return how many of ``words`` belong to ``category`` phrases (phrases do not overlap)."""
    return cover(words, (category,))[0]


def cover(words: Words, categories: tuple[str, ...]) -> tuple[int, int]:
    """Return (words covered, phrases found) by a left-to-right cover with ``categories`` phrases."""
    lexicon = _lexicon()
    i = covered = found = 0
    while i < len(words):
        n = 0
        if any(words[i] in lexicon[c] for c in categories):
            n = max(match_at(words, i, c) for c in categories)
        if n:
            covered += n
            found += 1
        i += n or 1
    return covered, found


def is_abbreviation(word: str) -> bool:
    """Return whether ``word`` (before a full stop) is an abbreviation such as a title or initial."""
    return len(word) == 1 or whole(words_of(word), "abbreviation")
