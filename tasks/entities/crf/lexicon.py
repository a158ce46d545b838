"""Knowledge beyond the training data, as the tagger reads it at run time.

A :class:`Lexicon` holds two small tables saved beside the model (built by
:mod:`khabar.tasks.entities.crf.gazetteer_build` from well-kept packages and hand-written trigger words):

* ``gazetteer.tsv.gz``: ``CATEGORY<TAB>phrase`` lines, phrases in match form, words separated by
  spaces (country, city, given-name, currency ... lists and trigger words);
* ``wordfreq.bin``: how common each word (match form) is in general Arabic text, as zipf*10,
  stored as sorted hashes (see :class:`FrequencyTable`); ``gazetteer_build`` says where from.
  Names are rarer in general text than the words around them, and a word that is common with the
  article ``ال`` but rare without it is a common noun; that is the nearest Arabic has to
  capitalisation.

Loading reads only these files (no package data, no network), so a process starts fast and small.
Clitic handling lives here too because gazetteer lookups and features must strip the same way.
"""

from __future__ import annotations

import gzip
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from khabar.tasks.entities.crf.clusters import ClusterTable
from khabar.tasks.normalise import match_form

GAZETTEER_FILE = "gazetteer.tsv.gz"
VOTES_FILE = "votes.bin"
WORDFREQ_FILE = "wordfreq.bin"

_AL = "\u0627\u0644"  # the definite article
_CONJ = "\u0648\u0641"  # wa-, fa-
_PREP = "\u0628\u0644\u0643"  # bi-, li-, ka-
_LAM = "\u0644"

# Endings of a nisba adjective's forms, stripped to find its base: -a(t), -iin, -uun, -aan, -at (match form).
NISBA_SUFFIXES = ("\u064a\u0646", "\u0648\u0646", "\u0627\u0646", "\u0627\u062a", "\u0647")

# Longest gazetteer phrase, in words, that the matcher tries.
MAX_PHRASE = 6

# Gazetteer categories that list names, by the entity type they name (see ``Lexicon.is_name``).
# None for ORG and MISC: organisations are named after places and people (Lens, Ford) as often as not.
NAME_CATEGORIES: dict[str, frozenset[str]] = {
    "PERS": frozenset({"GIVEN"}),
    "LOC": frozenset({"COUNTRY", "CITY"}),
    "ORG": frozenset(),
    "MISC": frozenset(),
}
_ANY_NAME = frozenset().union(*NAME_CATEGORIES.values())


def clitic_variants(form: str) -> list[tuple[str, str]]:
    """Return (proclitics, rest) readings of a match-form word, least stripped first.

    Proclitics follow Arabic order: a conjunction (wa-, fa-), a preposition (bi-, li-, ka-), then
    the article; ``lil-`` is li- plus the article with its alef dropped.  Each step keeps at least
    two letters so that short words are not emptied.  Every reading is returned because the
    stripping is ambiguous (bi- in "Britain" is part of the name): callers take the first reading
    that a table knows.
    """
    out = [("", form)]
    pre, rest = "", form
    if len(rest) > 3 and rest[0] in _CONJ:
        pre, rest = rest[0], rest[1:]
        out.append((pre, rest))
    if len(rest) > 3 and rest.startswith(_LAM + _LAM):
        out.append((pre + _LAM, _AL + rest[2:]))
        out.append((pre + _LAM + _AL, rest[2:]))
        return out
    if len(rest) > 3 and rest[0] in _PREP:
        pre, rest = pre + rest[0], rest[1:]
        out.append((pre, rest))
    if len(rest) > 3 and rest.startswith(_AL):
        out.append((pre + _AL, rest[2:]))
    return out


def stem(form: str) -> tuple[str, str]:
    """Return (proclitics, stem) with every proclitic stripped: the most stripped reading."""
    return clitic_variants(form)[-1]


def _hash(word: str) -> int:
    """Return a stable 32-bit hash of a word (Python's own ``hash`` changes between processes)."""
    return zlib.crc32(word.encode("utf-8"))


