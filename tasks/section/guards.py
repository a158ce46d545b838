"""Input the section stage refuses, with an input reason rather than a crash or an empty document.

- ``check_depth``: HTML nested deeper than any page (``too_deep``), judged before parsing:
  the parser walks its stack of open elements at every tag, so 80,000 nested elements take
  it half a minute in C, and the reading that follows recurses once per level.
- ``require_text`` (asked by the pipeline after the stage): a page in which the stage found no
  Arabic word (``no_text``), or whose only "words" are longer than any real word
  (``word_too_long``).  A valid article never ends ``done`` with empty text.
"""

from __future__ import annotations

import re
from collections import Counter

from khabar.tasks.bounds import MAX_DEPTH, MAX_WORD
from khabar.tasks.errors import InvalidArticle, Reason
from khabar.tasks.normalise import charsets as cs
from khabar.tasks.records import Sectioned

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
# Elements that never hold others, and those whose end tag may be left out (the parser
# closes them when the next one opens): neither makes a page deeper.
_FLAT = frozenset(
    "area base br col embed hr img input keygen link meta param source track wbr "
    "p li dt dd tr td th option optgroup thead tbody tfoot colgroup caption rb rt rtc rp "
    "html head body".split()
)
_WORD = re.compile(r"\w+")
_ARABIC = re.compile(f"[{cs.ranges_class(cs.ARABIC_LETTER_RANGES)}]")
_LONG_WORD = re.compile(rf"\w{{{MAX_WORD + 1}}}")


def nesting_depth(page: str) -> int:
    """Return the most elements a page holds open at once, as its tags count them.

    An estimate, made in one pass without parsing: an end tag closes one element of its
    name if one is open, else nothing; elements that cannot nest (above) are not counted.
    It is above the parser's depth where a page leaves elements unclosed, never far below.
    """
    open_by_name: Counter[str] = Counter()
    depth = deepest = 0
    for closing, name in _TAG.findall(page):
        name = name.lower()
        if name in _FLAT:
            continue
        if not closing:
            open_by_name[name] += 1
            depth += 1
            deepest = max(deepest, depth)
        elif open_by_name[name]:
            open_by_name[name] -= 1
            depth -= 1
    return deepest


def check_depth(page: str) -> None:
    """Raise InvalidArticle (``too_deep``) if the page nests more than ``MAX_DEPTH`` elements."""
    if page.count("<") <= MAX_DEPTH:
        return  # the usual page is decided without a scan
    depth = nesting_depth(page)
    if depth > MAX_DEPTH:
        raise InvalidArticle(
            Reason.TOO_DEEP, f"the HTML nests {depth:,} elements deep; no page needs more than {MAX_DEPTH:,}"
        )


def too_deep(exc: RecursionError) -> InvalidArticle:
    """The input error for a page deep enough to exhaust the stack while it was read."""
    return InvalidArticle(Reason.TOO_DEEP, f"the HTML is nested too deeply to read ({exc})")


def require_text(sectioned: Sectioned) -> Sectioned:
    """Return ``sectioned``, or raise InvalidArticle unless its text holds an Arabic word of a real word's length.

    ``word_too_long`` when the only candidates were longer than ``MAX_WORD`` characters
    (in the text or in what was removed as furniture), ``no_text`` otherwise.
    """
    for m in _WORD.finditer(sectioned.text):
        if m.end() - m.start() <= MAX_WORD and _ARABIC.search(m.group()):
            return sectioned
    if any(_LONG_WORD.search(t) for t in (sectioned.text, *sectioned.boilerplate)):
        raise InvalidArticle(
            Reason.WORD_TOO_LONG,
            f"the article's only words are longer than {MAX_WORD} characters: no real word is",
        )
    raise InvalidArticle(
        Reason.NO_TEXT,
        f"no readable Arabic text once scripts, markup and page furniture are set aside "
        f"({len(sectioned.text):,} characters of text, {len(sectioned.boilerplate):,} pieces of furniture)",
    )
