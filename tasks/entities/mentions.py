"""From per-token IOB2 labels to mentions: spans in ``Sectioned.text`` with clitics left out.

A recogniser labels ANERcorp-style tokens, whose proclitics stay attached (``wa-Washington``
is one token labelled B-LOC).  A mention must cover the name only, so that
``Mention.text == text[start:end]`` highlights the name and mentions of one name compare equal.
Stripping is the hard part: many names begin with a clitic letter (Washington, Putin,
London, France, Canada), so a letter is only cut on evidence: the article's other names,
or, when the recogniser has one, a lexicon of known names and word frequencies.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, runtime_checkable

from khabar.tasks.entities.heads import HEADS
from khabar.tasks.normalise import match_form
from khabar.tasks.records import ENTITY_TYPES, Mention

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
# A clitic is never cut to leave fewer letters than this, whatever the evidence.  Two-letter rests
# are function words far more often than names: Ban (Ki-moon) and Van (Persie) in one article read
# as bi- and fa- + "an" ("that"), and "an" then spread to every an/in/kana of the article.
_MIN_REST = 3
# ... except wa-/fa- before the first word of a longer name (wa-Tal Abib, "and Tel Aviv"): a two-letter
# word that opens a name of several words is no function word.
_MIN_REST_IN_NAME = 2
# Alef with hamza above or below, or with madda: no name begins wa-/fa-/bi-/li- + one of these
# (wa-Amerika, bi-Ankara), so the clitic is cut without other evidence.  Not ka-: ka's (cup) does.
_HAMZA_ALEFS = frozenset("\u0623\u0625\u0622")

# Lexicon evidence (frequencies in zipf * 10).  A reading without the clitic is taken when its word
# is a known name of the mention's type at least ~3x more common than the word as written (wa-Misr:
# Misr 58, wa-Misr 44), or, after a lone wa- or li-, any word at least 5x more common (wa-Britain:
# 47 and 40; Walid is the other way round: "lid" 35, Walid 46).  Not after bi-, fa-, ka- on
# frequency alone: foreign names begin with B, F, V and K too often (Blix is bi- + "lix", Vieira
# fa- + "ira" in general text), nor after two clitics (wa-Larry is not wa-li- + "ari").  The tables
# list words of zipf 2.0 and more, so an unlisted word counts as that common; a word of zipf 6 or
# more is a function word (Kofi is ka- + "wa-fi"), never a name's rest on frequency alone.  On the
# entity-initial words of anercorp-train (125k tokens) these rules cut 549 that the article alone
# would not (313 distinct); the only wrong cut seen was Lens, the club, read as li- + Anas (twice).
_NAME_MARGIN = 5
_WORD_MARGIN = 7
_WORD_CLITICS = (_WAW, _LAM)
_LISTED_FLOOR = 20
_FUNCTION_WORD = 60


@runtime_checkable
class KnowsNews(Protocol):
    """A lexicon that knows which words news writes (the CRF's word clusters: words seen 5 times or more)."""

    def in_news(self, form: str) -> bool:
        """Return whether the match-form word is common enough in news to have been clustered."""
        ...


class WordKnowledge(Protocol):
    """What a lexicon knows about a match-form word (``khabar.tasks.entities.crf.lexicon.Lexicon`` is one)."""

    def zipf_of(self, form: str) -> int:
        """Return the word's frequency in general text as zipf * 10, 0 when unknown."""
        ...

    def is_name(self, form: str, kind: str | None = None) -> bool:
        """Return whether the word is a known one-word name of type ``kind`` (of any type when None)."""
        ...


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


def clitic_runs(word: str) -> list[str]:
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
        for run in clitic_runs(word):
            # The clitic next to the stem tells inflections apart: bi-X and wa-bi-X are one.
            clitics.setdefault(word[len(run) :], set()).add(run[-1])
    return {rest for rest, last in clitics.items() if len(last) > 1 and len(rest) >= _MIN_REST}


def evidence(words: Iterable[str]) -> set[str]:
    """Return what ``strip_proclitics`` takes as names: the match forms of the article's
    words in entity spans, and what follows two different clitics among them."""
    names = {match_form(w) for w in words}
    return names | _inflected(names)


def clitic_reading(word: str, run: str) -> tuple[int, bool, str]:
    """Return the cut, the elided-alef flag and the name left when ``word`` loses the clitics ``run``."""
    cut = len(run)
    while cut < len(word) and unicodedata.combining(word[cut]):
        cut += 1  # the clitic's own vowel mark goes with it
    rest = word[cut:]
    elided = run.endswith(_LAM) and rest.startswith(_LAM)
    return cut, elided, _ALEF + rest if elided else rest


def strip_proclitics(
    word: str,
    names: Set[str],
    lexicon: WordKnowledge | None = None,
    kind: str | None = None,
    *,
    opens_name: bool = False,
) -> tuple[int, bool]:
    """Return how many leading characters of ``word`` are clitics, and whether al-'s alef is elided.

    ``names`` holds the match forms of the words inside the article's entity spans, and
    of what follows two different clitics among them.  A clitic run is cut when what
    remains is one of those (and-Trump when Trump is named elsewhere, or and-Washington
    when in-Washington is; Putin stays whole, as "utin" is not), or when it is and-/in-
    before al- (in-the-Riyadh -> the-Riyadh: al- is part of such names and stays).
    li- before al- is written with one alef (li-l-umam, "to the nations"): the
    preposition's lam is cut, the article's lam stays, and the flag says the alef is missing.
    Failing that, ``lexicon`` may show it (see ``_lexicon_cut``); ``kind`` is the mention's type.
    ``opens_name``: ``word`` is the first of a name of several words, so that wa-/fa- may be cut to
    leave two letters (wa-Tal Abib).
    """
    for run in clitic_runs(word):
        cut, elided, name = clitic_reading(word, run)
        form = match_form(name)
        if len(form) < _min_rest(run, opens_name):
            continue
        if form in names:
            return cut, elided
        if run[-1] != _KAF and name[:1] in _HAMZA_ALEFS:
            return cut, elided
        before_article = elided or run in _BEFORE_ARTICLE
        if before_article and name.startswith(_ARTICLE) and len(name) - len(_ARTICLE) >= _AFTER_ARTICLE:
            return cut, elided
    if lexicon is not None:
        return _lexicon_cut(word, lexicon, kind, opens_name)
    return 0, False


def _min_rest(run: str, opens_name: bool) -> int:
    return _MIN_REST_IN_NAME if opens_name and run in _CONJUNCTIONS else _MIN_REST


def _lexicon_cut(word: str, lexicon: WordKnowledge, kind: str | None, opens_name: bool = False) -> tuple[int, bool]:
    """Return the clitics of ``word`` that general knowledge of words shows, as ``strip_proclitics`` does.

    A word that is itself a known name keeps its letters (Wael, Falastin, Baghdad, Lubnan, Kirkuk).
    Otherwise each reading is compared with the one that keeps one more letter (wa-bi-Washington
    with bi-Washington): it must be a known name of type ``kind`` clearly more common than that, or
    a word far more common after wa- or li- (see the constants above).  The longest such reading wins.
    A lexicon that knows news words (``KnowsNews``) shows one more: after a lone wa- or fa-, a rest
    that news writes when the word as written is known neither to news nor to general text
    (wa-Panama: "Panama" is clustered, "wa-Panama" too rare to be).
    """
    whole = match_form(word)
    if lexicon.is_name(whole, None):
        return 0, False
    news = lexicon if isinstance(lexicon, KnowsNews) else None
    found = (0, False)
    for run in sorted(clitic_runs(word), key=len):
        cut, elided, name = clitic_reading(word, run)
        rest = match_form(name)
        if len(rest) < _min_rest(run, opens_name):
            continue
        if (
            news is not None
            and run in _CONJUNCTIONS
            and len(rest) >= _MIN_REST
            and news.in_news(rest)
            and not news.in_news(whole)
            and not lexicon.zipf_of(whole)
        ):
            found = (cut, elided)
            continue
        z = lexicon.zipf_of(rest)
        # The reading with one clitic letter fewer: the word itself for one clitic.
        kept = lexicon.zipf_of(match_form(word[len(run) - 1 :]))
        known_name = lexicon.is_name(rest, kind) and z >= kept + _NAME_MARGIN
        common_word = run in _WORD_CLITICS and max(kept, _LISTED_FLOOR) + _WORD_MARGIN <= z < _FUNCTION_WORD
        if known_name or common_word:
            found = (cut, elided)
    return found


def bare(word: str, names: Set[str], lexicon: WordKnowledge | None = None) -> str:
    """Return ``word`` without the proclitics ``strip_proclitics`` finds, an elided alef restored."""
    cut, elided = strip_proclitics(word, names, lexicon)
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


def make_mentions(
    text: str, spans: Sequence[tuple[Sequence[tuple[int, int]], str]], lexicon: WordKnowledge | None = None
) -> list[NamedMention]:
    """Turn token spans into mentions over ``text``, in the order given.

    ``spans`` are (the character ranges of a span's tokens, its type); all spans of one
    article come in one call, because whether a leading letter is a clitic is decided
    from the other names in the article (and from ``lexicon``, when given).  Spans with
    no word left are dropped.
    """
    by_type: dict[str, set[str]] = {}
    for tokens, kind in spans:
        by_type.setdefault(kind, set()).update(match_form(text[s:e]) for s, e in tokens)
    # A head noun (party, street) opens a longer name: a clitic on it is cut as on a known name.
    names = evidence(text[s:e] for tokens, _ in spans for s, e in tokens) | HEADS
    out: list[NamedMention] = []
    for tokens, kind in spans:
        words = [(s, e) for s, e in tokens if not is_punctuation(text[s:e])]
        if not words:
            continue
        start, first_end = words[0]
        cut, elided = strip_proclitics(text[start:first_end], names, lexicon, kind, opens_name=len(words) > 1)
        start += cut
        if not elided:
            start += strip_article(text[start:first_end], by_type[kind])
        end = words[-1][1]
        alef = _ALEF if elided else ""
        written = (alef + text[start:first_end], *(text[s:e] for s, e in words[1:]))
        out.append(NamedMention(Mention(text[start:end], kind, start, end), alef + text[start:end], written))
    return out
