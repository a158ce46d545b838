"""The display form of text: what a reader needs, without invisible and presentation noise.

``clean(text)`` keeps letters, hamza, teh marbuta and diacritics; it removes
tatweel, zero-width, bidi and control characters, folds Arabic presentation
forms to base letters, composes decomposed letters (NFC), turns odd spaces and
line breaks into one space or LF, collapses runs of spaces, trims spaces at line
ends and, if asked, writes Arabic-Indic digits as Latin digits.  It is
idempotent and never raises on a ``str``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from camel_tools.utils.normalize import normalize_unicode

from khabar.tasks.normalise import charsets as cs
from khabar.tasks.normalise.rewrite import rewrite
from khabar.tasks.offsets import compose
from khabar.tasks.records import Anchor


def _presentation_forms() -> dict[str, str]:
    """Map each Arabic presentation form to its base letters (CAMeL's NFKC, noise removed)."""
    noise = str.maketrans("", "", cs.INVISIBLE)
    table: dict[str, str] = {}
    for lo, hi in cs.PRESENTATION_FORM_RANGES:
        for code in range(lo, hi + 1):
            ch = chr(code)
            folded = normalize_unicode(ch)
            if folded == ch:
                continue
            # Isolated and medial forms of harakat fold to a space or tatweel plus the mark:
            # keep only the mark, so that folding cannot create doubled spaces.
            table[ch] = folded.translate(noise).strip(" ")
    return table


_FORMS = _presentation_forms()


@cache
def _one_to_one(latin_digits: bool) -> dict[str, str]:
    """Return the replacements that keep the length (so their offsets need no anchors)."""
    table = {c: " " for c in cs.ODD_SPACES}
    table.update({c: "\n" for c in cs.LINE_BREAKS})
    table.update(
        {chr(code): cs.REPLACEMENT_CHARACTER for code in range(cs.SURROGATES[0], cs.SURROGATES[1] + 1)}
    )
    table.update({k: v for k, v in _FORMS.items() if len(v) == 1})
    if latin_digits:
        for digits in (cs.ARABIC_INDIC_DIGITS, cs.EXTENDED_ARABIC_INDIC_DIGITS):
            table.update({d: str(i) for i, d in enumerate(digits)})
        table[cs.ARABIC_PERCENT_SIGN] = "%"
        table[cs.ARABIC_DECIMAL_SEPARATOR] = "."
        table[cs.ARABIC_THOUSANDS_SEPARATOR] = ","
    return table


# A coarse class of every character ``_one_to_one`` may replace: a short class of
# ranges scans many times faster than an exact class of hundreds of characters.
_MAPPED = re.compile(
    "["
    + cs.char_class(cs.ODD_SPACES + cs.LINE_BREAKS + cs.ARABIC_INDIC_DIGITS + cs.EXTENDED_ARABIC_INDIC_DIGITS)
    + cs.char_class(cs.ARABIC_PERCENT_SIGN + cs.ARABIC_DECIMAL_SEPARATOR + cs.ARABIC_THOUSANDS_SEPARATOR)
    + cs.ranges_class(cs.PRESENTATION_FORM_RANGES + (cs.SURROGATES,))
    + "]"
)


def _map_chars(text: str, latin_digits: bool) -> str:
    table = _one_to_one(latin_digits)
    if _MAPPED.search(text) is None:
        return text
    return _MAPPED.sub(lambda m: table.get(m.group(), m.group()), text)


_EXPANSIONS = {k: v for k, v in _FORMS.items() if len(v) != 1}
_D = cs.char_class(cs.INVISIBLE)  # deleted characters
_X = cs.char_class("".join(_EXPANSIONS))
# Runs of two or more spaces, line breaks and invisible characters, single invisible
# characters and presentation forms that fold to several letters.  Plain character
# classes: an alternation tried at every position scans four times slower.
_NOISE = re.compile(rf"[ \n\r{_D}][ \n\r{_D}]+|[\r{_D}{_X}]")
_SUSPECT = re.compile(rf"[\r{_D}{_X}]")
# Every character any step may change, as one class: most text is scanned once.
_ANYTHING = re.compile(_MAPPED.pattern[:-1] + rf"\r{_D}]")
# Markup keeps its layout: whitespace between tags means nothing and is left as it is.
_MARKUP_NOISE = re.compile(rf"[{_D}]|[{_X}]")
_WORD = re.compile(r"\S+")


def _space_noise(text: str) -> bool:
    if not text:
        return False
    return text[0] == " " or text[-1] == " " or "  " in text or " \n" in text or "\n " in text


def _replace(m: re.Match[str]) -> str:
    """A run of filler becomes its line breaks, else one space between words, else nothing."""
    s = m.group()
    if s in _EXPANSIONS:
        return _EXPANSIONS[s]
    breaks = s.count("\n") + s.count("\r") - s.count("\r\n")
    if breaks:
        return "\n" * breaks
    if " " in s and m.start() > 0 and m.end() < len(m.string):
        return " "
    return ""


def _strip_spaces(text: str, anchors: tuple[Anchor, ...]) -> tuple[str, tuple[Anchor, ...]]:
    """Drop a single space left at either end (longer runs are ``_NOISE``)."""
    lead = len(text) - len(text.lstrip(" "))
    stripped = text.strip(" ")
    if len(stripped) == len(text):
        return text, anchors
    return stripped, compose(((0, lead),), anchors)


def _compose_words(m: re.Match[str]) -> str:
    return unicodedata.normalize("NFC", m.group())


def clean(text: str, *, latin_digits: bool = True, markup: bool = False) -> tuple[str, tuple[Anchor, ...]]:
    """Return the display form of ``text`` and its alignment back to ``text``.

    With ``markup`` (HTML), spaces and line breaks are left for the HTML parser.
    """
    if _ANYTHING.search(text) is None and (markup or not _space_noise(text)):
        return _compose(text, ((0, 0),))  # the usual case: one scan and nothing to do
    # Length-preserving replacements first: their offsets need no anchors.
    mapped = _map_chars(text, latin_digits)
    if markup and _SUSPECT.search(mapped):
        out, anchors = rewrite(mapped, _MARKUP_NOISE, _replace)
    elif not markup and (_space_noise(mapped) or _SUSPECT.search(mapped)):
        out, anchors = _strip_spaces(*rewrite(mapped, _NOISE, _replace))
    else:
        out, anchors = mapped, ((0, 0),)
    return _compose(out, anchors)


def _compose(out: str, anchors: tuple[Anchor, ...]) -> tuple[str, tuple[Anchor, ...]]:
    if not unicodedata.is_normalized("NFC", out):
        # Rare (decomposed hamza, unordered marks): compose word by word, which is exact
        # because nothing composes across whitespace.
        composed, inner = rewrite(out, _WORD, _compose_words)
        out, anchors = composed, compose(inner, anchors)
    return out, anchors
