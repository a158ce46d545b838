"""Clauses: the parts of a sentence that can stand in a summary on their own.

A long sentence does not fit a small budget, but its first clause often does and says
the same thing: ``X said on Tuesday, in a statement to the press, that ...`` has
``X said on Tuesday`` for a headline.  A sentence is split at a comma, an Arabic comma,
a semicolon or an Arabic semicolon followed by a space, outside quotes and brackets,
where the first part stands alone: both parts hold at least ``MIN_WORDS`` words and a
letter, and the second is not the object of the first (``said, that ...``).  The
second part stands alone too, as a unit of its own, where it follows a semicolon or
opens with "and"/"so" on its first word, and does not open with a word that ties it to
the first (a relative pronoun, a preposition, a subordinating particle: ``, which ...``,
``, in the capital ...``).
"""

from __future__ import annotations

import re

from khabar.tasks.summarise.terms import word_form

MIN_WORDS = 4
# A separator followed by white space: "1,000" and "3,5" are numbers, not clauses.
_SEPARATOR = re.compile("[,;\u060c\u061b](?=\\s)")  # comma, semicolon, Arabic comma, Arabic semicolon
_OPENERS = {"(": ")", "[": "]", "\u00ab": "\u00bb", "\u201c": "\u201d"}  # ( [ « “
_CLOSERS = frozenset(_OPENERS.values())
_QUOTE = '"'
# What the scan for free separators looks at: quotes, brackets and separators.
_MARKS = re.compile('["()\\[\\]\u00ab\u00bb\u201c\u201d]|' + _SEPARATOR.pattern)
# Words (matching form, an attached wa- or fa- dropped) that open a dependent part:
# relatives, prepositions, subordinators and "but/or" (a part that opens "but ..." does
# not read alone).
_DEPENDENT = frozenset(
    word_form(w)
    for line in (
        "\u0627\u0644\u0630\u064a \u0627\u0644\u062a\u064a",  # alladhi allati
        "\u0627\u0644\u0630\u064a\u0646 \u0627\u0644\u0644\u0630\u064a\u0646",  # alladhina alladhayn
        "\u0627\u0644\u0644\u062a\u064a\u0646 \u0627\u0644\u0644\u0630\u0627\u0646",  # allatayn alladhan
        "\u0627\u0644\u0644\u062a\u0627\u0646",  # allatan
        "\u0627\u0644\u0644\u0648\u0627\u062a\u064a \u0627\u0644\u0644\u0627\u062a\u064a",  # allawati allati
        "\u0645\u0627 \u0645\u0645\u0627 \u0628\u0645\u0627 \u0643\u0645\u0627",  # ma mimma bima kama
        "\u062d\u064a\u062b \u0625\u0630 \u0623\u064a",  # haythu idh ay
        "\u0641\u064a \u0645\u0646 \u0625\u0644\u0649 \u0627\u0644\u0649",  # fi min ila ila
        "\u0639\u0644\u0649 \u0639\u0646 \u0645\u0639",  # ala an maa
        "\u0645\u0646\u0630 \u062d\u062a\u0649 \u0639\u0646\u062f \u0639\u0628\u0631",  # mundhu hatta inda abra
        "\u062e\u0644\u0627\u0644 \u0628\u064a\u0646",  # khilal bayna
        "\u0646\u062d\u0648 \u0644\u062f\u0649 \u062d\u0648\u0644 \u0636\u062f",  # nahwa lada hawla didda
        "\u062f\u0648\u0646 \u0628\u062f\u0648\u0646",  # duna biduni
        "\u062a\u062d\u062a \u0641\u0648\u0642 \u0623\u0645\u0627\u0645 \u0642\u0628\u0644",  # taht fawq amam qabl
        "\u0628\u0639\u062f \u0628\u0639\u062f\u0645\u0627",  # bad badama
        "\u0644\u0643\u0646 \u0628\u0644 \u0623\u0648 \u0623\u0645",  # lakin bal aw am
        "\u0625\u0644\u0627 \u0623\u0646 \u0625\u0646 \u0644\u0623\u0646",  # illa an in liann
        "\u0628\u064a\u0646\u0645\u0627 \u0639\u0646\u062f\u0645\u0627",  # baynama indama
        "\u0643\u0644\u0645\u0627 \u0645\u062b\u0644",  # kullama mithl
        "\u0648\u0641\u0642 \u0648\u0641\u0642\u0627",  # wafq wafqan
        "\u062d\u0633\u0628 \u0628\u062d\u0633\u0628 \u0636\u0645\u0646 \u0625\u0630\u0627",  # hasab bihasab dimn idha
        "\u0644\u0648 \u0644\u0648\u0644\u0627",  # law lawla
        "\u0648\u0633\u0637 \u0625\u062b\u0631 \u0639\u0642\u0628 \u0631\u063a\u0645",  # wasat ithr aqib raghm
        "\u0628\u0631\u063a\u0645 \u0628\u0633\u0628\u0628 \u062c\u0631\u0627\u0621",  # biraghm bisabab jarra
    )
    for w in line.split()
)


