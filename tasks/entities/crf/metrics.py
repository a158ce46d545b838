"""Exact-span precision, recall and F1 of IOB2 tagging, as CoNLL's ``conlleval`` counts them.

A span is (type, first token, last token + 1).  A predicted span counts only if a gold span has
the same type and the same boundaries.  Like ``conlleval``, an ``I-X`` that does not continue an
``X`` span opens a new one, so a tagger is not rewarded or punished for IOB technicalities beyond
what the scorer used by published Arabic NER results does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

Span = tuple[str, int, int]


def spans(labels: Sequence[str]) -> set[Span]:
    """Return the entity spans of one IOB2 label sequence."""
    out: set[Span] = set()
    kind: str | None = None
    start = 0
    for i, lab in enumerate(labels):
        tag, _, typ = lab.partition("-")
        continues = tag == "I" and kind == typ
        if kind is not None and not continues:
            out.add((kind, start, i))
            kind = None
        if tag in ("B", "I") and not continues:
            kind, start = typ, i
    if kind is not None:
        out.add((kind, start, len(labels)))
    return out


@dataclass(frozen=True)
class Prf:
    """Counts and scores of one entity type (or of all, micro-averaged)."""

    tp: int
    n_pred: int
    n_gold: int

    @property
    def precision(self) -> float:
        return self.tp / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Scores:
    """Micro-averaged and per-type scores of a whole evaluation set."""

    micro: Prf
    per_type: dict[str, Prf] = field(default_factory=dict)

    def table(self) -> str:
        """Return the scores as a fixed-width text table (one row per type, then micro)."""
        rows = [f"{'type':<6} {'P':>6} {'R':>6} {'F1':>6} {'gold':>6} {'pred':>6}"]
        for name, s in [*sorted(self.per_type.items()), ("micro", self.micro)]:
            rows.append(
                f"{name:<6} {s.precision:6.4f} {s.recall:6.4f} {s.f1:6.4f} {s.n_gold:6d} {s.n_pred:6d}"
            )
        return "\n".join(rows)


def evaluate(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> Scores:
    """Return exact-span scores of predicted label sequences against gold ones (same lengths)."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    counts: dict[str, list[int]] = {}
    for g_seq, p_seq in zip(gold, pred, strict=True):
        if len(g_seq) != len(p_seq):
            raise ValueError(f"sentence of {len(g_seq)} gold labels got {len(p_seq)} predictions")
        g, p = spans(g_seq), spans(p_seq)
        for typ, *_ in g:
            counts.setdefault(typ, [0, 0, 0])[2] += 1
        for typ, *_ in p:
            counts.setdefault(typ, [0, 0, 0])[1] += 1
        for typ, *_ in g & p:
            counts[typ][0] += 1
    per_type = {t: Prf(*c) for t, c in counts.items()}
    micro = Prf(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return Scores(micro=micro, per_type=per_type)