class FrequencyTable:
    """zipf*10 of match-form words, held as sorted 32-bit hashes and one byte per word.

    A dict of ~180,000 Arabic strings costs tens of MB in every worker process; two arrays cost
    under 1 MB and load without building any Python objects.  The price: an unknown word has a
    ~1 in 20,000 chance of reading some other word's frequency, and a few colliding words share
    one value; both only shift a frequency bin.
    """

    def __init__(self, words: dict[str, int] | None = None) -> None:
        best: dict[int, int] = {}
        for w, z in (words or {}).items():
            h = _hash(w)
            best[h] = max(best.get(h, 0), min(z, 255))
        keys = sorted(best)
        self._keys = array("I", keys)
        self._values = array("B", [best[k] for k in keys])

    @classmethod
    def from_bytes(cls, data: bytes) -> FrequencyTable:
        """Return the table that :meth:`to_bytes` wrote."""
        n = len(data) // 5
        table = cls()
        table._keys = array("I")
        table._keys.frombytes(data[: 4 * n])
        if sys.byteorder == "big":
            table._keys.byteswap()
        table._values = array("B", data[4 * n : 5 * n])
        return table

    def to_bytes(self) -> bytes:
        """Return the keys (little-endian uint32) followed by the values (one byte each)."""
        keys = array("I", self._keys)
        if keys.itemsize != 4:  # pragma: no cover - every mainstream platform has 4-byte "I"
            raise RuntimeError("array('I') is not 32-bit here")
        if sys.byteorder == "big":
            keys.byteswap()
        return keys.tobytes() + self._values.tobytes()

    def __len__(self) -> int:
        return len(self._keys)

    def get(self, word: str) -> int:
        """Return the word's zipf*10, or 0 when the table does not hold it."""
        h = _hash(word)
        i = bisect_left(self._keys, h)
        return self._values[i] if i < len(self._keys) and self._keys[i] == h else 0


