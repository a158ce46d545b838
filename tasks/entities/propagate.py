"""Names the recogniser found in an article, found wherever else the article uses them.

A tagger that reads one sentence at a time misses names it found in other sentences of
the same article (Trump tagged in "Donald Trump said" but not in "Trump said").  After
tagging, runs of unlabelled tokens that spell a name found in the article get its type:

- a name of two words or more, wherever it appears again;
- a person's last word (the surname) once the full name was found;
- a one-word name the recogniser found at least twice: once may be a slip, and
  repeating a slip across the article would multiply it.

A run that spells names of different types is left alone.  Names compare in match form,
the first word without its clitics, as mentions do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from tasks.entities.mentions import TokenSpan, WordKnowledge, bare, evidence, is_punctuation
from tasks.normalise import match_form

_ALEF = "\u0627"
_MAX_CLITICS = 2  # letters: a conjunction and a preposition (wa-bi-)
_MIN_SURNAME = 3  # letters; shorter last words (bin, abu) are not names on their own
_MIN_FOUND = 2  # times a one-word name must be found before it is looked for elsewhere


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
            if sp.type == "PERS" and len(key[-1]) >= _MIN_SURNAME:
                types.setdefault(key[-1:], set()).add(sp.type)
    for (key, kind), n in once.items():
        if n >= _MIN_FOUND:
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
                if name_type is not None:
                    added.append(TokenSpan(i, i + n, name_type))
                    i += n
                    break
            else:
                i += 1
        out.append(sorted([*found, *added], key=lambda sp: sp.first))
    return out