# Words that open the object of what comes before ("said, that ..."): the part before
# does not stand alone without them.
_COMPLEMENTS = frozenset(
    word_form(w)
    for w in (
        "\u0625\u0646",  # inna
        "\u0623\u0646",  # anna
        "\u0628\u0623\u0646",  # bi-anna
        "\u0625\u0646\u0647",  # innahu
        "\u0623\u0646\u0647",  # annahu
        "\u0625\u0646\u0647\u0627",  # innaha
        "\u0623\u0646\u0647\u0627",  # annaha
        "\u0642\u0627\u0626\u0644\u0627",  # qa'ilan, "saying"
    )
)


def _depends(part: str) -> bool:
    """Return True if a part of a sentence opens with a word that ties it to what comes before."""
    first = part.split(maxsplit=1)
    if not first:
        return True
    form = word_form(first[0].strip("\"'\u00ab\u201c("))
    if form in _DEPENDENT:
        return True
    # An attached conjunction before a dependent word: "wa-alladhi", "fa-in".
    return len(form) > 2 and form[0] in ("\u0648", "\u0641") and form[1:] in _DEPENDENT


def _opens_clause(separator: str, part: str) -> bool:
    """Return True if a part after a separator reads as a sentence of its own.

    After a semicolon, unless it opens with a dependent word; after a comma, only where it
    opens with wa- or fa- ("and", "so") on a word that is not dependent (``, and the
    campaign covers ...``): after a comma a part is more often the rest of the first
    (``, on Thursday, the list of ...``).
    """
    if _depends(part):
        return False
    if separator in ";\u061b":
        return True
    first = word_form(part.split(maxsplit=1)[0].strip("\"'\u00ab\u201c("))
    return len(first) > 3 and first[0] in ("\u0648", "\u0641")


def _free_separators(text: str) -> list[int]:
    """Return the offsets just after each separator that stands outside quotes and brackets."""
    out: list[int] = []
    depth, quoted = 0, False
    for m in _MARKS.finditer(text):
        ch = m.group()
        if ch == _QUOTE:
            quoted = not quoted
        elif ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth = max(0, depth - 1)
        elif depth == 0 and not quoted:
            out.append(m.end())
    return out


def _stands_alone(part: str) -> bool:
    return len(part.split()) >= MIN_WORDS and any(ch.isalpha() for ch in part)


def _completes(part: str) -> bool:
    """Return True if a part of a sentence is what the words before it need (``said, that ...``)."""
    first = part.split(maxsplit=1)
    return bool(first) and word_form(first[0].strip("\"'\u00ab\u201c(")) in _COMPLEMENTS


def split(text: str, start: int, end: int) -> tuple[tuple[int, int, int, bool], ...]:
    """Return the clauses of the sentence ``text[start:end]`` as ``(start, end, words, alone)``, in order.

    Offsets are into ``text``; a clause ends just after its separator, so the clauses
    cover the sentence and their words add up to its words.  The sentence is cut where
    what comes before stands alone and what comes after is long enough, never before
    the object of a verb (``said, on Tuesday, that ...``): every run of first clauses
    reads as a sentence.  ``alone`` tells whether a later clause also reads alone (it opens
    with no word that ties it to the one before).  A sentence that does not split gives
    one clause, itself.
    """
    sentence = text[start:end]
    words = len(sentence.split())
    cuts = [0]
    alone = [True]
    free = _free_separators(sentence)
    # "FAO announced, on Thursday, that prices fell": the object comes after the last
    # separator that opens one, and no cut before it leaves a part that stands alone.
    objects = [at for at in free if _completes(sentence[at:])]
    for at in free:
        if objects and at <= objects[-1]:
            continue
        before, after = sentence[cuts[-1] : at], sentence[at:]
        if _stands_alone(before) and _stands_alone(after):
            cuts.append(at)
            alone.append(_opens_clause(sentence[at - 1], after))
    if len(cuts) == 1:
        return ((start, end, words, True),)
    bounds = [*cuts, len(sentence)]
    return tuple(
        (start + a, start + b, len(sentence[a:b].split()), ok)
        for (a, b), ok in zip(zip(bounds, bounds[1:], strict=False), alone, strict=True)
    )
