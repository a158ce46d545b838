"""The display form of text: what a reader needs, without invisible and presentation noise.

``clean(text)`` keeps letters, hamza, teh marbuta and diacritics; it removes
tatweel, zero-width, bidi and control characters, folds Arabic presentation
forms to base letters, composes decomposed letters (NFC), turns odd spaces and
line breaks into one space or LF, collapses runs of spaces, trims spaces at line
ends and, if asked, writes Arabic-Indic digits as Latin digits.  It is
idempotent and never raises on a ``str``.

Two bounds of ``khabar.tasks.bounds`` apply before composing, and ``clean_bounded`` says when
they cut something: a run of combining marks longer than ``MAX_MARKS`` (NFC sorts a run in
quadratic time, in C, deaf to the soft time limit) and a run of punctuation marks and symbols
longer than ``MAX_SYMBOL_RUN`` (each is a token, and long runs make regexes backtrack).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from camel_tools.utils.normalize import normalize_unicode

from khabar.tasks import bounds
from khabar.tasks.normalise import charsets as cs
from khabar.tasks.normalise.rewrite import rewrite
from khabar.tasks.offsets import compose
from khabar.tasks.records import Anchor, Cap


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


def _ranges_of(chars: list[int]) -> tuple[tuple[int, int], ...]:
    out: list[list[int]] = []
    for code in chars:
        if out and out[-1][1] == code - 1:
            out[-1][1] = code
        else:
            out.append([code, code])
    return tuple((lo, hi) for lo, hi in out)


# Code points up to the end of the Supplementary Ideographic Plane: every combining mark and
# every punctuation mark or symbol a page can hold (beyond are tags and private use).
_CODES = range(0x30000)
# Marks that NFC reorders (a non-zero combining class): runs of them are what it sorts.
_COMBINING = [c for c in _CODES if unicodedata.combining(chr(c))]
_SYMBOLS = [c for c in _CODES if unicodedata.category(chr(c))[0] in "PS"]
_TAG_CHARS = "<>&\"'"  # in markup, not counted: cutting them would change the tree


def _run_patterns(codes: list[int], limit: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Return (for text within the Basic Multilingual Plane, for any text): runs longer than ``limit``.

    A class of BMP ranges compiles to a bitmap and scans a megabyte in ~20 ms; with the astral
    ranges added it scans ten times slower, so it is kept for text that has an astral character.
    """
    bmp = cs.ranges_class(_ranges_of([c for c in codes if c <= 0xFFFF]))
    astral = cs.ranges_class(_ranges_of([c for c in codes if c > 0xFFFF]))
    quantity = f"{{{limit + 1},}}"
    return re.compile(f"[{bmp}]{quantity}"), re.compile(f"[{bmp}{astral}]{quantity}")


_MARK_RUNS = _run_patterns(_COMBINING, bounds.MAX_MARKS)
_SYMBOL_RUNS = _run_patterns(_SYMBOLS, bounds.MAX_SYMBOL_RUN)
_MARKUP_SYMBOL_RUNS = _run_patterns([c for c in _SYMBOLS if chr(c) not in _TAG_CHARS], bounds.MAX_SYMBOL_RUN)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _cut_runs(
    text: str, anchors: tuple[Anchor, ...], runs: re.Pattern[str], limit: int, name: str, caps: list[Cap]
) -> tuple[str, tuple[Anchor, ...]]:
    """Cut every run ``runs`` finds to its first ``limit`` characters; record the cap if one was cut."""
    if runs.search(text) is None:
        return text, anchors
    longest = 0

    def cut(m: re.Match[str]) -> str:
        nonlocal longest
        longest = max(longest, m.end() - m.start())
        return m.group()[:limit]

    out, inner = rewrite(text, runs, cut)
    caps.append(Cap(name, limit, longest))
    return out, compose(inner, anchors)


def clean(text: str, *, latin_digits: bool = True, markup: bool = False) -> tuple[str, tuple[Anchor, ...]]:
    """Return the display form of ``text`` and its alignment back to ``text``.

    With ``markup`` (HTML), spaces and line breaks are left for the HTML parser.
    """
    out, anchors, _ = clean_bounded(text, latin_digits=latin_digits, markup=markup)
    return out, anchors


def clean_bounded(
    text: str, *, latin_digits: bool = True, markup: bool = False
) -> tuple[str, tuple[Anchor, ...], tuple[Cap, ...]]:
    """Return ``clean``'s display form and alignment, and the bounds that cut something (usually none)."""
    anchors: tuple[Anchor, ...]
    if _ANYTHING.search(text) is None and (markup or not _space_noise(text)):
        out, anchors = text, ((0, 0),)  # the usual case: one scan and nothing to do
    else:
        # Length-preserving replacements first: their offsets need no anchors.
        mapped = _map_chars(text, latin_digits)
        if markup and _SUSPECT.search(mapped):
            out, anchors = rewrite(mapped, _MARKUP_NOISE, _replace)
        elif not markup and (_space_noise(mapped) or _SUSPECT.search(mapped)):
            out, anchors = _strip_spaces(*rewrite(mapped, _NOISE, _replace))
        else:
            out, anchors = mapped, ((0, 0),)
    # After folding (presentation forms fold to marks and punctuation), before composing.
    caps: list[Cap] = []
    which = 1 if _ASTRAL.search(out) else 0
    out, anchors = _cut_runs(out, anchors, _MARK_RUNS[which], bounds.MAX_MARKS, "marks_per_letter", caps)
    symbols = (_MARKUP_SYMBOL_RUNS if markup else _SYMBOL_RUNS)[which]
    out, anchors = _cut_runs(out, anchors, symbols, bounds.MAX_SYMBOL_RUN, "symbol_run", caps)
    out, anchors = _compose(out, anchors)
    return out, anchors, tuple(caps)


def _compose(out: str, anchors: tuple[Anchor, ...]) -> tuple[str, tuple[Anchor, ...]]:
    if not unicodedata.is_normalized("NFC", out):
        # Rare (decomposed hamza, unordered marks): compose word by word, which is exact
        # because nothing composes across whitespace.
        composed, inner = rewrite(out, _WORD, _compose_words)
        out, anchors = composed, compose(inner, anchors)
    return out, anchors
