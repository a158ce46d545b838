"""Token features of the CRF: one module, used identically at training and at tagging time.

Features of a word that do not depend on its neighbours (forms, affixes, shape, gazetteer
categories, frequency) are computed once per distinct word and cached; a token's feature list
is its own word's features, its neighbours' (prefixed with their offset), a few bigrams and the
multi-word gazetteer matches of its sentence.  Caching is what makes tagging fast: news text
repeats its words, so most tokens cost a few list concatenations.

Arabic has no capital letters, so the signals that stand in for them are: clitic-stripped forms
(``والأردن`` -> ``أردن``), affixes (name-like endings, the article), gazetteer membership,
trigger words around the token (a title before a person, an organisation's head noun), and how
common the word and its article-bearing form are in general text.
"""

from __future__ import annotations

import bisect
import sys
import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from khabar.tasks.entities.crf.lexicon import NISBA_SUFFIXES, Lexicon, clitic_variants
from khabar.tasks.entities.crf.neighbours import vote_feature
from khabar.tasks.normalise import match_form

_AL = "\u0627\u0644"


@dataclass(frozen=True)
class FeatureConfig:
    """Which feature groups are on; saved with the model so tagging uses what training used."""

    affixes: bool = True  # prefixes and suffixes of the form and the stem
    ngrams: bool = True  # character trigrams of the stem
    gazetteer: bool = True  # package lists and trigger words
    wordfreq: bool = True  # general-text frequency bins and the article ratio
    window: int = 2  # context window, tokens either side
    bigrams: bool = True  # neighbouring word pairs
    doc_window: int = 150  # tokens either side searched for other mentions of a word (0: off)
    clusters: bool = False  # word2vec k-means clusters of the word and its stem (clusters.bin)
    votes: bool = False  # nearest-neighbour type votes of the word or its stem (votes.bin)

    def to_json(self) -> dict[str, Any]:
        """Return the configuration as JSON-ready values (for ``meta.json``)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureConfig:
        """Return the configuration saved by :meth:`to_json`, ignoring keys it does not know."""
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def _shape(token: str) -> str:
    """Return a coarse script/character-class shape: arabic, latin, digit, punct or mixed."""
    kinds = set()
    for ch in token:
        if ch.isdigit():
            kinds.add("d")
        elif "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f":
            kinds.add("a")
        elif ch.isalpha():
            kinds.add("L" if ch.isupper() else "l")
        else:
            kinds.add("p")
    return "".join(sorted(kinds))


def _bin(z: int) -> str:
    """Return a frequency bin of zipf*10: 0 (rare or unknown), then half-zipf steps up to 6."""
    if z < 25:
        return "0" if z == 0 else "1"
    return str(min(z, 60) // 5)


@dataclass(frozen=True)
class _Word:
    """What the extractor knows about one distinct word (cached)."""

    own: tuple[str, ...]  # its own features
    ctx: tuple[str, ...]  # the features its neighbours see
    ctx_at: dict[int, tuple[str, ...]]  # ``ctx`` prefixed with each neighbour offset
    form: str  # match form
    bare: str  # stem without clitics or article: the key under which mentions are grouped
    pre: str  # the proclitics stripped
    zipf: int  # general-text frequency of ``bare`` (zipf * 10)
    cats: tuple[str, ...]  # gazetteer categories, as features
    wordlike: bool  # letters only: the kind of token that can be a name


# Distinct words whose features are cached.  An entry holds ~80 short strings (a few kB,
# ~2 MB per 1,000 words); 10,000 words cover most tokens of news text.
_CACHE_WORDS = 10_000

# Words at least this common in general text (zipf * 10) are not grouped across a document.
_DOC_MAX_ZIPF = 50


class FeatureExtractor:
    """Turns sentences of tokens into CRF feature lists, with a per-word cache."""

    def __init__(self, lexicon: Lexicon, config: FeatureConfig | None = None) -> None:
        self.lexicon = lexicon
        self.config = config or FeatureConfig()
        # A bounded cache: a long-running worker sees an open vocabulary.
        self._word = lru_cache(maxsize=_CACHE_WORDS)(self._word_features)
        self._offsets = [d for d in range(-self.config.window, self.config.window + 1) if d]
        self._prefixes = {d: f"{d:+d}:" for d in self._offsets}

    def _stem(self, form: str) -> tuple[str, str]:
        """Return (proclitics, stem): the most stripped reading that general text knows.

        Greedy stripping breaks names that begin with a clitic letter (``واشنطن``); a reading is
        trusted when it, or it with the article, occurs in general text or in a gazetteer.
        """
        variants = clitic_variants(form)
        for pre, rest in reversed(variants[1:]):
            bare = rest[2:] if rest.startswith(_AL) else rest
            if (
                self.lexicon.zipf_of(rest)
                or self.lexicon.zipf_of(_AL + bare)
                or (rest,) in self.lexicon.phrases
            ):
                return pre, rest
        if not len(self.lexicon.freq):
            return variants[-1]
        # Unknown everywhere: most likely a rare name; strip only a leading conjunction.
        if len(variants) > 1 and variants[1][0] in ("\u0648", "\u0641"):
            return variants[1]
        return variants[0]

    def _word_features(self, token: str) -> _Word:
        """Return the cached features and forms of one word."""
        cfg = self.config
        tok = "".join(ch for ch in token if unicodedata.category(ch) != "Cf") or token
        form = match_form(tok)
        pre, st = self._stem(form)
        shape = _shape(tok)
        own = [
            "w=" + tok.lower(),
            "n=" + form,
            "st=" + st,
            "pre=" + pre,
            "sh=" + shape,
            "len=" + str(min(len(st), 8)),
        ]
        ctx = ["n=" + form, "st=" + st, "sh=" + shape]
        if cfg.affixes:
            own += ["p2=" + form[:2], "p3=" + form[:3], "s1=" + form[-1:], "s2=" + form[-2:],
                    "s3=" + form[-3:], "sp2=" + st[:2], "sp3=" + st[:3], "ss2=" + st[-2:], "ss3=" + st[-3:]]
            ctx += ["pre=" + pre, "s2=" + form[-2:]]
        if cfg.ngrams and len(st) > 3:
            padded = "<" + st + ">"
            own += ["c3=" + padded[i : i + 3] for i in range(len(padded) - 2)]
        if cfg.gazetteer:
            cats = self.lexicon.word_categories(form)
            gz = ["g=" + c for c in sorted(cats)]
            base = st[2:] if st.startswith(_AL) else st
            for suffix in NISBA_SUFFIXES:
                if base.endswith(suffix) and len(base) > len(suffix) + 2:
                    base = base[: -len(suffix)]
                    break
            if "NISBA" in self.lexicon.phrases.get((base,), ()):
                gz.append("g=nisba")
            own += gz or ["g=none"]
            ctx += gz
        if cfg.wordfreq:
            z_tok = self.lexicon.zipf_of(form)
            bare = st[2:] if st.startswith(_AL) else st
            z_bare = self.lexicon.zipf_of(bare)
            z_def = self.lexicon.zipf_of(_AL + bare)
            own += ["f=" + _bin(z_tok), "fb=" + _bin(z_bare), "fd=" + _bin(z_def)]
            # How much more common the word is with the article than without it (in tenths of
            # a zipf unit, clipped): common nouns take the article, most person names do not.
            own.append("dr=" + str(max(-3, min(3, (z_def - z_bare) // 5))))
            ctx.append("f=" + _bin(z_tok))
        bare = st[2:] if st.startswith(_AL) else st
        if cfg.clusters and self.lexicon.clusters is not None:
            own_k, ctx_k = self._cluster_features(form, st, bare)
            own += own_k
            ctx += ctx_k
        if cfg.votes and self.lexicon.votes is not None:
            table = self.lexicon.votes
            vote = table.get(form) or table.get(st) or table.get(_AL + bare)
            own.append("nn=" + (vote_feature(vote[0]) if vote else "none"))
            if vote:
                ctx.append("nn=" + vote_feature(vote[0]))
        gcats = tuple(c for c in ctx if c.startswith("g="))
        # Interned: the same feature strings recur across thousands of cached words.
        intern = sys.intern
        ctx_at = {d: tuple([intern(p + f) for f in ctx]) for d, p in self._prefixes.items()}
        return _Word(
            own=tuple(map(sys.intern, own)),
            ctx=tuple(ctx),
            ctx_at=ctx_at,
            form=form,
            bare=bare,
            pre=pre,
            zipf=self.lexicon.zipf_of(bare),
            cats=gcats,
            wordlike=shape in ("a", "l", "L", "Ll"),
        )

    def _cluster_features(self, form: str, st: str, bare: str) -> tuple[list[str], list[str]]:
        """Return the cluster features of a word (own, and those its neighbours see).

        The word as written (clitics and all: wa-Trump is used unlike Trump) at every granularity,
        and its stem's clusters (the stem with the article when that is how news writes it).
        """
        table = self.lexicon.clusters
        assert table is not None
        word = table.get(form)
        stem = table.get(st) or table.get(_AL + bare) or table.get(bare)
        own: list[str] = []
        ctx: list[str] = []
        if word is None:
            own.append("k=none")
        else:
            own += [f"k{size}={c}" for size, c in zip(table.sizes, word, strict=True)]
            ctx += [f"k{size}={c}" for size, c in zip(table.sizes[:2], word[:2], strict=False)]
        if stem is not None and st != form:
            own += [f"ks{size}={c}" for size, c in zip(table.sizes, stem, strict=True)]
            ctx += [f"ks{size}={c}" for size, c in zip(table.sizes[:1], stem[:1], strict=False)]
        return own, ctx

    def sentences(self, sentences: list[list[str]]) -> list[list[list[str]]]:
        """Return one feature list per token of each sentence, adding document features.

        The sentences are read as one running text (an article, or a corpus in order): with
        ``doc_window`` on, each word also gets the contexts of its other mentions nearby, so a
        surname first seen after a title ("President X") keeps that evidence when it recurs bare.
        """
        feats = [self.sentence(s) for s in sentences]
        if self.config.doc_window > 0:
            self._add_document_features(sentences, feats)
        return feats

    def _add_document_features(self, sentences: list[list[str]], feats: list[list[list[str]]]) -> None:
        window = self.config.doc_window
        positions: dict[str, list[int]] = {}
        evidence: list[frozenset[str]] = []
        where: list[tuple[int, int]] = []
        flat = 0
        for si, tokens in enumerate(sentences):
            words = [self._word(t) for t in tokens]
            for i, w in enumerate(words):
                where.append((si, i))
                if not w.wordlike or w.zipf >= _DOC_MAX_ZIPF or len(w.bare) < 3:
                    evidence.append(frozenset())
                else:
                    ev = {"P:" + w.pre}
                    if i > 0:
                        left = words[i - 1]
                        ev.update("L" + c for c in left.cats)
                        if left.zipf >= _DOC_MAX_ZIPF:
                            ev.add("Ln=" + left.bare)
                    if i + 1 < len(words):
                        ev.update("R" + c for c in words[i + 1].cats)
                    evidence.append(frozenset(ev))
                    positions.setdefault(w.bare, []).append(flat)
                flat += 1
        for occurrences in positions.values():
            if len(occurrences) < 2:
                continue
            for p in occurrences:
                lo = bisect.bisect_left(occurrences, p - window)
                hi = bisect.bisect_right(occurrences, p + window)
                seen: set[str] = set()
                for q in occurrences[lo:hi]:
                    if q != p:
                        seen |= evidence[q]
                if hi - lo > 1:
                    si, i = where[p]
                    feats[si][i].append("dn=" + str(min(hi - lo - 1, 4)))
                    feats[si][i].extend(sorted("d:" + e for e in seen))

    def sentence(self, tokens: list[str]) -> list[list[str]]:
        """Return one feature list per token of a sentence (no document features)."""
        cfg = self.config
        words = [self._word(t) for t in tokens]
        n = len(words)
        matches = self.lexicon.match([w.form for w in words]) if cfg.gazetteer else [[] for _ in words]
        out: list[list[str]] = []
        for i, word in enumerate(words):
            form = word.form
            feats = ["bias", *word.own]
            for d in self._offsets:
                j = i + d
                if 0 <= j < n:
                    feats.extend(words[j].ctx_at[d])
                elif j == -1:
                    feats.append(f"{d:+d}:BOS")
                elif j == n:
                    feats.append(f"{d:+d}:EOS")
            if cfg.bigrams:
                if i > 0:
                    feats.append("b-1=" + words[i - 1].form + "|" + form)
                if i + 1 < n:
                    feats.append("b+1=" + form + "|" + words[i + 1].form)
            if cfg.gazetteer:
                feats.extend("m=" + m for m in matches[i])
                if i > 0:
                    feats.extend("-1:m=" + m for m in matches[i - 1])
                if i + 1 < n:
                    feats.extend("+1:m=" + m for m in matches[i + 1])
            out.append(feats)
        return out
