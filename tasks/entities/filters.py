"""Spans a recogniser labels that read as ordinary words, dropped before they spread.

A tagger that leans on a list of given names takes a preposition and a common noun for a
person: ``ka-khiyar istratiji`` ("as a strategic option") became PERS because *khiyar*
is in the list of given names and the context ("the American ...") is where names stand.
Propagation then spreads the mistake (its last word, as a surname).  A lexicon tells such
words apart from names: a common noun is frequent in general text and frequent with the
article (a name is rarely written with it: *al-khiyar* is as common as *khiyar*, *al-Muhammad*
is rare).  Only person spans are looked at (organisations are named with common nouns:
"li-Jami'at al-Duwal", "to the League of States"), and only after ka- (see ``reads_as_phrase``).
Without a lexicon (backends other than the CRF) nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence, Set

from khabar.tasks.entities.mentions import (
    TokenSpan,
    WordKnowledge,
    clitic_reading,
    clitic_runs,
    evidence,
    is_punctuation,
)
from khabar.tasks.normalise import match_form

_ARTICLE = "\u0627\u0644"  # al-
_KAF = "\u0643"  # ka- "like, as"

# zipf * 10.  A common word: at least zipf 3 in general text ...
_COMMON = 30
# ... and at most half a zipf less common with the article than without it (khiyar 47, al-khiyar 45;
# Muhammad 61, al-Muhammad 34).
_ARTICLE_GAP = 5
# ka- before such a word leaves it at least 10x rarer (ka-khiyar 32).  A name that only
# begins with the letter is about as common as the word inside it (Kamal 45, mal 47; Basim 54, ism 54).
_CLITIC_GAP = 10
_MIN_STEM = 3


def common_noun(form: str, lexicon: WordKnowledge) -> bool:
    """Return whether the match-form word (al- allowed) is a frequent word that takes the article."""
    base = form[len(_ARTICLE) :] if form.startswith(_ARTICLE) else form
    z = lexicon.zipf_of(base)
    return len(base) >= _MIN_STEM and z >= _COMMON and lexicon.zipf_of(_ARTICLE + base) >= z - _ARTICLE_GAP


def reads_as_phrase(words: Sequence[str], lexicon: WordKnowledge, names: Set[str]) -> bool:
    """Return whether a person span's ``words`` begin "as a <common noun>" rather than with a name.

    True when the first word is ka- (after an optional wa-/fa-) before a common noun that the
    article does not name elsewhere (``names``, as ``mentions.evidence`` gives).  Only ka-: a
    name hardly follows "like, as", while bi- and li- ("with, to") precede names all the time and
    many names are common words (bi-Sayl, "with a torrent", is Basil Soda's first name).
    """
    if not words:
        return False
    first = words[0]
    for run in clitic_runs(first):
        if run[-1] != _KAF:
            continue
        stem = match_form(clitic_reading(first, run)[2])
        if stem in names or not common_noun(stem, lexicon):
            continue
        if lexicon.zipf_of(match_form(first)) <= lexicon.zipf_of(stem) - _CLITIC_GAP:
            return True
    return False


def drop_phrases(
    text: str,
    sequences: Sequence[Sequence[tuple[int, int]]],
    spans: Sequence[Sequence[TokenSpan]],
    lexicon: WordKnowledge | None,
) -> list[list[TokenSpan]]:
    """Return each sequence's spans without the person spans that ``reads_as_phrase`` rejects.

    ``sequences`` are the character ranges of each tagged sequence's tokens, ``spans`` the spans
    decoded from its labels (as ``propagate`` takes them).  Without a lexicon nothing is dropped.
    """
    if lexicon is None:
        return [list(s) for s in spans]
    words = [[text[s:e] for s, e in seq] for seq in sequences]
    names = evidence(w for ws, ss in zip(words, spans, strict=True) for sp in ss for w in ws[sp.first : sp.end])
    out = []
    for ws, found in zip(words, spans, strict=True):
        kept = []
        for sp in found:
            span_words = [w for w in ws[sp.first : sp.end] if not is_punctuation(w)]
            if sp.type == "PERS" and reads_as_phrase(span_words, lexicon, names):
                continue
            kept.append(sp)
        out.append(kept)
    return out