@dataclass
class Lexicon:
    """Gazetteer phrases and word frequencies; see the module docstring."""

    phrases: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)
    zipf: dict[str, int] = field(default_factory=dict)  # match form -> zipf*10, when building
    freq: FrequencyTable = field(init=False)  # ``zipf`` as compact hashes: what lookups use
    clusters: ClusterTable | None = None  # word2vec clusters of news words (``clusters.py``), when built
    votes: ClusterTable | None = None  # nearest-neighbour type votes (``neighbours.py``), made at training
    _first: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._first = {p[0] for p in self.phrases}
        self.freq = FrequencyTable(self.zipf)

    @classmethod
    def load(cls, folder: str | Path) -> Lexicon:
        """Return the lexicon saved in ``folder`` (empty tables where a file is missing)."""
        folder = Path(folder)
        raw: dict[tuple[str, ...], set[str]] = {}
        gz = folder / GAZETTEER_FILE
        if gz.exists():
            with gzip.open(gz, "rt", encoding="utf-8") as fh:
                for line in fh:
                    cat, _, phrase = line.rstrip("\n").partition("\t")
                    if phrase:
                        raw.setdefault(tuple(phrase.split(" ")), set()).add(cat)
        wf = folder / WORDFREQ_FILE
        freq = FrequencyTable.from_bytes(wf.read_bytes()) if wf.exists() else FrequencyTable()
        lexicon = cls(phrases={k: frozenset(v) for k, v in raw.items()}, clusters=ClusterTable.load(folder),
                      votes=ClusterTable.load(folder, VOTES_FILE))
        lexicon.freq = freq
        return lexicon

    def without(self, categories: Iterable[str]) -> Lexicon:
        """Return this lexicon without the gazetteer ``categories`` (the same object when there are none)."""
        drop = frozenset(categories)
        if not drop:
            return self
        kept = type(self)(phrases={p: cats - drop for p, cats in self.phrases.items() if cats - drop},
                          clusters=self.clusters, votes=self.votes)
        kept.freq = self.freq
        return kept

    def save(self, folder: str | Path) -> None:
        """Write both tables into ``folder``, sorted so that the files are reproducible."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        rows = sorted(f"{c}\t{' '.join(p)}\n" for p, cats in self.phrases.items() for c in cats)
        # mtime=0 keeps the gzip bytes identical from one build to the next.
        with open(folder / GAZETTEER_FILE, "wb") as raw_fh, gzip.GzipFile(
            fileobj=raw_fh, mode="wb", mtime=0
        ) as fh:
            fh.write("".join(rows).encode("utf-8"))
        (folder / WORDFREQ_FILE).write_bytes(self.freq.to_bytes())
        if self.clusters is not None:
            self.clusters.save(folder)
        if self.votes is not None:
            self.votes.save(folder, VOTES_FILE)

    def word_categories(self, form: str) -> frozenset[str]:
        """Return the categories of the one-word phrase that a reading of ``form`` matches."""
        for _, rest in clitic_variants(form):
            cats = self.phrases.get((rest,))
            if cats:
                return cats
        return frozenset()

    def match(self, forms: list[str]) -> list[list[str]]:
        """Return, per token, gazetteer match labels such as ``B-CITY`` / ``I-CITY``.

        The longest phrase starting at a token wins (its first word may carry clitics, the
        others must match exactly); matched tokens are skipped, as in a greedy left-to-right
        dictionary tagger.
        """
        out: list[list[str]] = [[] for _ in forms]
        i = 0
        n = len(forms)
        while i < n:
            best_len, best_cats = 0, frozenset[str]()
            for _, rest in clitic_variants(forms[i]):
                if rest not in self._first:
                    continue
                for length in range(min(MAX_PHRASE, n - i), best_len, -1):
                    cats = self.phrases.get((rest, *forms[i + 1 : i + length]))
                    if cats:
                        best_len, best_cats = length, cats
                        break
            if best_len > 1:  # single words are covered by word_categories
                for c in best_cats:
                    out[i].append("B-" + c)
                    for j in range(i + 1, i + best_len):
                        out[j].append("I-" + c)
                i += best_len
            else:
                i += 1
        return out

    def is_nisba(self, form: str) -> bool:
        """Return whether the match-form word (al- allowed) is a relational adjective of a country or
        language in any gender or number (suri, suriyya, al-suriyyun: "Syrian"), and not itself a name
        (al-Sa'udiyya, Saudi Arabia, is a country)."""
        if self.is_name(form, "LOC"):
            return False
        base = form[len(_AL) :] if form.startswith(_AL) and len(form) > len(_AL) + 2 else form
        if "NISBA" in self.phrases.get((base,), ()):
            return True
        for suffix in NISBA_SUFFIXES:
            if base.endswith(suffix) and len(base) > len(suffix) + 2:
                return "NISBA" in self.phrases.get((base[: -len(suffix)],), ())
        return False

    def in_news(self, form: str) -> bool:
        """Return whether the match-form word was seen often enough in news to be clustered (False without clusters)."""
        return self.clusters is not None and self.clusters.get(form) is not None

    def zipf_of(self, form: str) -> int:
        """Return zipf*10 of a match-form word in general text (0 when it is rare or unknown)."""
        return self.freq.get(form)

    def is_name(self, form: str, kind: str | None = None) -> bool:
        """Return whether the match-form word, exactly as given, is a one-word name of type ``kind``.

        A country or city for LOC, a given name for PERS, any of these when ``kind`` is None;
        never for ORG or MISC.  Exact: no clitic is stripped, so callers can ask about each reading.
        """
        wanted = _ANY_NAME if kind is None else NAME_CATEGORIES.get(kind, frozenset())
        return not wanted.isdisjoint(self.phrases.get((form,), ()))


def phrase_key(text: str) -> tuple[str, ...]:
    """Return the gazetteer key of a phrase: its words in match form."""
    return tuple(match_form(w) for w in text.split())
