"""Names the recogniser found in an article, found wherever else the article uses them.

A tagger that reads one sentence at a time misses names it found in other sentences of
the same article (Trump tagged in "Donald Trump said" but not in "Trump said").  After
tagging, runs of unlabelled tokens that spell a name found in the article get its type:

- a name of two words or more, wherever it appears again;
- a person's last word (the surname) once the full name was found, or the last two words
  when they are a compound (bin Laden, Nasr Allah): Allah of Abd Allah is no surname;
- a one-word name the recogniser found at least twice: once may be a slip, and
  repeating a slip across the article would multiply it.

A one-word name (a surname or a name found twice) is not looked for alone when it is also a
common word (``common_word``, from the lexicon's word frequencies when the recogniser has one):
a slip of the recogniser or a name that is also a word ("Ban", "al-Din", "the second") would
otherwise become a person wherever the word is used.  A run that spells names of different
types is left alone.  Names compare in match form, the first word without its clitics, as
mentions do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from khabar.tasks.entities.filters import common_noun
from khabar.tasks.entities.mentions import TokenSpan, WordKnowledge, bare, evidence, is_punctuation
from khabar.tasks.normalise import match_form

_ALEF = "\u0627"
_MAX_CLITICS = 2  # letters: a conjunction and a preposition (wa-bi-)
_MIN_SURNAME = 3  # letters; shorter last words (bin, abu) are not names on their own
_MIN_FOUND = 2  # times a one-word name must be found before it is looked for elsewhere

# Words that join a compound name (match forms): a surname after one of these is the last two words.
NAME_PARTS = frozenset({
    "\u0639\u0628\u062f",  # abd, "servant of"
    "\u0627\u0628\u0648", "\u0627\u0628\u064a", "\u0627\u0628\u0627",  # abu, abi, aba, "father of"
    "\u0627\u0645",  # umm, "mother of"
    "\u0628\u0646", "\u0627\u0628\u0646", "\u0628\u0646\u062a",  # bin, ibn, bint, "son/daughter of"
    "\u0627\u0644",  # al (with madda), "family of"
})
# ... and words that end one: Zayn al-Din, Abd Allah, Nasr Allah.
_COMPOUND_ENDS = frozenset({
    "\u0627\u0644\u062f\u064a\u0646",  # al-din, "of the faith"
    "\u0627\u0644\u0644\u0647",  # allah
})

# Lexicon frequencies, zipf * 10, of a word that does not spread alone: a function word whatever
# the lexicon says (an, kana, ala: Ali is a given name and "on"), or a word at least this common
# that is not a known name of the type (al-Din 57, al-thani "the second" 57, Ban 59; Salih 52,
# Hussein 52 and al-Assad 50 are below it, and Hasan 54 is a known given name).
_FUNCTION_WORD = 60
_COMMON = 55
# A clitic is not cut off a token to find a one-word name when the token as written is about as
# common as the name (li-Salih, "in favour of", 49; Salih 52): it is a word of its own.  A name's
# own clitic forms are much rarer (wa-Misr 44, Misr 58).
_WRITTEN_GAP = 5
_ALEF_TANWIN = "\u0627"  # the alef of an indefinite accusative ending (barnamajan, "a programme")


def common_word(form: str, kind: str, lexicon: WordKnowledge | None) -> bool:
    """Return whether the match-form word is too common as a word to be looked for alone as a name.

    Besides the frequencies above: the accusative of a common noun (barnamaj-an, which a span
    error put at the end of a person's name), more common without its alef than with it (Rusiya,
    Russia, is more common than rusi, "Russian").  Without a lexicon, nothing is.
    """
    if lexicon is None:
        return False
    z = lexicon.zipf_of(form)
    if z >= _FUNCTION_WORD or (z >= _COMMON and not lexicon.is_name(form, kind)):
        return True
    noun = form[: -len(_ALEF_TANWIN)]
    return form.endswith(_ALEF_TANWIN) and common_noun(noun, lexicon) and lexicon.zipf_of(noun) > z


def _surname(key: tuple[str, ...]) -> tuple[str, ...]:
    """Return the words of a person's full name ``key`` that stand for the person alone (none: empty)."""
    if key[-1] in _COMPOUND_ENDS or key[-2] in NAME_PARTS:
        return key[-2:] if len(key) > 2 else ()
    return key[-1:] if len(key[-1]) >= _MIN_SURNAME else ()


