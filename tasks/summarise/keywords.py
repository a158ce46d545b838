"""Key terms and phrases of an article, for ``Summary.keywords``.

A keyword is a content word in matching form, or a phrase of two adjacent
content words that the article repeats.  They score by how often they occur,
more when they first occur early, appear in the title or name one of the
article's entities.  Stop words and bare numbers are never keywords.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain

from tasks.summarise.analysis import Analysis
from tasks.summarise.terms import stem

MAX_KEYWORDS = 10
_PHRASE_BONUS = 1.5  # a repeated phrase says more than either of its words
_EARLY_BONUS = 0.5  # for a term first seen at the top, falling to 0 at the end
_TITLE_BONUS = 0.5  # per occurrence of a term of the title or headings
_ENTITY_BONUS = 0.5  # per occurrence of a word of an entity's name
# Conjunctions wa- and fa- before the article al- (match forms), dropped from the
# form shown: "and the market" reads as "the market".
_CONJ_ARTICLE = ("\u0648\u0627\u0644", "\u0641\u0627\u0644")

Key = tuple[str, ...]  # stems: one for a word, two for a phrase


def _shown(form: str) -> str:
    return form[1:] if form.startswith(_CONJ_ARTICLE) and len(form) > 4 else form


def _pairs(forms: tuple[str | None, ...]) -> list[tuple[str, str]]:
    """Adjacent content words, with no stop word, number or punctuation between them."""
    return [
        (a, b)
        for a, b in zip(forms, forms[1:], strict=False)
        if a and b and not a.isdigit() and not b.isdigit()
    ]


def keywords(analysis: Analysis, entity_forms: frozenset[str], limit: int = MAX_KEYWORDS) -> tuple[str, ...]:
    """Return up to ``limit`` keywords, best first; the same input gives the same list.

    ``entity_forms`` are the matching forms of the words of entity mentions.
    """
    cands = analysis.candidates
    forms = Counter(f for f in chain.from_iterable(c.forms for c in cands) if f and not f.isdigit())
    pair_forms = Counter(chain.from_iterable(_pairs(c.forms) for c in cands))
    # Where each word is first seen, as a share of the article (0 = at the top); a
    # phrase is taken to start where the later of its words is first seen.
    first_seen: dict[str, float] = {}
    total = max(1, len(cands))
    for c in cands:
        for t in c.terms:
            first_seen.setdefault(t, c.rank / total)

    title = frozenset(analysis.title_terms)
    counts: dict[Key, int] = {}
    bonus: dict[Key, float] = {}
    spelt: dict[Key, list[tuple[str, int]]] = {}  # the spellings of each key, with their counts
    for f, n in forms.items():
        key: Key = (stem(f),)
        counts[key] = counts.get(key, 0) + n
        extra = n * (_TITLE_BONUS * (key[0] in title) + _ENTITY_BONUS * (f in entity_forms))
        bonus[key] = bonus.get(key, 0.0) + extra
        spelt.setdefault(key, []).append((f, n))
    for (a, b), n in pair_forms.items():
        key = (stem(a), stem(b))
        counts[key] = counts.get(key, 0) + n
        spelt.setdefault(key, []).append((a + " " + b, n))

    def first(key: Key) -> float:
        return max(first_seen[k] for k in key)

    def score(key: Key) -> float:
        base = counts[key] * (1.0 + _EARLY_BONUS * (1.0 - first(key))) + bonus.get(key, 0.0)
        return base * _PHRASE_BONUS if len(key) == 2 else base

    ranked = sorted(
        (k for k in counts if len(k) == 1 or counts[k] >= 2), key=lambda k: (-score(k), first(k), k)
    )
    out: list[str] = []
    covered: set[str] = set()
    for key in ranked:
        if len(out) >= limit:
            break
        if any(part in covered for part in key):
            continue
        covered.update(key)
        # The commonest spelling, ties to the alphabetically first.
        shown: Counter[str] = Counter()
        for spelling, n in spelt[key]:
            shown[" ".join(_shown(w) for w in spelling.split(" "))] += n
        out.append(min(shown, key=lambda s: (-shown[s], s)))
    return tuple(out)
