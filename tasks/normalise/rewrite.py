"""Regex-driven rewriting that records where each output offset came from.

Both stages change text (normalise removes noise, section collapses markup
whitespace) and must still say where every offset came from, so a person can
highlight in the text they pasted.  ``rewrite`` is the one way to do that.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from khabar.tasks.records import Anchor

Replacer = Callable[[re.Match[str]], str | None]


def rewrite(text: str, pattern: re.Pattern[str], replace: Replacer) -> tuple[str, tuple[Anchor, ...]]:
    """Return ``text`` with each match of ``pattern`` replaced, and the alignment back to ``text``.

    ``replace`` returns the new string for a match, or ``None`` to keep it.  The
    alignment has one anchor per edit; every character of a replacement maps to
    the start of what it replaced, and the text after it to the end.
    """
    pieces: list[str] = []
    anchors: list[Anchor] = [(0, 0)]
    done = 0  # end of the last match in ``text``
    out = 0  # length of the output so far
    for m in pattern.finditer(text):
        new = replace(m)
        start, end = m.span()
        if new is None or new == m.group():
            continue
        pieces.append(text[done:start])
        out += start - done
        if len(new) == end - start:
            pieces.append(new)
            out += len(new)
        else:
            for k in range(len(new)):
                # Characters of an expansion all map to where it started.
                _add(anchors, out + k, start if len(new) > end - start else start + k)
            pieces.append(new)
            out += len(new)
            _add(anchors, out, end)
        done = end
    if done == 0 and not pieces:
        return text, ((0, 0),)
    pieces.append(text[done:])
    return "".join(pieces), tuple(anchors)


def _add(anchors: list[Anchor], dst: int, src: int) -> None:
    """Append an anchor unless the last one already implies it."""
    last_dst, last_src = anchors[-1]
    if last_src + (dst - last_dst) == src:
        return
    if last_dst == dst:
        anchors[-1] = (dst, src)
    else:
        anchors.append((dst, src))