def propagate(
    text: str,
    sequences: Sequence[Sequence[tuple[int, int]]],
    spans: Sequence[Sequence[TokenSpan]],
    lexicon: WordKnowledge | None = None,
) -> list[list[TokenSpan]]:
    """Return each sequence's spans with those of names found elsewhere in the article added.

    ``sequences`` are the character ranges of each tagged sequence's tokens, ``spans``
    the spans decoded from its labels; ``lexicon`` helps cut clitics as in ``mentions``.
    """
    words = [[text[s:e] for s, e in seq] for seq in sequences]
    names = evidence(
        w for ws, ss in zip(words, spans, strict=True) for sp in ss for w in ws[sp.first : sp.end]
    )
    forms = [[match_form(w) for w in ws] for ws in words]
    firsts: dict[str, str] = {}

    def first(word: str) -> str:
        """The match form of ``word`` with its clitics cut, as a name's first word (once per word)."""
        if word not in firsts:
            firsts[word] = match_form(bare(word, names, lexicon))
        return firsts[word]

    types: dict[tuple[str, ...], set[str]] = {}
    once: Counter[tuple[tuple[str, ...], str]] = Counter()
    for ws, fs, found in zip(words, forms, spans, strict=True):
        for sp in found:
            at = [i for i in range(sp.first, sp.end) if not is_punctuation(ws[i])]
            if not at:
                continue
            key = (first(ws[at[0]]), *(fs[i] for i in at[1:]))
            if len(key) == 1:
                once[(key, sp.type)] += 1
                continue
            types.setdefault(key, set()).add(sp.type)
            surname = _surname(key) if sp.type == "PERS" else ()
            if len(surname) > 1 or (surname and not common_word(surname[0], sp.type, lexicon)):
                types.setdefault(surname, set()).add(sp.type)
    for (key, kind), n in once.items():
        if n >= _MIN_FOUND and not common_word(key[0], kind, lexicon):
            types.setdefault(key, set()).add(kind)
    known = {key: kinds.pop() for key, kinds in types.items() if len(kinds) == 1}
    longest = max(map(len, known), default=0)
    starts = {key[0] for key in known}

    def may_start(form: str) -> bool:
        # Cutting clitics leaves the form without its first letters (at most two: wa-bi-), or, when
        # li- meets al-, with al-'s alef back: a cheap test before ``first`` does the real work.
        return any(form[k:] in starts or (k and _ALEF + form[k:] in starts) for k in range(_MAX_CLITICS + 1))

    out = []
    for ws, fs, found in zip(words, forms, spans, strict=True):
        covered = [False] * len(ws)
        for sp in found:
            covered[sp.first : sp.end] = [True] * (sp.end - sp.first)
        added = []
        i = 0
        while i < len(ws):
            if not may_start(fs[i]):
                i += 1
                continue
            head = first(ws[i])
            for n in range(min(longest, len(ws) - i), 0, -1):
                if any(covered[i : i + n]) or is_punctuation(ws[i]) or is_punctuation(ws[i + n - 1]):
                    continue
                name_type = known.get((head, *fs[i + 1 : i + n]))
                if name_type is not None and not (n == 1 and head != fs[i] and _own_word(fs[i], head, lexicon)):
                    added.append(TokenSpan(i, i + n, name_type))
                    i += n
                    break
            else:
                i += 1
        out.append(sorted([*found, *added], key=lambda sp: sp.first))
    return out


def _own_word(written: str, name: str, lexicon: WordKnowledge | None) -> bool:
    """Return whether the match-form token ``written`` is a word of its own rather than clitics + ``name``."""
    return lexicon is not None and lexicon.zipf_of(written) >= lexicon.zipf_of(name) - _WRITTEN_GAP
