"""Page furniture: units that are not article text, recognised as an editor would.

Each test looks at one unit's own evidence (cue words, shape, separators); the
page-level decisions (where the article starts and ends, repetition) are made
in ``layout``.
"""

from __future__ import annotations

import re

from khabar.tasks.normalise import charsets as cs
from khabar.tasks.section import cues
from khabar.tasks.section.units import Features, Unit

# Furniture after which the article cannot continue.
BARRIERS = frozenset({"comments", "footer", "copyright"})
# Furniture written as whole sentences, recognised by its phrases anywhere in a unit of up
# to SENTENCE_FURNITURE words: two phrases, or one in a short unit (an article may mention
# cookies or a newsletter once; a banner says it twice).
SENTENCE_FURNITURE = 80
_SENTENCE_KINDS = (("comment_policy", "comments"), ("consent", "consent"), ("newsletter", "newsletter"),
                   ("media_error", "media"))
SENTENCE_CATEGORIES = tuple(c for c, _ in _SENTENCE_KINDS)
# Furniture that sits above the headline: the title is never searched for beyond it.
TOP = frozenset({"ticker", "nav", "masthead", "menu", "related", "widget"}) | BARRIERS

_SEP_CHARS = ":|-\u2013\u2014\u00bb\u00ab/"  # a cue label ends at one of these
_LABEL_SEPARATOR = re.compile(rf"[{cs.char_class(_SEP_CHARS)}()]")
_ITEM_SEPARATOR = re.compile(rf"[{cs.char_class(cs.ITEM_SEPARATORS)}]|::")
_COUNT_LABEL = re.compile(r"^\d+\s")
_PARENTHESISED = re.compile(r"^\(.*\)$|^\[.*\]$")
_CREDIT_END = re.compile(r"\(([^()]{2,40})\)\s*$")
_DATE_FORMAT = re.compile(r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}|\d{1,2}:\d{2}")
_ONLY_DIGITS = re.compile(r"^[\d\s.,:/%\-]+$")
# Bounded (khabar.tasks.bounds): "\S+@" tried at every start of a long run without "@" (900,000
# dots, a "word" of letters and dots) backtracks over the rest of it: quadratic.  An address's
# local part has at most 64 characters, its domain at most 255.
_URL = re.compile(r"https?://|www\.|[^\s@]{1,64}@[^\s@]{1,255}\.\w+")


def labelled(f: Features, category: str) -> bool:
    """Return whether the unit is a ``category`` cue alone or a cue used as a label (``cue: ...``)."""
    return f.found.whole(category) or (f.head is not None and f.head.whole(category))


def kind_of(unit: Unit) -> str | None:
    """Return the kind of furniture ``unit`` is, or None if it may be article text."""
    text, f = unit.text, unit.features
    if unit.hint == "caption":
        return "caption"
    if f.words <= SENTENCE_FURNITURE:
        said = sentence_furniture(f)
        if said:
            return said
    if f.words > 40 or f.running:
        if "\u00a9" in text:  # COPYRIGHT SIGN
            return "copyright"
        return "ticker" if is_ticker(f) else None
    cue = f.found
    if "\u00a9" in text or (f.words <= 20 and cue.contains("copyright")):  # COPYRIGHT SIGN
        return "copyright"
    if f.words <= 12 and cue.starts("copyright_start"):
        return "copyright"
    if f.words <= 25 and not f.terminal and cue.contains("masthead"):
        return "masthead"
    if is_ticker(f):
        return "ticker"
    if f.words <= 12 and not f.terminal:
        # Share bars look like menus; tell them apart first, they may sit under the headline.
        if cue.starts("share") and (f.words <= 6 or labelled(f, "share")):
            return "share"
        if cue.starts("follow") and f.words <= 8:
            return "follow"
    if is_nav(text, f):
        return "nav"
    if not f.terminal and not f.commas and f.words <= 40:
        # Menus copied as one line: they start at "home", or are mostly section names.
        if cue.starts("menu_start"):
            return "nav"
        covered, used = cue.cover("section", "nav", "menu_start")
        if used >= 3 and covered * 5 >= len(cue.words) * 3:
            return "menu"
    if f.words <= 25 and labelled(f, "related"):
        return "related"
    if f.words <= 12 and not f.terminal:
        for category in ("comments", "footer", "nav", "ads"):
            if labelled(f, category):
                return category
        if (_COUNT_LABEL.match(text) and cues.whole(cue.words[1:], "comments")) or (
            f.words <= 3 and cue.starts("comments") and not f.digits
        ):
            return "comments"
        if f.words <= 10 and cue.contains("widget") and (f.digits or "\u00b0" in text or f.words <= 2):
            return "widget"  # DEGREE SIGN: weather boxes
        covered, used = cue.cover("share", "follow", "nav", "footer", "comments")
        if used >= 2 and covered * 5 >= len(cue.words) * 3:
            return "menu"
    if f.words <= 30 and is_caption(text, f):
        return "caption"
    if f.words <= 12 and (not f.arabic or _URL.search(text)) and not _ONLY_DIGITS.match(text):
        if not is_date(text, f):
            return "foreign"
    return None


