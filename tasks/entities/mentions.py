"""From per-token IOB2 labels to mentions: spans in ``Sectioned.text`` with clitics left out.

A recogniser labels ANERcorp-style tokens, whose proclitics stay attached (``wa-Washington``
is one token labelled B-LOC).  A mention must cover the name only, so that
``Mention.text == text[start:end]`` highlights the name and mentions of one name compare equal.
Stripping is the hard part: many names begin with a clitic letter (Washington, Putin,
London, France, Canada), so a letter is only cut when the article shows it is a clitic.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from functools import lru_cache

from tasks.normalise import match_form
from tasks.records import ENTITY_TYPES, Mention

_ALEF = "\u0627"
_LAM = "\u0644"
_ARTICLE = _ALEF + _LAM  # al-
_WAW = "\u0648"  # wa- "and"
_FEH = "\u0641"  # fa- "so"
_BEH = "\u0628"  # bi- "in, with"
_KAF = "\u0643"  # ka- "like"
_CONJUNCTIONS = (_WAW, _FEH)
_PREPOSITIONS = (_BEH, _LAM, _KAF)
PROCLITIC_LETTERS = frozenset(_CONJUNCTIONS + _PREPOSITIONS)

# Clitic runs cut before al- even when the article gives no other evidence: "and the ...", "in the ...".
# Not ka-/fa- before al-: California, Calvin and Valencia begin that way and "like the X" is rare in names.
# Not wa-ka- either: it is how "agency" (an ORG head word) begins.
_BEFORE_ARTICLE = frozenset({_WAW, _BEH, _WAW + _BEH, _FEH + _BEH})
# ... and only when at least this many letters follow al-, which spares Walter, Wallace, Bali and Palmer.
_AFTER_ARTICLE = 3
# A clitic is never cut to leave fewer letters than this.
_MIN_REST = 2
# Alef with hamza above or below, or with madda: no name begins wa-/fa-/bi-/li- + one of these
# (wa-Amerika, bi-Ankara), so the clitic is cut without other evidence.  Not ka-: ka's (cup) does.
_HAMZA_ALEFS = frozenset("\u0623\u0625\u0622")
_MIN_AFTER_HAMZA = 3


@dataclass(frozen=True)
class TokenSpan:
    """An entity span over one labelled sequence: tokens ``first`` to ``end - 1``."""

    first: int
    end: int
    type: str


@dataclass(frozen=True)
class NamedMention:
    """A mention and the name it stands for.

    ``form`` is the name as a reader would write it alone: the mention's text, except
    where lam + al- is written with one alef (li-l-umam, "to the nations"): the mention
    then covers the article's lam and ``form`` gets the alef back.  ``words`` are the
    form's words (punctuation tokens left out), for comparing names word by word.
    """

    mention: Mention
    form: str
    words: tuple[str, ...]


def _parse(label: str) -> tuple[str, str] | None:
    """Return (``B`` or ``I``, type) for an entity label; None for O and for labels we do not know."""
    prefix, _, kind = label.partition("-")
    if prefix in ("B", "I") and kind in ENTITY_TYPES:
        return prefix, kind
    return None


def decode_iob(labels: Sequence[str]) -> list[TokenSpan]:
    """Return the entity spans of one sequence, in order.

    Tolerant as CoNLL's evaluation is: an I- label that does not continue an entity of
    its type (after O, or after another type) starts a new one, so IOB1 output and
    slightly inconsistent models still give sensible spans.
    """
    spans: list[TokenSpan] = []
    start, kind = -1, ""
    for i, label in enumerate(labels):
        parsed = _parse(label)
        continues = parsed is not None and parsed[0] == "I" and parsed[1] == kind and start >= 0
        if continues:
            continue
        if start >= 0:
            spans.append(TokenSpan(start, i, kind))
        start, kind = (i, parsed[1]) if parsed is not None else (-1, "")
    if start >= 0:
        spans.append(TokenSpan(start, len(labels), kind))
    return spans


def to_iob2(labels: Sequence[str]) -> list[str]:
    """Return the labels in strict IOB2: every entity starts with B-, unknown labels become O."""
    out = ["O"] * len(labels)
    for span in decode_iob(labels):
        out[span.first] = "B-" + span.type
        for i in range(span.first + 1, span.end):
            out[i] = "I-" + span.type
    return out


# Cached: propagation asks about every token once per candidate name length
# (~9,000 calls for a 1,000-word article, each a unicodedata lookup per character).
@lru_cache(maxsize=1 << 16)
def is_punctuation(token: str) -> bool:
    # Quotes and brackets a model labels at a name's edge are not part of it; symbols such as
    # the "+" of "OPEC+" are (Unicode category S*, not P*).
    return all(unicodedata.category(ch).startswith("P") for ch in token)


def _clitic_runs(word: str) -> list[str]:
    """Return the proclitic runs ``word`` could begin with, longest first (conjunction, then preposition)."""
    runs = []
    for conj in ("", *_CONJUNCTIONS):
        for prep in ("", *_PREPOSITIONS):
            run = conj + prep
            if run and word.startswith(run):
                runs.append(run)
    return sorted(runs, key=len, reverse=True)


def _inflected(words: Set[str]) -> set[str]:
    """Return the match forms found after two different clitics among ``words`` (wa-X and bi-X give X)."""
    clitics: dict[str, set[str]] = {}
    for word in words:
        for run in _clitic_runs(word):
            # The clitic next to the stem tells inflections apart: bi-X and wa-bi-X are one.
            clitics.setdefault(word[len(run) :], set()).add(run[-1])
    return {rest for rest, last in clitics.items() if len(last) > 1 and len(rest) >= _MIN_REST}


def evidence(words: Iterable[str]) -> set[str]:
    """Return what ``strip_proclitics`` takes as names: the match forms of the article's
    words in entity spans, and what follows two different clitics among them."""
    names = {match_form(w) for w in words}
    return names | _inflected(names)


def strip_proclitics(word: str, names: Set[str]) -> tuple[int, bool]:
    """Return how many leading characters of ``word`` are clitics, and whether al-'s alef is elided.

    ``names`` holds the match forms of the words inside the article's entity spans, and
    of what follows two different clitics among them.  A clitic run is cut when what
    remains is one of those (and-Trump when Trump is named elsewhere, or and-Washington
    when in-Washington is; Putin stays whole, as "utin" is not), or when it is and-/in-
    before al- (in-the-Riyadh -> the-Riyadh: al- is part of such names and stays).
    li- before al- is written with one alef (li-l-umam, "to the nations"): the
    preposition's lam is cut, the article's lam stays, and the flag says the alef is missing.
    """
    for run in _clitic_runs(word):
        cut = len(run)
        while cut < len(word) and unicodedata.combining(word[cut]):
            cut += 1  # the clitic's own vowel mark goes with it
        rest = word[cut:]
        elided = run.endswith(_LAM) and rest.startswith(_LAM)
        name = _ALEF + rest if elided else rest
        if len(name) < _MIN_REST:
            continue
        if match_form(name) in names:
            return cut, elided
        if run[-1] != _KAF and name[:1] in _HAMZA_ALEFS and len(name) >= _MIN_AFTER_HAMZA:
            return cut, elided
        before_article = elided or run in _BEFORE_ARTICLE
        if before_article and name.startswith(_ARTICLE) and len(name) - len(_ARTICLE) >= _AFTER_ARTICLE:
            return cut, elided
    return 0, False


def bare(word: str, names: Set[str]) -> str:
    """Return ``word`` without the proclitics ``strip_proclitics`` finds, an elided alef restored."""
    cut, elided = strip_proclitics(word, names)
    return (_ALEF if elided else "") + word[cut:]


def strip_article(word: str, names: Set[str]) -> int:
    """Return the length of al- when it is not part of ``word``'s name, else 0.

    It is not when the bare name is among ``names`` (the article's words in entity spans
    of the same type): NATO is written with and without al-.
    """
    rest = word[len(_ARTICLE) :]
    if word.startswith(_ARTICLE) and len(rest) >= _AFTER_ARTICLE and match_form(rest) in names:
        return len(_ARTICLE)
    return 0


def make_mentions(text: str, spans: Sequence[tuple[Sequence[tuple[int, int]], str]]) -> list[NamedMention]:
    """Turn token spans into mentions over ``text``, in the order given.

    ``spans`` are (the character ranges of a span's tokens, its type); all spans of one
    article come in one call, because whether a leading letter is a clitic is decided
    from the other names in the article.  Spans with no word left are dropped.
    """
    by_type: dict[str, set[str]] = {}
    for tokens, kind in spans:
        by_type.setdefault(kind, set()).update(match_form(text[s:e]) for s, e in tokens)
    names = evidence(text[s:e] for tokens, _ in spans for s, e in tokens)
    out: list[NamedMention] = []
    for tokens, kind in spans:
        words = [(s, e) for s, e in tokens if not is_punctuation(text[s:e])]
        if not words:
            continue
        start, first_end = words[0]
        cut, elided = strip_proclitics(text[start:first_end], names)
        start += cut
        if not elided:
            start += strip_article(text[start:first_end], by_type[kind])
        end = words[-1][1]
        alef = _ALEF if elided else ""
        written = (alef + text[start:first_end], *(text[s:e] for s, e in words[1:]))
        out.append(NamedMention(Mention(text[start:end], kind, start, end), alef + text[start:end], written))
    return out
