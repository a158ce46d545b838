"""Character references in HTML that hide text noise.

Pages write no-break spaces, bidi marks and digits as references (``&nbsp;``,
``&#x200f;``, ``&#1633;``).  Decoding them before cleaning lets the normalised
HTML be as clean as normalised text, while the references that carry markup
(``&lt;``, ``&amp;``, quotes) stay, so the HTML still parses to the same tree.
"""

from __future__ import annotations

import html
import re

from khabar.tasks.normalise.rewrite import rewrite
from khabar.tasks.records import Anchor

# Only terminated references: unterminated legacy ones (``&copy`` in a URL query) are left alone.
_REFERENCE = re.compile(r"&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{1,31});")
_MARKUP = frozenset("<>&\"'")


def _decode(m: re.Match[str]) -> str | None:
    decoded = html.unescape(m.group())
    if decoded == m.group() or any(c in _MARKUP for c in decoded):
        return None
    return decoded


def decode_references(page: str) -> tuple[str, tuple[Anchor, ...]]:
    """Return ``page`` with every non-markup character reference decoded, and the alignment back."""
    if "&" not in page:
        return page, ((0, 0),)
    return rewrite(page, _REFERENCE, _decode)
