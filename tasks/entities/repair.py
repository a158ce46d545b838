"""Span repairs a reader would make: the recogniser's spans mended before they spread.

Each rule mends one kind of error that readers saw on real pages; each leaves a span alone
unless the lexicon (word frequencies, known names, nisba adjectives) shows the error, so a
recogniser without one (``bert``, ``gazetteer``) gets only the first rule:

1. **Split names joined.**  Two spans of one type side by side are one name (Porto + Rico,
   Buenos + Aires, BMW as "bi em dabliu") unless the second may begin with a clitic (gold data
   writes lists as "X wa-Y", and "Putin bi-Trump" is two people) or both words are known names
   (a list without commas).
2. **A preposition and a noun is not a place.**  A one-word span that is bi-/li-/ka- (after an
   optional wa-/fa-) and a common noun without the article, "bi-rif" ("in the countryside of"),
   "li-madinat" ("to the city of"), is dropped: names follow such words, they are not them.
3. **Adjectives of nationality are not places.**  A one-word place that is al- + a nisba
   adjective ("al-Suriyya", "Syrian", after a feminine noun) is dropped; the country itself
   ("Suriya", "al-Sa'udiyya") is a known name and stays.
4. **Verbs are not part of a person's name.**  A person span's first word that reads as a verb
   ("safara Hayden", "Hayden travelled") is cut off, unless it is a known name or a name part (abd,
   bin).  A span left with a preposition and a word only ("li-nastawrid", "so that we import") is
   dropped.  Common nouns at a name's end are left alone: too many surnames are nouns (Hamad, Murad,
   Rizq, Jum'a, Al Thani), and cutting them cost more than it mended on the dev block.
5. **Two people are not one.**  A person span is cut before an inner word that is wa- ("and")
   + a word, unless the word is a known name (Walid, Wa'il): "Trump wa-Putin" is two people.
6. **Names inside longer names.**  A name right after an organisation's head noun in the construct
   state ("liwa' al-Islam", "the Islam Brigade"; "jami'at al-Qahira", Cairo University) is the
   organisation's name, head included; a person's name right after a place's head noun ("shari'
   al-Malik Fahd", King Fahd Street) names the place.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

from khabar.tasks.entities.filters import common_noun
from khabar.tasks.entities.heads import ORG_HEADS, PLACE_HEADS
from khabar.tasks.entities.mentions import (
    PROCLITIC_LETTERS,
    TokenSpan,
    WordKnowledge,
    clitic_reading,
    clitic_runs,
    is_punctuation,
)
from khabar.tasks.entities.propagate import NAME_PARTS
from khabar.tasks.normalise import match_form

_ARTICLE = "\u0627\u0644"  # al-
_PREPOSITIONS = ("\u0628", "\u0644", "\u0643")  # bi-, li-, ka-

_YEH = "\u064a"
_WAW = "\u0648"
_MIN_AND_REST = 3  # letters after wa-: a word of two (wa-li) is no name
# zipf * 10.  A verb before a person's name: at least this common, this much rarer with the article
# (safara 42, al-safara 31) and its imperfect (ya-/ta- + the word) at least this common.
_EDGE_COMMON = 40
_NO_ARTICLE_GAP = 10
_IMPERFECT = 35


@runtime_checkable
class KnowsNisba(Protocol):
    """A lexicon that knows nisba adjectives (``khabar.tasks.entities.crf.lexicon.Lexicon`` does)."""

    def is_nisba(self, form: str) -> bool:
        """Return whether the match-form word is an adjective of nationality or language."""
        ...


def _may_be_clitic(word: str, lexicon: WordKnowledge | None) -> bool:
    """Return whether ``word`` may begin with a clitic ("and", "in", "to", "like"): then it starts a
    name of its own (Trump wa-Putin, Putin bi-Trump), unless the lexicon knows the word as a name."""
    if word[:1] not in PROCLITIC_LETTERS:
        return False
    return lexicon is None or not lexicon.is_name(match_form(word))


def _both_names(left: str, right: str, lexicon: WordKnowledge | None) -> bool:
    """Return whether both words are known names: two names in a list (Switzerland Finland), not one name."""
    return lexicon is not None and lexicon.is_name(match_form(left)) and lexicon.is_name(match_form(right))


def _join_split_names(words: Sequence[str], spans: list[TokenSpan], lexicon: WordKnowledge | None) -> list[TokenSpan]:
    out: list[TokenSpan] = []
    for sp in spans:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.end == sp.first
            and prev.type == sp.type
            and not is_punctuation(words[sp.first])
            and not is_punctuation(words[prev.end - 1])
            and not _may_be_clitic(words[sp.first], lexicon)
            and not _both_names(words[prev.end - 1], words[sp.first], lexicon)
        ):
            out[-1] = TokenSpan(prev.first, sp.end, sp.type)
        else:
            out.append(sp)
    return out


def _prepositional_readings(word: str, lexicon: WordKnowledge) -> Iterator[tuple[str, str]]:
    """Yield (the word's form, the form after a preposition clitic) for each reading of ``word`` as
    li-/bi-/ka- before another word; nothing when the whole word is a known name."""
    form = match_form(word)
    if lexicon.is_name(form):
        return
    for run in clitic_runs(word):
        if run[-1] in _PREPOSITIONS:
            yield form, match_form(clitic_reading(word, run)[2])


def _preposition_and_noun(word: str, lexicon: WordKnowledge) -> bool:
    """Return whether ``word`` is a preposition clitic before a common noun without the article."""
    return any(
        not rest.startswith(_ARTICLE) and not lexicon.is_name(rest) and common_noun(rest, lexicon)
        and lexicon.zipf_of(form) < lexicon.zipf_of(rest)
        for form, rest in _prepositional_readings(word, lexicon)
    )


def _stem(word: str) -> str:
    """Return the match form of ``word`` without a leading wa-/fa- and preposition (al- kept)."""
    form = match_form(word)
    for run in clitic_runs(word):
        rest = match_form(clitic_reading(word, run)[2])
        if rest.startswith(_ARTICLE):
            return rest
    return form


def _nisba(word: str, lexicon: WordKnowledge) -> bool:
    stem = _stem(word)
    return stem.startswith(_ARTICLE) and isinstance(lexicon, KnowsNisba) and lexicon.is_nisba(stem)


def _verb(form: str, lexicon: WordKnowledge) -> bool:
    """Return whether the match-form word reads as a past-tense verb: common, far rarer with the article,
    and common with the imperfect's ya- (safara: yusafir 40; Donald, Hayden: no such form)."""
    z = lexicon.zipf_of(form)
    return (
        z >= _EDGE_COMMON
        and lexicon.zipf_of(_ARTICLE + form) <= z - _NO_ARTICLE_GAP
        and lexicon.zipf_of(_YEH + form) >= _IMPERFECT
    )


def _ordinary_first(word: str, lexicon: WordKnowledge) -> bool:
    form = match_form(word)
    if form.startswith(_ARTICLE) or form in NAME_PARTS or lexicon.is_name(form):
        return False
    return _verb(form, lexicon)


def _trim_person(words: Sequence[str], sp: TokenSpan, lexicon: WordKnowledge) -> TokenSpan | None:
    first, end = sp.first, sp.end
    while end - first > 1 and _ordinary_first(words[first], lexicon):
        first += 1
    if (first, end) == (sp.first, sp.end):
        return sp
    if end - first == 1 and _preposition_and_word(words[first], lexicon):
        return None
    return TokenSpan(first, end, sp.type)


def _preposition_and_word(word: str, lexicon: WordKnowledge) -> bool:
    """Return whether ``word`` reads as li-/bi-/ka- before a known word (no name), more common than it."""
    return any(
        len(rest) >= 3 and not lexicon.is_name(rest) and lexicon.zipf_of(rest) > lexicon.zipf_of(form)
        for form, rest in _prepositional_readings(word, lexicon)
    )


def _head(word: str, heads: frozenset[str]) -> bool:
    """Return whether ``word``, with or without its clitics, is one of ``heads`` (match forms, no article)."""
    form = match_form(word)
    return form in heads or any(
        match_form(clitic_reading(word, run)[2]) in heads for run in clitic_runs(word)
    )


def _inside_longer_name(words: Sequence[str], spans: list[TokenSpan]) -> list[TokenSpan]:
    out: list[TokenSpan] = []
    for sp in spans:
        before = sp.first - 1
        free = before >= 0 and not (out and out[-1].end > before)
        if free and _head(words[before], ORG_HEADS):
            sp = TokenSpan(before, sp.end, "ORG")
        elif free and sp.type == "PERS" and _head(words[before], PLACE_HEADS):
            sp = TokenSpan(sp.first, sp.end, "LOC")
        out.append(sp)
    return out


def _split_at_and(words: Sequence[str], sp: TokenSpan, lexicon: WordKnowledge) -> list[TokenSpan]:
    """Return a person span cut before each inner word that is wa- + a name (Trump wa-Putin: two people)."""
    cuts = [
        i for i in range(sp.first + 1, sp.end)
        if words[i][:1] == _WAW and len(match_form(words[i])) > _MIN_AND_REST
        and not lexicon.is_name(match_form(words[i]))
        and not is_punctuation(words[i - 1])
    ]
    bounds = [sp.first, *cuts, sp.end]
    return [TokenSpan(a, b, sp.type) for a, b in zip(bounds, bounds[1:], strict=False)]


def repair(words: Sequence[str], spans: Sequence[TokenSpan], lexicon: WordKnowledge | None) -> list[TokenSpan]:
    """Return the spans of one tagged sequence of ``words`` mended by the rules of the module docstring."""
    if lexicon is not None:
        # Before joining: "bi-rif" next to "Dimashq" is a preposition and a noun, not half a name.
        spans = [sp for sp in spans if sp.end - sp.first > 1 or not _preposition_and_noun(words[sp.first], lexicon)]
    out = _inside_longer_name(words, _join_split_names(words, list(spans), lexicon))
    if lexicon is None:
        return out
    kept: list[TokenSpan] = []
    for sp in out:
        if sp.end - sp.first == 1 and sp.type == "LOC" and _nisba(words[sp.first], lexicon):
            continue
        if sp.type != "PERS":
            kept.append(sp)
            continue
        for part in _split_at_and(words, sp, lexicon):
            trimmed = _trim_person(words, part, lexicon)
            if trimmed is not None:
                kept.append(trimmed)
    return kept


def repair_spans(
    text: str,
    sequences: Sequence[Sequence[tuple[int, int]]],
    spans: Sequence[Sequence[TokenSpan]],
    lexicon: WordKnowledge | None,
) -> list[list[TokenSpan]]:
    """Return each sequence's spans mended (see :func:`repair`); arguments as ``propagate`` takes them."""
    return [
        repair([text[s:e] for s, e in seq], found, lexicon)
        for seq, found in zip(sequences, spans, strict=True)
    ]
