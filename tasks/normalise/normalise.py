"""Display and matching forms of Arabic text (first version)."""

from __future__ import annotations

from camel_tools.utils.dediac import dediac_ar
from camel_tools.utils.normalize import (
    normalize_alef_ar,
    normalize_alef_maksura_ar,
    normalize_teh_marbuta_ar,
)

from tasks.records import Anchor, Article, Normalised

VERSION = "0"

_TATWEEL = "\u0640"
_INVISIBLE = set("\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u00ad")
_ARABIC_INDIC = {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}


def normalise(article: Article, *, latin_digits: bool = True) -> Normalised:
    """Return the display form of the article's content and its alignment to the raw input."""
    out: list[str] = []
    anchors: list[Anchor] = [(0, 0)]
    last_space = False
    for i, ch in enumerate(article.content):
        if ch == _TATWEEL or ch in _INVISIBLE or (ch in " \t" and last_space):
            anchors.append((len(out), i + 1))
            continue
        if latin_digits:
            ch = _ARABIC_INDIC.get(ch, ch)
        last_space = ch in " \t"
        out.append(" " if ch == "\t" else ch)
    return Normalised(kind=article.kind, text="".join(out), to_raw=tuple(anchors))


def match_form(word: str) -> str:
    """Return the form used to compare words: no diacritics, unified alef, yeh and teh marbuta."""
    return normalize_teh_marbuta_ar(normalize_alef_maksura_ar(normalize_alef_ar(dediac_ar(word))))
