"""ANERcorp-style tokens: runs of word characters, and each punctuation mark alone.

Clitics stay attached (``والأردن``), as in ANERcorp; a number keeps its decimal
or thousands separators and a following percent sign (``3.5``, ``1,000``,
``70%``), as ANERcorp writes them.  Combining marks (diacritics) belong to the
word they sit on.
"""

from __future__ import annotations

import re

from camel_tools.utils.charsets import UNICODE_MARK_CHARSET

from tasks.normalise import charsets as cs


def _ranges(chars: frozenset[str]) -> tuple[tuple[int, int], ...]:
    out: list[list[int]] = []
    for code in sorted(map(ord, chars)):
        if out and out[-1][1] == code - 1:
            out[-1][1] = code
        else:
            out.append([code, code])
    return tuple((lo, hi) for lo, hi in out)


_MARKS = cs.ranges_class(_ranges(UNICODE_MARK_CHARSET))
_NUMBER_SEPARATORS = cs.char_class(".," + cs.ARABIC_DECIMAL_SEPARATOR + cs.ARABIC_THOUSANDS_SEPARATOR)
_PERCENT = cs.char_class("%" + cs.ARABIC_PERCENT_SIGN)
_W = r"[^\W_]"  # a letter or digit
# Words are written as letter runs with marks between them, not as an alternation per
# character: the engine then checks the large class of marks only where a letter run stops.
_TOKEN = re.compile(
    rf"\d+(?:[{_NUMBER_SEPARATORS}]\d+)*[{_PERCENT}]?(?!{_W}|[{_MARKS}])"  # numbers
    rf"|{_W}+(?:[{_MARKS}]+{_W}*)*|[{_MARKS}]+(?:{_W}+[{_MARKS}]*)*"  # words: letters, digits and marks
    r"|\S"  # any other visible character is a token of its own
)


def tokens(text: str) -> tuple[tuple[int, int], ...]:
    """Return the (start, end) offsets of the tokens of ``text`` in order."""
    return tuple(map(re.Match.span, _TOKEN.finditer(text)))
