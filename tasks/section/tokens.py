"""ANERcorp-style tokens: runs of word characters, and each punctuation mark alone.

Clitics stay attached ("and Jordan" is one token, wa+al-Urdun), as in ANERcorp;
a number keeps its decimal or thousands separators and a following percent sign
(``3.5``, ``1,000``, ``70%``), as ANERcorp writes them.  Combining marks (diacritics) belong to the
word they sit on.
"""

from __future__ import annotations

import re

from camel_tools.utils.charsets import UNICODE_MARK_CHARSET

from khabar.tasks.normalise import charsets as cs


def _ranges(chars: frozenset[str]) -> tuple[tuple[int, int], ...]:
    out: list[list[int]] = []
    for code in sorted(map(ord, chars)):
        if out and out[-1][1] == code - 1:
            out[-1][1] = code
        else:
            out.append([code, code])
    return tuple((lo, hi) for lo, hi in out)


# Marks of the Basic Multilingual Plane only: a class within it compiles to a bitmap
# and scans many times faster; marks beyond it become tokens of their own.
_MARKS = cs.ranges_class(_ranges(frozenset(c for c in UNICODE_MARK_CHARSET if ord(c) <= 0xFFFF)))
_NUMBER_SEPARATORS = cs.char_class(".," + cs.ARABIC_DECIMAL_SEPARATOR + cs.ARABIC_THOUSANDS_SEPARATOR)
_PERCENT = cs.char_class("%" + cs.ARABIC_PERCENT_SIGN)
_W = r"[^\W_]"  # a letter or digit
_NUMBER = rf"\d+(?:[{_NUMBER_SEPARATORS}]\d+)*[{_PERCENT}]?"
# Words are letter runs with marks between them, not an alternation per character:
# the class of marks is then tried only where a letter run stops.
_TOKEN = re.compile(
    rf"{_NUMBER}(?!{_W}|[{_MARKS}])"
    rf"|{_W}+(?:[{_MARKS}]+{_W}*)*|[{_MARKS}]+(?:{_W}+[{_MARKS}]*)*"
    r"|\S"  # any other visible character is a token of its own
)
# The same without marks, for the usual text that has none.
_PLAIN_TOKEN = re.compile(rf"{_NUMBER}(?!{_W})|{_W}+|\S")
_HAS_MARK = re.compile(f"[{_MARKS}]")


def tokens(text: str) -> tuple[tuple[int, int], ...]:
    """Return the (start, end) offsets of the tokens of ``text`` in order."""
    pattern = _TOKEN if _HAS_MARK.search(text) else _PLAIN_TOKEN
    return tuple(map(re.Match.span, pattern.finditer(text)))
