"""Content terms of Arabic text, for matching sentences with each other.

A term is a word in its matching form (``khabar.tasks.normalise.match_form``), not a stop
word, lightly stemmed so that ``الأسواق`` and ``أسواق`` or ``الحكومة`` and ``حكومتها``
meet.  The stemmer strips the conjunction, the article and common suffixes in the
manner of Larkey's Light10: good enough for matching, never shown to a reader.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from khabar.tasks.normalise import match_form

_WAW = "\u0648"  # conjunction "and", attached
_FEH = "\u0641"  # conjunction "so", attached
# Definite article with the prepositions that fuse with it, longest first
# (match forms: wa-al, fa-al, bi-al, ka-al, li-al, al).
_ARTICLES = (
    "\u0648\u0627\u0644",
    "\u0641\u0627\u0644",
    "\u0628\u0627\u0644",
    "\u0643\u0627\u0644",
    "\u0644\u0644",
    "\u0627\u0644",
)
# Attached pronouns, longest first: -huma, -hum, -hunna, -kum, -na, -ha.  Before
# one of them teh marbuta is written teh (hukumatuha), so teh is made heh again.
_PRONOUNS = (
    "\u0647\u0645\u0627",
    "\u0647\u0645",
    "\u0647\u0646",
    "\u0643\u0645",
    "\u0646\u0627",
    "\u0647\u0627",
)
_TEH = "\u062a"
_HEH = "\u0647"
# Suffixes in Light10's order, in match forms (teh marbuta is already heh, alef
# maksura already yeh): -an, -at, -un, -in, -iya, -h, -y.
_SUFFIXES = (
    "\u0627\u0646",
    "\u0627\u062a",
    "\u0648\u0646",
    "\u064a\u0646",
    "\u064a\u0647",
    "\u0647",
    "\u064a",
)
# Prepositions that attach to a following word: bi, li, ka.
_ATTACHED = ("\u0628", "\u0644", "\u0643")


def _load_stop_words() -> frozenset[str]:
    text = resources.files("khabar.tasks.summarise").joinpath("stopwords_ar.txt").read_text(encoding="utf-8")
    words = (ln.strip() for ln in text.splitlines())
    return frozenset(match_form(w) for w in words if w and not w.startswith("#"))


STOP_WORDS: frozenset[str] = _load_stop_words()


def is_word(token: str) -> bool:
    """Return True for a token that holds a letter or digit (not a punctuation mark)."""
    return any(ch.isalnum() for ch in token)


def is_stop(form: str) -> bool:
    """Return True if a word in matching form carries no topic.

    Words of one letter, stop words, and stop words with an attached conjunction
    or preposition (``وفي``, ``بذلك``) are stop words.
    """
    if len(form) < 2 or form in STOP_WORDS:
        return True
    first, rest = form[0], form[1:]
    if first in (_WAW, _FEH):
        if rest in STOP_WORDS:
            return True
        if len(rest) > 1 and rest[0] in _ATTACHED and rest[1:] in STOP_WORDS:
            return True
    return first in _ATTACHED and rest in STOP_WORDS


@lru_cache(maxsize=65536)
def stem(form: str) -> str:
    """Return the light stem of a word in matching form (Light10-style)."""
    w = form
    if len(w) > 3 and w[0] == _WAW:
        w = w[1:]
    for prefix in _ARTICLES:
        if w.startswith(prefix) and len(w) - len(prefix) >= 2:
            w = w[len(prefix) :]
            break
    for suffix in _PRONOUNS:
        if w.endswith(suffix) and len(w) > len(suffix) + 2:
            w = w[: -len(suffix)]
            if w.endswith(_TEH) and len(w) > 3:
                w = w[:-1] + _HEH
            break
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) > len(suffix) + 1:
            w = w[: -len(suffix)]
    return w


@lru_cache(maxsize=65536)
def word_form(token: str) -> str:
    """Return the matching form of a word token, lower-cased for Latin script."""
    return match_form(token).lower()


@lru_cache(maxsize=65536)
def classify(token: str) -> tuple[bool, str | None, str | None]:
    """Return whether a token is a word and, for a content word, its matching form and stem."""
    if not is_word(token):
        return False, None, None
    form = word_form(token)
    if is_stop(form):
        return True, None, None
    return True, form, stem(form)