def sentence_furniture(f: Features) -> str | None:
    """The kind of a banner, box or notice written in sentences (consent, newsletter, player error, comment policy)."""
    if f.says is False:
        return None  # the page's one search found none of the phrases' letters here
    found = f.found if f.covered else f.found_all
    hits = [c for _, _, c in found.hits if c in SENTENCE_CATEGORIES]
    if not hits or (len(hits) == 1 and f.words > 12):
        return None
    category = max(set(hits), key=hits.count)
    return next(kind for c, kind in _SENTENCE_KINDS if c == category)


def is_ticker(f: Features) -> bool:
    """A long run of headlines: no sentence ends, few commas, many dash-like separators."""
    if f.chars < 160 or f.terminal or f.inner_stops > 1:
        return False
    run_together = f.double_dots + f.separators
    if f.words >= 20 and not f.commas and not f.inner_stops and run_together:
        return True  # headlines run together with no sentence punctuation at all
    sparse_commas = f.commas * 120 <= f.chars
    return sparse_commas and (run_together >= 3 or (f.chars >= 400 and f.commas == 0))


def is_nav(text: str, f: Features) -> bool:
    """A menu or breadcrumb: short items between separators, or a line of navigation cues."""
    separators = f.separators
    if separators >= 2 and _DATE_FORMAT.search(text):
        text = _DATE_FORMAT.sub(" ", text)  # the slashes of 15/6/2024 separate no menu items
        separators = len(_ITEM_SEPARATOR.findall(text))
    if separators >= 2 and not f.terminal:
        items = [s for s in _ITEM_SEPARATOR.split(text) if s.strip()]
        if len(items) >= 2 and max(len(s.split()) for s in items) <= 6:
            return sum(len(s.split()) for s in items) <= 3.5 * len(items)
    return f.words <= 12 and f.found.starts("nav") > 0 and separators >= 1


def is_caption(text: str, f: Features) -> bool:
    """A photo caption or credit: a caption cue as label, a parenthesised line, or a trailing credit."""
    if f.terminal and f.words > 6:
        return False
    if labelled(f, "caption") or (f.found.starts("caption") and f.words <= 3):
        return True
    if _PARENTHESISED.match(text) and f.words <= 12:
        return True
    m = _CREDIT_END.search(text)
    return m is not None and f.words <= 25 and cues.whole(cues.words_of(m.group(1)), "agency")


def is_date(text: str, f: Features) -> bool:
    """A dateline or time stamp: mostly numbers, month and weekday names, date words."""
    if f.words > 14 or f.terminal and f.words > 8:
        return False
    if _DATE_FORMAT.search(text) and f.words <= 8:
        return True
    cue = f.found
    if not cue.words:
        return False
    dated = cue.cover("month", "weekday", "date")[0]
    numbers = sum(w.isdigit() for w in cue.words)
    has_anchor = numbers > 0 or cue.contains("month") or cue.contains("weekday")
    return has_anchor and (dated + numbers) * 5 >= len(cue.words) * 3 and dated > 0


def byline_strength(text: str, f: Features) -> int:
    """2 for a byline or source line (``cue: name``, ``city - cue: name``), 1 for a bare cue and a name."""
    if f.words > 12 or (f.terminal and f.words > 6):
        return 0
    segments = _LABEL_SEPARATOR.split(text)
    if any(cues.whole(cues.words_of(s), "byline") for s in segments[:-1]):
        return 2
    if f.words <= 6 and any(cues.whole(cues.words_of(s), "agency") for s in segments[1:]):
        return 2  # a dateline: "city - agency", "city (agency)"
    if f.found.starts("byline") and f.words <= 6:
        return 1
    return 0


def names_source(text: str, f: Features, names: set[cues.Words]) -> bool:
    """A short ``site - writer`` line whose other part is a name seen in the page's masthead."""
    if f.words > 7:
        return False
    segments = [cues.words_of(s) for s in _LABEL_SEPARATOR.split(text)]
    return len(segments) >= 2 and any(s in names for s in segments if s)


def is_tag_line(text: str, f: Features) -> bool:
    """A line of tags or the category label (``cue: a, b``)."""
    return f.words <= 25 and not f.terminal and labelled(f, "tags")
