"""Reading NER training and evaluation files into sentences of (token, IOB2 label).

Three layouts are read by one reader, because the project meets all three:

* CoNLL: one token per line, the label in the last column, a blank line between sentences;
* ANERcorp as shipped in ``../shared``: ``token LABEL`` lines with no sentence breaks at all,
  so sentences are inferred at the ``.`` token;
* AQMAR: CoNLL layout with its own label set (``PER``, ``MIS0``-``MIS3``), mapped here to the
  project's ``PERS``/``LOC``/``ORG``/``MISC``.

Known damage in those files (label typos, a swapped line, two lines glued into one, empty
tokens, invisible bidi marks) is repaired here and nowhere else, so training and evaluation
see the same sentences.  Labels are finally repaired to valid IOB2 (an ``I-X`` that does not
continue an ``X`` becomes ``B-X``), which is also how CoNLL's scorer reads such sequences.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

Sentence = list[tuple[str, str]]

# Sentence ends used when a file has no blank lines (ANERcorp).
_SENTENCE_END = "."

# Entity-type spellings met in ANERcorp and AQMAR, folded to the project's four types.
# ``LOCI-PERS`` is one ANERcorp token (a footballer's surname): a person.
# AQMAR tags a few Latin-script words with their language (ENGLISH, SPANISH): miscellaneous.
_TYPE_FIXES = {
    "PERS": "PERS", "PER": "PERS", "ERS": "PERS", "LOCI-PERS": "PERS",
    "LOC": "LOC",
    "ORG": "ORG", "ORF": "ORG", "OEG": "ORG",
    "MISC": "MISC", "MIS": "MISC", "MIS0": "MISC", "MIS1": "MISC", "MIS2": "MISC", "MIS3": "MISC",
    "MIS-0": "MISC", "MIS-1": "MISC", "MIS-2": "MISC", "MIS-3": "MISC", "MISS1": "MISC",
    "ENGLISH": "MISC", "SPANISH": "MISC",
}
# Whole labels that mean "outside": doubled or stray letters.
_OUTSIDE = {"O", "OO", "IO", "0"}
_LABEL = re.compile(r"^([BI])-*(.+)$")


def fix_label(raw: str) -> str | None:
    """Return the IOB2 label that ``raw`` stands for, or None if it is not a label at all."""
    lab = raw.strip().strip("`'").upper()
    if lab in _OUTSIDE:
        return "O"
    if lab.startswith("IPERS"):  # "IPERS": a missing hyphen
        lab = "I-" + lab[1:]
    m = _LABEL.match(lab)
    if not m:
        return None
    kind = _TYPE_FIXES.get(m.group(2))
    if kind is None:
        return None
    return f"{m.group(1)}-{kind}"


def clean_token(token: str) -> str:
    """Return the token without format characters (bidi marks, zero-width joiners).

    The normalise stage removes them from what the recogniser sees, so training data must not
    depend on them either.
    """
    return "".join(ch for ch in token if unicodedata.category(ch) != "Cf")


def parse_line(line: str) -> list[tuple[str, str]]:
    """Return the (token, label) pairs on one non-blank line; usually one, sometimes none or two.

    Repairs: a label before its token; ``.O`` (space lost); ``. Oword O`` (two lines glued);
    lines whose token is empty (dropped).  A line with no recognisable label is dropped.
    """
    fields = [f for f in (clean_token(x) for x in line.split()) if f]
    if not fields:
        return []
    if len(fields) == 1:
        only = fields[0]
        for cut in (1, 2):  # ".O", "..O"
            if len(only) > cut and fix_label(only[cut:]) == "O" and fix_label(only[:cut]) is None:
                return [(only[:cut], "O")]
        return []  # a bare label: its token was empty
    last = fix_label(fields[-1])
    if len(fields) == 2:
        if last is None and fix_label(fields[0]) is not None:  # "B-PERS name": swapped
            return [(fields[1], fix_label(fields[0]) or "O")]
        return [] if last is None else [(fields[0], last)]
    # Three or more fields: either a CoNLL line with extra columns, or two glued lines.
    if last is None:
        return []
    middle = fields[1]
    if middle[:1] == "O" and len(middle) > 1 and fix_label(fields[-1]) is not None and len(fields) == 3:
        rest = middle[1:]
        if unicodedata.category(rest[0]).startswith("L") and not rest.isascii():
            return [(fields[0], "O"), (rest, last)]
    return [(fields[0], last)]


def repair_iob(labels: list[str]) -> list[str]:
    """Return IOB2 labels: an ``I-X`` that does not continue an ``X`` span becomes ``B-X``."""
    out: list[str] = []
    prev = "O"
    for lab in labels:
        if lab.startswith("I-") and prev[2:] != lab[2:]:
            lab = "B-" + lab[2:]
        out.append(lab)
        prev = lab
    return out


def to_bioes(labels: list[str]) -> list[str]:
    """Return IOB2 labels re-coded as BIOES (single-token spans S-, last tokens E-).

    A CRF that must say where a span ends, not only where it starts, learns sharper boundaries
    for one-word names, which are most names in news.
    """
    out = []
    for i, lab in enumerate(labels):
        nxt = labels[i + 1] if i + 1 < len(labels) else "O"
        ends = nxt != "I-" + lab[2:]
        if lab.startswith("B-"):
            out.append(("S-" if ends else "B-") + lab[2:])
        elif lab.startswith("I-"):
            out.append(("E-" if ends else "I-") + lab[2:])
        else:
            out.append(lab)
    return out


def from_bioes(labels: list[str]) -> list[str]:
    """Return BIOES labels as valid IOB2 (S- -> B-, E- -> I-, then :func:`repair_iob`)."""
    mapped = ["B-" + lab[2:] if lab[:2] == "S-" else "I-" + lab[2:] if lab[:2] == "E-" else lab
              for lab in labels]
    return repair_iob(mapped)


def read_sentences(lines: Iterable[str]) -> Iterator[Sentence]:
    """Yield sentences from CoNLL, ANERcorp or AQMAR lines (see the module docstring).

    Sentences end at blank lines; a ``.`` token also ends one, which is how the blank-line-free
    ANERcorp file is split and does no harm to files that already have blank lines after it.
    """
    current: Sentence = []

    def flush() -> Iterator[Sentence]:
        if current:
            toks = [t for t, _ in current]
            yield list(zip(toks, repair_iob([lab for _, lab in current]), strict=True))
            current.clear()

    for line in lines:
        if not line.strip():
            yield from flush()
            continue
        for token, label in parse_line(line):
            current.append((token, label))
            if token == _SENTENCE_END:
                yield from flush()
    yield from flush()


def read_file(path: str | Path) -> list[Sentence]:
    """Return the sentences of one NER file (UTF-8, optional byte-order mark)."""
    with open(path, encoding="utf-8-sig") as fh:
        return list(read_sentences(fh))


def split_dev(
    sentences: list[Sentence], fraction: float = 0.12, at: str = "end"
) -> tuple[list[Sentence], list[Sentence]]:
    """Return (train, dev): dev is the final block of whole sentences holding ~``fraction`` of tokens.

    A contiguous block keeps whole articles (and the names they repeat) on one side; random
    sentences would leak each article's names into both and flatter the score.  ``at="start"``
    takes the first block instead: a second, disjoint dev split, for checking that what helped on
    the final block was not tuned to it.
    """
    if at not in ("end", "start"):
        raise ValueError(f"a dev block is taken at the 'end' or the 'start', not {at!r}")
    total = sum(len(s) for s in sentences)
    target = total * fraction
    taken = 0
    if at == "start":
        cut = 0
        while cut < len(sentences) and taken < target:
            taken += len(sentences[cut])
            cut += 1
        return sentences[cut:], sentences[:cut]
    cut = len(sentences)
    while cut > 0 and taken < target:
        cut -= 1
        taken += len(sentences[cut])
    return sentences[:cut], sentences[cut:]
