"""Key terms and phrases of an article, for ``Summary.keywords``.

A keyword is a content word, a phrase of two adjacent content words that the
article repeats, or the name of one of the article's entities that takes more than
one word, whole (``Abd al-Ati`` is one keyword: neither ``Abd`` nor ``al-Ati``).
They score by how often they occur, more when they first occur early, appear in the
title or name one of the article's entities.  Stop words (function words, number
words), numbers and the particles that open a name (``Abd``, ``Abu``, ``bin``) are
never keywords.  Ranking and merging work on matching forms and stems; a keyword is
shown as the article writes it (hamza, teh marbuta and all), in the spelling the
article uses most.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from functools import lru_cache
from itertools import chain, compress, count

from khabar.tasks.records import Entities, Sectioned
from khabar.tasks.summarise.analysis import Analysis, Candidate
from khabar.tasks.summarise.terms import is_stop, stem, word_form

MAX_KEYWORDS = 10
_PHRASE_BONUS = 1.5  # a repeated phrase says more than either of its words
_EARLY_BONUS = 0.5  # for a term first seen at the top, falling to 0 at the end
_TITLE_BONUS = 0.5  # per occurrence of a term of the title or headings
_ENTITY_BONUS = 0.5  # per occurrence of a word of an entity's name
# Conjunctions wa- and fa- before the article al- (match forms), dropped from the
# form shown: "and the market" reads as "the market".
_CONJUNCTIONS = ("\u0648", "\u0641")
_CONJ_ARTICLE = ("\u0648\u0627\u0644", "\u0641\u0627\u0644")

# Words that open a name and say nothing alone (matching forms): abd, abu, ibn/bin, al (family), umm.
_NAME_PARTICLES = frozenset(
    word_form(w)
    for w in ("\u0639\u0628\u062f", "\u0623\u0628\u0648", "\u0627\u0628\u0646")  # abd abu ibn
    + ("\u0628\u0646", "\u0622\u0644", "\u0623\u0645")  # bin al umm
)

Key = tuple[str, ...]  # stems: one for a word, two for a phrase, each word of a name


@lru_cache(maxsize=65536)
def _article_stop(form: str) -> bool:
    """Return True for a function word or number word with the article (or wa-/fa- and the article)."""
    for prefix in _CONJ_ARTICLE + ("\u0627\u0644",):
        if form.startswith(prefix) and len(form) > len(prefix) + 2:
            return is_stop(form[len(prefix) :])
    return False


@lru_cache(maxsize=65536)
def _numeric(form: str) -> bool:
    """Return True for a form with a digit in it (``2018``, ``19-year``): a number, never a keyword."""
    return any(ch.isdigit() for ch in form)


def _names(sectioned: Sectioned, entities: Entities) -> tuple[list[tuple[Key, str, int, int]], frozenset[int]]:
    """Return the article's names of more than one word and the tokens inside any of their mentions.

    Each name is (stems of its words, its commonest spelling, its mentions, offset of its
    first mention), one per entity, from its mentions of more than one word; every
    mention of such an entity counts as inside its name.
    """
    tokens = sectioned.tokens
    inside: set[int] = set()
    names: list[tuple[Key, str, int, int]] = []
    for e in entities.entities:
        long = [m for m in e.mentions if len(m.text.split()) > 1]
        if not long:
            continue
        for m in e.mentions:  # "al-Ati" alone, a mention of "Abd al-Ati", is that name too
            lo = bisect_left(tokens, (m.start, -1))
            hi = bisect_left(tokens, (m.end, -1), lo)
            inside.update(range(lo, hi))
        spellings = Counter(m.text for m in sorted(long, key=lambda m: m.start))
        shown = max(spellings, key=spellings.__getitem__)
        key = tuple(stem(word_form(w)) for w in shown.split())
        names.append((key, shown, len(e.mentions), min(m.start for m in e.mentions)))
    return names, frozenset(inside)


def _has_conjunction(form: str) -> bool:
    """Return True for a match form that starts with wa- or fa- before al-."""
    return form.startswith(_CONJ_ARTICLE) and len(form) > 4


def _shown(form: str) -> str:
    """Return the match form of a word as a keyword shows it (without wa-/fa- before al-)."""
    return form[1:] if _has_conjunction(form) else form


def _forms_shown_as(shown: str) -> list[str]:
    """Return the match forms that ``_shown`` turns into ``shown``."""
    forms = [] if _has_conjunction(shown) else [shown]
    return forms + [f for f in (c + shown for c in _CONJUNCTIONS) if _has_conjunction(f)]


def _shown_token(token: str, form: str) -> str:
    """Return a token as the article writes it, less what ``_shown`` drops from its match form ``form``."""
    if not _has_conjunction(form):
        return token
    # The conjunction is the token's first letter: cut before the second, so that a
    # vowel mark on the conjunction goes with it.
    letters = 0
    for i, ch in enumerate(token):
        if word_form(ch):
            letters += 1
            if letters == 2:
                return token[i:]
    return token


def _pairs(forms: tuple[str | None, ...], numbers: frozenset[str | None]) -> list[tuple[str, str]]:
    """Adjacent content words, with no stop word, number (``numbers``) or punctuation between them."""
    return [(a, b) for a, b in zip(forms, forms[1:], strict=False) if a and b and a not in numbers and b not in numbers]


def _outside(c: Candidate, inside: frozenset[int]) -> tuple[str | None, ...]:
    """Return a candidate's forms with those of tokens inside a name's mention blanked."""
    at = c.tokens.start
    return tuple(None if at + i in inside else f for i, f in enumerate(c.forms))


def _match_forms(forms: Counter[str | None], picked: list[tuple[Key, str]]) -> list[str]:
    """Return each picked keyword (stems, and a phrase's shown match forms) in shown match form.

    A word takes the commonest shown match form of its stem (al-aswaq, "the markets",
    over aswaq if the article has it more often), ties to the alphabetically first.
    """
    shown = [phrase for _, phrase in picked]
    stems = {key[0]: k for k, (key, phrase) in enumerate(picked) if not phrase}
    by_form: dict[int, dict[str, int]] = {k: {} for k in stems.values()}
    for f, n in forms.items():
        if f is not None and (s := stem(f)) in stems:
            counts = by_form[stems[s]]
            form = _shown(f)
            counts[form] = counts.get(form, 0) + n
    for k, counts in by_form.items():
        shown[k] = min(counts, key=lambda form: (-counts[form], form))
    return shown


def _as_written(sectioned: Sectioned, cands: tuple[Candidate, ...], shown: list[str]) -> tuple[str, ...]:
    """Return each keyword, in shown match form, as the article most often writes it.

    The spellings are those of the tokens, or pairs of adjacent tokens for a phrase,
    whose match forms show as the keyword; of spellings as common, the first in the
    article wins.  A keyword's spelling thus always has the keyword's match form.
    """
    words: dict[str, int] = {}  # match form -> the keyword it shows as
    pairs: dict[tuple[str, str], int] = {}  # match forms of two words -> the phrase they show as
    for k, kw in enumerate(shown):
        first, _, second = kw.partition(" ")  # match forms hold no space
        if not second:
            words.update(dict.fromkeys(_forms_shown_as(first), k))
        else:
            for a in _forms_shown_as(first):
                pairs.update(dict.fromkeys(((a, b) for b in _forms_shown_as(second)), k))
    firsts = frozenset(a for a, _ in pairs)
    wanted = firsts.union(words)
    text, tokens = sectioned.text, sectioned.tokens
    # Every occurrence, in article order, as (keyword, match forms, tokens as written):
    # most repeat, so they are counted before any is spelt.
    seen: list[tuple[int, tuple[str, ...], tuple[str, ...]]] = []
    for c in cands:
        forms, at = c.forms, c.tokens.start
        # Only the positions of wanted forms reach Python code: they are a few tokens in
        # a hundred, and this loop runs over the whole article.
        for i in compress(count(), map(wanted.__contains__, forms)):
            f = forms[i]
            if f is None:
                continue
            start, end = tokens[at + i]
            if f in words:
                seen.append((words[f], (f,), (text[start:end],)))
            g = forms[i + 1] if f in firsts and i + 1 < len(forms) else None
            if g is not None and (f, g) in pairs:
                after, stop = tokens[at + i + 1]
                seen.append((pairs[f, g], (f, g), (text[start:end], text[after:stop])))
    # A Counter, and so each dict of spellings, keeps the order of first occurrence, and
    # max keeps the first of equal counts: a tie goes to the spelling seen first.
    spellings: list[dict[str, int]] = [{} for _ in shown]
    for (k, fs, written), n in Counter(seen).items():
        spelt = " ".join(map(_shown_token, written, fs))
        spellings[k][spelt] = spellings[k].get(spelt, 0) + n
    return tuple(max(sp, key=sp.__getitem__, default=kw) for sp, kw in zip(spellings, shown, strict=True))


def keywords(
    sectioned: Sectioned, analysis: Analysis, entities: Entities, limit: int = MAX_KEYWORDS
) -> tuple[str, ...]:
    """Return up to ``limit`` keywords as the article spells them, best first; the same input gives the same list.

    ``analysis`` is that of ``sectioned``, whose display text gives the spellings;
    ``entities`` those found in it: their names of more than one word are keywords whole,
    and their words are not keywords alone where they stand in such a name.
    """
    cands = analysis.candidates
    entity_forms = frozenset(word_form(w) for e in entities.entities for m in e.mentions for w in m.text.split())
    names, inside = _names(sectioned, entities)
    outside = [_outside(c, inside) for c in cands] if inside else [c.forms for c in cands]
    forms: Counter[str | None] = Counter(chain.from_iterable(outside))
    if inside:
        words: Counter[str] = Counter()  # by stem
        for f, n in forms.items():
            if f is not None:
                words[stem(f)] += n
    else:
        words = Counter(chain.from_iterable(c.terms for c in cands))
    # A phrase counts when the article repeats it in the same match forms.
    numbers = frozenset(f for f in forms if f and _numeric(f))
    pairs = chain.from_iterable(_pairs(f, numbers) for f in outside)
    phrases = [(p, n) for p, n in Counter(pairs).items() if n >= 2]
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

    # Stems that only particles or function words with the article (al-akhar, "the other";
    # al-thalatha, "the three") have: never keywords alone.
    alone = {f: f in _NAME_PARTICLES or _article_stop(f) for f in forms if f}
    junk = {stem(f) for f, j in alone.items() if j} - {stem(f) for f, j in alone.items() if not j}
    ranked: list[tuple[float, float, Key, str]] = []
    for t, n in words.items():
        if not _numeric(t) and t not in junk:
            early = 1.0 + _EARLY_BONUS * (1.0 - first_seen[t])
            ranked.append((-(n * early + bonus.get(t, 0.0)), first_seen[t], (t,), ""))
    size = max(1, len(sectioned.text))
    for name, spelt, n, at in names:
        first = at / size
        ranked.append((-(n * (1.0 + _EARLY_BONUS * (1.0 - first)) * _PHRASE_BONUS), first, name, "\0" + spelt))
    for (a, b), n in phrases:
        key: Key = (stem(a), stem(b))
        first = max(first_seen[key[0]], first_seen[key[1]])
        score = n * (1.0 + _EARLY_BONUS * (1.0 - first)) * _PHRASE_BONUS
        ranked.append((-score, first, key, _shown(a) + " " + _shown(b)))
    ranked.sort()

    picked: list[tuple[Key, str]] = []  # best first: stems, and a phrase's shown match forms
    covered: set[str] = set()
    phrases_picked: set[str] = set()
    for _, _, key, phrase in ranked:
        if len(picked) >= limit:
            break
        if any(part in covered for part in key) or phrase in phrases_picked:
            continue
        covered.update(key)
        picked.append((key, phrase))
        if phrase:
            phrases_picked.add(phrase)
    matched = _match_forms(forms, picked)
    plain = [k for k, kw in enumerate(matched) if not kw.startswith("\0")]
    out = [kw[1:] for kw in matched]  # a name is shown as its commonest mention
    for k, kw in zip(plain, _as_written(sectioned, cands, [matched[k] for k in plain]), strict=True):
        out[k] = kw
    return tuple(out)
