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
    words: Counter[str] = Counter(chain.from_iterable(c.terms for c in cands))  # by stem
    forms: Counter[str | None] = Counter(chain.from_iterable(c.forms for c in cands))
    # A phrase counts when the article repeats it in the same spelling.
    phrases = [
        (p, n) for p, n in Counter(chain.from_iterable(_pairs(c.forms) for c in cands)).items() if n >= 2
    ]
    # Where each word is first seen, as a share of the article (0 = at the top); a
    # phrase is taken to start where the later of its words is first seen.
    first_seen: dict[str, float] = {}
    total = max(1, len(cands))
    for c in cands:
        for t in c.terms:
            first_seen.setdefault(t, c.rank / total)

    bonus: dict[str, float] = {}
    for t in analysis.title_terms:
        bonus[t] = bonus.get(t, 0.0) + _TITLE_BONUS * words[t]
    for f in entity_forms:
        if forms[f]:
            bonus[stem(f)] = bonus.get(stem(f), 0.0) + _ENTITY_BONUS * forms[f]

    ranked: list[tuple[float, float, Key, str]] = []
    for t, n in words.items():
        if not t.isdigit():
            early = 1.0 + _EARLY_BONUS * (1.0 - first_seen[t])
            ranked.append((-(n * early + bonus.get(t, 0.0)), first_seen[t], (t,), ""))
    for (a, b), n in phrases:
        key: Key = (stem(a), stem(b))
        first = max(first_seen[key[0]], first_seen[key[1]])
        score = n * (1.0 + _EARLY_BONUS * (1.0 - first)) * _PHRASE_BONUS
        ranked.append((-score, first, key, _shown(a) + " " + _shown(b)))
    ranked.sort()

    spellings: dict[str, list[str]] = {}  # stem -> its spellings, made when first needed
    out: list[str] = []
    covered: set[str] = set()
    for _, _, key, phrase in ranked:
        if len(out) >= limit:
            break
        if any(part in covered for part in key) or phrase in out:
            continue
        covered.update(key)
        if phrase:
            out.append(phrase)
            continue
        if not spellings:
            for form in forms:
                if form is not None:
                    same = spellings.get(stem(form))
                    if same is None:
                        spellings[stem(form)] = [form]
                    else:
                        same.append(form)
        # The commonest spelling, ties to the alphabetically first.
        shown: Counter[str] = Counter()
        for form in spellings[key[0]]:
            shown[_shown(form)] += forms[form]
        out.append(min(shown, key=lambda s: (-shown[s], s)))
    return tuple(out)
