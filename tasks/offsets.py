"""Offset alignment between a derived text and its source.

An alignment is a sorted tuple of anchors ``(derived_offset, source_offset)``.
It is compact (one anchor per edit, not per character) and composes, so
``Sectioned.text`` offsets can be followed back through ``Normalised.text``
to the raw input a person pasted.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from khabar.tasks.records import Anchor


def map_offset(anchors: Sequence[Anchor], offset: int) -> int:
    """Return the source offset for ``offset`` in the derived text."""
    if not anchors:
        return offset
    i = bisect_right(anchors, (offset, float("inf"))) - 1
    if i < 0:
        return offset
    dst, src = anchors[i]
    return src + (offset - dst)


def compose(outer: Sequence[Anchor], inner: Sequence[Anchor]) -> tuple[Anchor, ...]:
    """Alignment from the outer derived text straight to the inner source.

    ``outer`` maps text C -> B, ``inner`` maps B -> A; the result maps C -> A.
    """
    points = {dst for dst, _ in outer}
    # Every place where the inner alignment jumps must become an anchor too.
    inverse = sorted((src, dst) for dst, src in outer)
    for b_off, _ in inner:
        j = bisect_right(inverse, (b_off, float("inf"))) - 1
        if j >= 0:
            b_src, c_dst = inverse[j]
            points.add(c_dst + (b_off - b_src))
    return tuple(sorted((c, map_offset(inner, map_offset(outer, c))) for c in points))
