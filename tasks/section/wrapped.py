"""Hard-wrapped plain text: paragraphs cut into lines of a fixed width, joined back.

Mail, wire services and old archives send text cut at 70-80 characters a line, a
new paragraph marked by an indent, a blank line, or a short line that ends a sentence.
Read one unit a line, such a paragraph becomes a heap of short lines that look like
headlines, tickers and menus.  ``unwrap`` finds where a line break only continues a
paragraph and returns the text with those line breaks made spaces: the length is
unchanged, so every offset still points at the same character of ``Normalised.text``.

The evidence is the wrapper's own rule: it moves a word to the next line only when
the word does not fit.  A line is continued by the next when

- both are within the page's wrap width (the common maximum length of many lines),
- the next line's first word would not have fitted on it (the greedy-fill test),
- it does not end a sentence (unless the page marks paragraphs by indents and the
  next line is not indented and not a short line of its own, such as a heading),
- the next line is not indented more than the page's lines usually are, and does
  not open a list item.

A page is taken to be wrapped only if the joins found make at least one paragraph of
three lines or more, or several paragraphs, each holding sentence punctuation, so that
a list of headlines of similar length on an ordinary page is left alone.

Indents: normalise removes spaces at the start of a line, so an indent is read from
``Normalised.to_raw`` as the characters dropped between a line break and the line's
first character (relative to what most lines lose, so CRLF line ends do not count).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from khabar.tasks.normalise import charsets as cs
from khabar.tasks.records import Anchor
from khabar.tasks.section.layout import BULLET

MIN_WIDTH = 40  # characters: narrower columns are verse, lists or menus, not wrapped prose
MAX_WIDTH = 130  # wider lines are paragraphs of their own
_SLACK = 1  # wrappers differ by a character in what they count (a trailing space, a mark)
_MIN_BAND = 3  # lines near the wrap width needed to believe in one
_BULLET_CHARS = 8  # a list item's marker is found within its first characters
_CLOSERS = cs.CLOSING_QUOTES + cs.STRAIGHT_QUOTES + " "
_ENDERS = frozenset(cs.SENTENCE_ENDERS)
_PUNCTUATED = re.compile(f"[{cs.char_class(cs.SENTENCE_ENDERS + cs.COMMAS + ':')}]")


class _Line(NamedTuple):
    start: int  # first visible character in the text
    end: int  # after the last visible character
    width: int  # the line as the wrapper measured it: its indent and characters in the raw text
    indent: int  # characters (spaces, tabs) dropped before the first visible one
    first_word: int  # length of the first word
    last: str  # last visible character, closing quotes ignored

    @property
    def terminal(self) -> bool:
        """Whether the line ends a sentence."""
        return self.last in _ENDERS


def _band(width: int) -> int:
    """How far under the wrap width a wrapped line may stop (a long word moved on)."""
    return max(8, width // 6)


def _lines(text: str, to_raw: Sequence[Anchor]) -> list[_Line | None]:
    """Every line of ``text``: None for a blank one."""
    out: list[_Line | None] = []
    # Offsets are asked for in increasing order: walk the anchors once (``map_offset``).
    anchors = [(0, 0), *to_raw, (len(text) + 1, -1)]
    k = 0

    def raw(i: int) -> int:
        nonlocal k
        while anchors[k + 1][0] <= i:
            k += 1
        return anchors[k][1] + i - anchors[k][0]

    begin = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = begin + len(line) - len(line.lstrip())
            end = start + len(stripped)
            # The line begins in the raw text right after the raw line break.
            raw_begin = raw(begin - 1) + 1 if begin else 0
            raw_start = raw(start)
            core = stripped.rstrip(_CLOSERS)
            first = stripped.find(" ")
            out.append(
                _Line(
                    start,
                    end,
                    raw(end - 1) + 1 - raw_begin,
                    raw_start - raw_begin,
                    first if first > 0 else len(stripped),
                    core[-1:],
                )
            )
        else:
            out.append(None)
        begin += len(line) + 1
    return out


def _wrap_width(lines: Sequence[_Line]) -> int | None:
    """The width most lines reach without passing it, or None if no such width stands out.

    For each width ``w`` the lines in ``[w - band, w]`` are counted; of equal counts the
    narrowest width wins (the longest line of the cluster, not a width beyond it).
    """
    low = MIN_WIDTH - _band(MIN_WIDTH)
    widths = sorted(w for w in (ln.width for ln in lines) if low <= w <= MAX_WIDTH)
    best, best_count = None, _MIN_BAND - 1
    for w in sorted(set(widths)):
        if w >= MIN_WIDTH:
            count = bisect_right(widths, w) - bisect_left(widths, w - _band(w))
            if count > best_count:
                best, best_count = w, count
    return best


def _continues(a: _Line, b: _Line, width: int, base: int, by_indent: bool, text: str) -> bool:
    """Whether line ``b`` goes on with the paragraph of line ``a``."""
    if a.width > width or b.width > width or b.indent > base:
        return False
    if a.width + 1 + b.first_word <= width - _SLACK:
        return False  # the word would have fitted: the line was ended on purpose
    if a.terminal and not (by_indent and (b.terminal or b.width >= width - _band(width))):
        # A full line that ends a sentence: the paragraph goes on only where indents
        # mark paragraphs and the next line is itself running text (full, or the
        # paragraph's last), not a short line of its own such as a heading.
        return False
    return BULLET.match(text[b.start : b.start + _BULLET_CHARS]) is None


def _may_be_wrapped(text: str) -> bool:
    """A quick look: are there at least two joins of lines of wrap width to be considered?"""
    lengths = [len(line) for line in text.split("\n")]
    low = MIN_WIDTH - _band(MIN_WIDTH)
    pairs = 0
    for a, b in zip(lengths, lengths[1:], strict=False):
        if low <= a <= MAX_WIDTH and 0 < b <= MAX_WIDTH:
            pairs += 1
            if pairs == 2:
                return True
    return False


def _prose(group: Sequence[_Line], text: str) -> bool:
    """Whether joined lines read as a paragraph: punctuated, and two lines must end a sentence.

    (A headline over a byline or a deck can look like a paragraph of two lines.)
    """
    if len(group) == 2:
        return group[-1].terminal or group[-1].last == ":"
    return _PUNCTUATED.search(text, group[0].start, group[-1].end) is not None


def unwrap(text: str, to_raw: Sequence[Anchor] = ()) -> str:
    """Return ``text`` with the line breaks inside hard-wrapped paragraphs made spaces.

    The result has the length of ``text``: only line breaks change.  Text that is not
    hard-wrapped is returned as it is.
    """
    if not _may_be_wrapped(text):
        return text
    lines = _lines(text, to_raw)
    present = [ln for ln in lines if ln is not None]
    width = _wrap_width(present)
    if width is None:
        return text
    # The indent most lines have (none, or what CRLF line ends leave) is no indent.
    base = Counter(ln.indent for ln in present).most_common(1)[0][0]
    after_end = [b for a, b in zip(lines, lines[1:], strict=False) if a and b and a.terminal]
    by_indent = sum(b.indent > base for b in after_end) >= max(1, len(after_end) // 2)

    groups: list[list[_Line]] = []  # paragraphs of two lines or more
    run: list[_Line] = []
    for a, b in zip(lines, [*lines[1:], None], strict=True):
        if a is None:
            continue
        run.append(a)
        if b is None or not _continues(a, b, width, base, by_indent, text):
            if len(run) > 1:
                groups.append(run)
            run = []
    groups = [g for g in groups if _prose(g, text)]
    joins = sum(len(g) - 1 for g in groups)
    if not groups or (max(len(g) for g in groups) < 3 and joins < 3):
        return text
    breaks = sorted(
        a.end + text[a.end : b.start].index("\n") for g in groups for a, b in zip(g, g[1:], strict=False)
    )
    pieces = [text[i + 1 : j] for i, j in zip([-1, *breaks], [*breaks, len(text)], strict=True)]
    return " ".join(pieces)
