"""Arabic-aware sentence boundaries.

A sentence ends at ``.``, ``!``, ``?``, the Arabic question mark (U+061F) or the
Arabic semicolon (U+061B, where it closes a clause that stands alone), with any
closing quotes, before a space or the end of the block, or straight before the next
Arabic word when a typist left out the space.  It does not end inside a number
(``3.5``), after an abbreviation or initial (a lone letter such as DAL, U+062F, for
"Dr", or a listed abbreviation), at ``..`` or an ellipsis used as a pause, or inside
a quotation.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from khabar.tasks.bounds import MAX_WORD
from khabar.tasks.normalise import charsets as cs
from khabar.tasks.section.cues import is_abbreviation

_ENDERS = cs.char_class(cs.SENTENCE_ENDERS)
_CLOSERS = cs.char_class(cs.CLOSING_QUOTES + cs.STRAIGHT_QUOTES)
_ARABIC = cs.ranges_class(cs.ARABIC_LETTER_RANGES)
_BOUNDARY = re.compile(rf"([{_ENDERS}]+)([{_CLOSERS}]*)(?:(?=\s)|$|(?=[{_ARABIC}]))")
_STRONG = frozenset("!?" + cs.ARABIC_QUESTION_MARK + cs.ARABIC_SEMICOLON + cs.ARABIC_FULL_STOP)
_QUOTE = re.compile('[\u00ab\u00bb\u201c\u201d"]')  # guillemets, curly and straight double quotes
_OPEN = "\u00ab\u201c"
_LEADING_PUNCT = re.compile(r"^\W+")
_LOOKBACK = 2 * MAX_WORD


def _quote_depths(text: str, start: int, end: int) -> tuple[list[int], list[int]] | None:
    """Return (positions, depth after each) of quotation marks, or None if they do not balance."""
    marks = [(m.start(), m.group()) for m in _QUOTE.finditer(text, start, end)]
    if not marks:
        return None
    use_straight = sum(1 for _, q in marks if q == '"') % 2 == 0
    positions: list[int] = []
    depths: list[int] = []
    depth = 0
    straight_open = False
    for pos, q in marks:
        if q == '"':
            if not use_straight:
                continue
            straight_open = not straight_open
            depth += 1 if straight_open else -1
        else:
            depth += 1 if q in _OPEN else -1
        if depth < 0:
            return None
        positions.append(pos)
        depths.append(depth)
    return (positions, depths) if depth == 0 else None


def _ends_sentence(text: str, m: re.Match[str], start: int) -> bool:
    run = m.group(1)
    if any(c in _STRONG for c in run):
        return True
    if len(run) > 1 or run == cs.ELLIPSIS:
        return False  # ".." and "..." are pauses in Arabic prose and headlines
    # Bounded (khabar.tasks.bounds): the word before the stop is looked for among the last
    # _LOOKBACK characters only; looking back to the block's start at every stop is quadratic
    # in a block of one-letter words glued by dots.  A longer "word" is no abbreviation either way.
    lo = max(start, m.start() - _LOOKBACK)
    space = max(text.rfind(" ", lo, m.start()), text.rfind("\n", lo, m.start()))
    word = _LEADING_PUNCT.sub("", text[max(space + 1, lo) : m.start()]).rsplit(".", 1)[-1]
    if not word:
        return True  # "word ." with a space before the stop
    if is_abbreviation(word):
        return False
    glued = m.end() < len(text) and not text[m.end()].isspace()
    return not glued or len(word) >= 3


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Return the (start, end) spans of the sentences of ``text[start:end]``, trimmed, in order."""
    quotes = _quote_depths(text, start, end)
    cuts: list[int] = []
    for m in _BOUNDARY.finditer(text, start, end):
        if m.end() >= end or not _ends_sentence(text, m, start):
            continue
        if quotes:
            i = bisect_left(quotes[0], m.end()) - 1
            if i >= 0 and quotes[1][i] > 0:
                continue  # inside a quotation
        cuts.append(m.end())
    spans: list[tuple[int, int]] = []
    for a, b in zip([start, *cuts], [*cuts, end], strict=True):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            spans.append((a, b))
    return spans
