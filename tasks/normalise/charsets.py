"""Named character sets used by normalisation and by the section stage.

Code points are written as escapes with their Unicode names, never as glyphs, so
that right-to-left text cannot reorder what a reader sees in the source.
"""

from __future__ import annotations

# --- Invisible and presentation noise: removed from the display text. ---
TATWEEL = "\u0640"  # ARABIC TATWEEL (kashida): stretches a word, carries no letter
ZERO_WIDTH = (
    "\u200b"  # ZERO WIDTH SPACE
    "\u200c"  # ZERO WIDTH NON-JOINER
    "\u200d"  # ZERO WIDTH JOINER
    "\u2060"  # WORD JOINER
    "\ufeff"  # ZERO WIDTH NO-BREAK SPACE (byte-order mark)
)
BIDI_MARKS = (
    "\u061c"  # ARABIC LETTER MARK
    "\u200e"  # LEFT-TO-RIGHT MARK
    "\u200f"  # RIGHT-TO-LEFT MARK
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
)
SOFT_HYPHEN = "\u00ad"
OTHER_INVISIBLE = (
    "\u034f"  # COMBINING GRAPHEME JOINER
    "\u180e"  # MONGOLIAN VOWEL SEPARATOR (formerly a space)
    "\u2061\u2062\u2063\u2064"  # invisible mathematical operators
    "\u206a\u206b\u206c\u206d\u206e\u206f"  # deprecated shaping controls
    "\ufff9\ufffa\ufffb"  # interlinear annotation marks
)
# C0 controls except TAB, LF, CR; DEL; C1 controls except NEXT LINE (U+0085).
CONTROLS = (
    "".join(chr(c) for c in range(0x00, 0x20) if c not in (0x09, 0x0A, 0x0B, 0x0C, 0x0D))
    + "\u007f"
    + "".join(chr(c) for c in range(0x80, 0xA0) if c != 0x85)
)
INVISIBLE = TATWEEL + ZERO_WIDTH + BIDI_MARKS + SOFT_HYPHEN + OTHER_INVISIBLE + CONTROLS

# Spaces that become one ASCII space.
ODD_SPACES = (
    "\t"
    "\u00a0"  # NO-BREAK SPACE
    "\u1680"  # OGHAM SPACE MARK
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"  # EN QUAD .. HAIR SPACE
    "\u202f"  # NARROW NO-BREAK SPACE
    "\u205f"  # MEDIUM MATHEMATICAL SPACE
    "\u3000"  # IDEOGRAPHIC SPACE
)
# Line breaks that become LF (CR and CR LF are handled as a pair).
LINE_BREAKS = (
    "\u000b"  # LINE TABULATION
    "\u000c"  # FORM FEED
    "\u0085"  # NEXT LINE
    "\u2028"  # LINE SEPARATOR
    "\u2029"  # PARAGRAPH SEPARATOR
)

# --- Digits and number punctuation. ---
ARABIC_INDIC_DIGITS = "".join(chr(0x0660 + i) for i in range(10))  # U+0660..U+0669
EXTENDED_ARABIC_INDIC_DIGITS = "".join(chr(0x06F0 + i) for i in range(10))  # U+06F0..U+06F9 (Persian, Urdu)
ARABIC_PERCENT_SIGN = "\u066a"
ARABIC_DECIMAL_SEPARATOR = "\u066b"
ARABIC_THOUSANDS_SEPARATOR = "\u066c"

# --- Ranges whose compatibility forms are folded to base letters. ---
PRESENTATION_FORM_RANGES = (
    (0xFB50, 0xFDFF),  # ARABIC PRESENTATION FORMS-A
    (0xFE70, 0xFEFF),  # ARABIC PRESENTATION FORMS-B
    (0x1EE00, 0x1EEFF),  # ARABIC MATHEMATICAL ALPHABETIC SYMBOLS
)
SURROGATES = (0xD800, 0xDFFF)  # lone surrogates cannot be encoded; they become U+FFFD
REPLACEMENT_CHARACTER = "\ufffd"

# --- Letters. ---
ARABIC_LETTER_RANGES = (
    (0x0620, 0x063F),  # HAMZA .. GHAIN and extensions
    (0x0641, 0x064A),  # FEH .. YEH
    (0x066E, 0x06D3),  # extended letters (Persian, Urdu, ...)
    (0x06D5, 0x06D5),  # AE
    (0x06FA, 0x06FF),
    (0x0750, 0x077F),  # ARABIC SUPPLEMENT
    (0x08A0, 0x08C9),  # ARABIC EXTENDED-A letters
)

# --- Punctuation. ---
ARABIC_COMMA = "\u060c"
ARABIC_SEMICOLON = "\u061b"
ARABIC_QUESTION_MARK = "\u061f"
ARABIC_FULL_STOP = "\u06d4"
ELLIPSIS = "\u2026"
# Marks that end a sentence; the Arabic semicolon ends a clause that stands alone.
SENTENCE_ENDERS = "." + "!" + "?" + ARABIC_QUESTION_MARK + ARABIC_SEMICOLON + ARABIC_FULL_STOP + ELLIPSIS
COMMAS = "," + ARABIC_COMMA
OPENING_QUOTES = (
    "\u00ab"  # LEFT-POINTING DOUBLE ANGLE QUOTATION MARK
    "\u201c"  # LEFT DOUBLE QUOTATION MARK
    "\u2018"  # LEFT SINGLE QUOTATION MARK
    "\u201e"  # DOUBLE LOW-9 QUOTATION MARK
    "("
    "["
)
CLOSING_QUOTES = (
    "\u00bb"  # RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK
    "\u201d"  # RIGHT DOUBLE QUOTATION MARK
    "\u2019"  # RIGHT SINGLE QUOTATION MARK
    ")"
    "]"
)
STRAIGHT_QUOTES = "\"'"
# Separators between items of menus, breadcrumbs and headline tickers.
ITEM_SEPARATORS = (
    "|"
    "\u00a6"  # BROKEN BAR
    ">"
    "\u00bb"  # RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK (breadcrumbs)
    "\u203a"  # SINGLE RIGHT-POINTING ANGLE QUOTATION MARK
    "\u2022"  # BULLET
    "\u00b7"  # MIDDLE DOT
    "\u25cf"  # BLACK CIRCLE
    "\u25a0"  # BLACK SQUARE
    "\u25c4"  # BLACK LEFT-POINTING POINTER
    "\u25ba"  # BLACK RIGHT-POINTING POINTER
    "/"
)
# Markers that open a list item.
BULLETS = (
    "-"
    "\u2013"  # EN DASH
    "\u2014"  # EM DASH
    "*"
    "\u2022"  # BULLET
    "\u00b7"  # MIDDLE DOT
    "\u25aa"  # BLACK SMALL SQUARE
    "\u25cf"  # BLACK CIRCLE
    "\u25a0"  # BLACK SQUARE
    "\u25c6"  # BLACK DIAMOND
    "\u25c4"  # BLACK LEFT-POINTING POINTER
    "\u2713"  # CHECK MARK
    "\u2714"  # HEAVY CHECK MARK
    "\u27a2"  # THREE-D TOP-LIGHTED RIGHTWARDS ARROWHEAD
)


def char_class(chars: str) -> str:
    """Return a regular-expression character class body matching ``chars``."""
    return "".join("\\" + c if c in "\\]^-[" else c for c in dict.fromkeys(chars))


def ranges_class(ranges: tuple[tuple[int, int], ...]) -> str:
    """Return a regular-expression character class body for inclusive code-point ranges."""
    return "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)
