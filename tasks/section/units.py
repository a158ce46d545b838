"""Units: the lines or markup blocks of a page, and what an editor sees in each at a glance."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tasks.normalise import charsets as cs
from tasks.records import Anchor
from tasks.section.cues import Found, find, words_of

# Hints that markup gives about a unit (plain text gives none).
HINTS = ("", "paragraph", "heading", "strong", "list_item", "caption", "lead", "byline", "tag", "boilerplate")


@dataclass
class Unit:
    """One line of a text page or one block of an HTML page."""

    text: str  # display text, stripped
    anchors: tuple[Anchor, ...]  # offsets in ``text`` -> offsets in ``Normalised.text``
    hint: str = ""  # one of HINTS
    group: int = -1  # list element the item came from (markup), -1 if none
    features: Features = field(init=False)

    def __post_init__(self) -> None:
        self.features = features(self.text)


@dataclass(frozen=True)
class Features:
    words: int  # whitespace-separated words
    chars: int
    found: Found  # cue phrases among the match-form words of the start of the line
    head: Found | None  # cue phrases of a label before ":", "|", "-" ... (``label: text``), if any
    terminal: bool  # ends with a sentence-ending mark (closing quotes ignored)
    last: str  # last character, closing quotes ignored
    inner_stops: int  # sentence ends followed by more text
    commas: int
    double_dots: int  # ".." used as a dash in headlines and tickers
    separators: int  # menu and breadcrumb separators
    arabic: bool  # has an Arabic letter
    digits: bool


_CLOSERS = cs.CLOSING_QUOTES + cs.STRAIGHT_QUOTES
# Patterns start with a character class so that the engine can skip ahead to candidates.
_INNER_STOP = re.compile(
    rf"[.!?{cs.ARABIC_QUESTION_MARK}{cs.ARABIC_SEMICOLON}](?<!\.\.)(?!\.)[{_CLOSERS}]*\s+\S"
)
_SEPARATOR = re.compile(rf"[{cs.char_class(cs.ITEM_SEPARATORS)}]")
_ARABIC = re.compile(f"[{cs.ranges_class(cs.ARABIC_LETTER_RANGES)}]")
_DIGIT = re.compile(r"\d")
_KEY_CHARS = 240  # cues sit at the start of a line; long lines need no more
_LONG = 30  # words: furniture is shorter, so only the start of a longer line is searched for cues
_LABEL_CHARS = ":|-\u2013\u2014\u00bb\u00ab/\u060c"  # EN DASH, EM DASH, GUILLEMETS, ARABIC COMMA
_HEAD = re.compile(rf"^([^{cs.char_class(_LABEL_CHARS)}]{{1,40}}?)\s*[{cs.char_class(_LABEL_CHARS)}]")


def features(text: str) -> Features:
    """Return the features of one unit's text."""
    core = text.rstrip(_CLOSERS + " ")
    last = core[-1:] or text[-1:]
    separators = len(_SEPARATOR.findall(text)) + text.count("::")
    if cs.CLOSING_QUOTES[0] in text and cs.OPENING_QUOTES[0] in text:
        # Guillemets quote here; they are not breadcrumb arrows.
        separators -= text.count(cs.CLOSING_QUOTES[0])
    words = len(text.split())
    key = words_of(text[: _KEY_CHARS if words <= _LONG else _KEY_CHARS // 2])
    head = _HEAD.match(text)
    return Features(
        words=words,
        chars=len(text),
        found=find(key, limit=8 if words > _LONG else None),
        head=find(words_of(head.group(1))) if head else None,
        terminal=bool(last) and last in cs.SENTENCE_ENDERS,
        last=last,
        inner_stops=len(_INNER_STOP.findall(text)),
        commas=sum(text.count(c) for c in cs.COMMAS),
        double_dots=text.count(".."),
        separators=separators,
        arabic=_ARABIC.search(text) is not None,
        digits=_DIGIT.search(text) is not None,
    )
