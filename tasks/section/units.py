"""Units: the lines or markup blocks of a page, and what an editor sees in each at a glance."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from khabar.tasks.normalise import charsets as cs
from khabar.tasks.records import Anchor
from khabar.tasks.section.cues import Found, find, words_of

# Hints that markup gives about a unit (plain text gives none); blocks that markup shows
# to be furniture ("boilerplate") never become units.
HINTS = (
    "", "paragraph", "heading", "strong", "list_item", "caption", "pull_quote", "lead", "byline", "tag", "boilerplate",
)


@dataclass
class Unit:
    """One line of a text page or one block of an HTML page."""

    text: str  # display text, stripped
    anchors: tuple[Anchor, ...]  # offsets in ``text`` -> offsets in ``Normalised.text``
    hint: str = ""  # one of HINTS
    group: int = -1  # list element the item came from (markup), -1 if none
    features: Features = field(init=False)

    def __post_init__(self) -> None:
        self.features = Features(self.text)

    def sliced(self, start: int) -> Unit:
        """The unit without its first ``start`` characters (a marker), its offsets kept exact."""
        if start <= 0:
            return self
        anchors = [(local - start, src) for local, src in self.anchors if local >= start]
        before = [(local, src) for local, src in self.anchors if local < start]
        if before and (not anchors or anchors[0][0] > 0):
            local, src = before[-1]
            anchors.insert(0, (0, src + start - local))
        return Unit(self.text[start:], tuple(anchors), self.hint, self.group)


class Features:
    """What an editor sees in a unit at a glance; the cue words are looked up when first asked for."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.words = len(text.split())  # whitespace-separated words
        self.chars = len(text)
        core = text.rstrip(_CLOSERS + " ")
        self.last = core[-1:] or text[-1:]  # last character, closing quotes ignored
        self.terminal = bool(self.last) and self.last in cs.SENTENCE_ENDERS
        self.inner_stops = len(_INNER_STOP.findall(text))  # sentence ends followed by more text
        self.commas = sum(text.count(c) for c in cs.COMMAS)
        self.double_dots = text.count("..")  # ".." used as a dash in headlines and tickers
        separators = len(_SEPARATOR.findall(text)) + text.count("::")
        if cs.CLOSING_QUOTES[0] in text and cs.OPENING_QUOTES[0] in text:
            separators -= text.count(cs.CLOSING_QUOTES[0])  # guillemets quote here, not breadcrumb arrows
        self.separators = separators  # menu and breadcrumb separators
        self.arabic = _ARABIC.search(text) is not None  # has an Arabic letter
        self.digits = _DIGIT.search(text) is not None
        # Running text: long, punctuated.  Page furniture is never like this, so most cue
        # lookups can be skipped for it.
        self.running = self.words >= 15 and self.terminal and bool(self.commas or self.inner_stops)
        # Whether the unit may hold a phrase of furniture written in sentences (consent, newsletter ...):
        # set for all the units of a page by one search (``cues.mentioning``); None: not known.
        self.says: bool | None = None

    @cached_property
    def found(self) -> Found:
        """Cue phrases among the match-form words of the start of the line."""
        long = self.words > _LONG
        key = words_of(self.text[: _KEY_CHARS // 2 if long else _KEY_CHARS])
        return find(key, limit=8 if long else None)

    @property
    def covered(self) -> bool:
        """Whether ``found`` looked at the whole unit (a short one), so ``found_all`` would add nothing."""
        return self.words <= _LONG and self.chars <= _KEY_CHARS

    @cached_property
    def found_all(self) -> Found:
        """Cue phrases anywhere in the unit (asked only of units of up to ``SENTENCE_FURNITURE`` words)."""
        return find(words_of(self.text))

    @cached_property
    def head(self) -> Found | None:
        """Cue phrases of a label before ":", "|", "-" ... (``label: text``), if there is one."""
        m = _HEAD.match(self.text)
        if m is None or (m.group(2) == cs.ARABIC_COMMA and self.words > 12):
            return None  # in running text a comma ends a clause, not a label
        return find(words_of(m.group(1)))


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
_HEAD = re.compile(rf"^([^{cs.char_class(_LABEL_CHARS)}]{{1,40}}?)\s*([{cs.char_class(_LABEL_CHARS)}])")
