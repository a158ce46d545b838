"""A document's text as a reader sees it: blocks in page order, entity mentions and summary sentences marked.

Pure functions of the published document (schemas/document.schema.json): every offset
points into ``text``, so marking is cutting ``text`` at the offsets, never searching for
strings.  The template escapes every piece; nothing here builds HTML.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Piece:
    """A run of text: plain (``entity`` None) or one whole entity mention."""

    text: str
    summary: bool = False  # inside (or, for a mention, starting inside) a summary sentence
    entity: int | None = None  # index into the document's ``entities``
    type: str | None = None


@dataclass(frozen=True)
class Item:
    """One thing on the page: ``kind`` is a block kind, or ``list``/``tags`` for a run of
    list items or tags; ``lines`` holds one tuple of pieces per block (one for most kinds)."""

    kind: str
    lines: tuple[tuple[Piece, ...], ...]


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    entity: int
    type: str


def mentions_of(document: Mapping[str, Any]) -> list[Mention]:
    """Every mention of every entity, in text order; where two overlap, the earlier (then longer) one
    wins, so that each character is in at most one ``<mark>``."""
    found = sorted(
        (Mention(int(m["start"]), int(m["end"]), n, str(e["type"]))
         for n, e in enumerate(document.get("entities") or ()) for m in e.get("mentions") or ()),
        key=lambda m: (m.start, -m.end),
    )
    out: list[Mention] = []
    for m in found:
        if m.end > m.start and (not out or m.start >= out[-1].end):
            out.append(m)
    return out


def summary_spans(document: Mapping[str, Any]) -> list[tuple[int, int]]:
    """The (start, end) of each summary sentence in ``text``, in text order."""
    sentences = document.get("sentences") or []
    picked = (document.get("summary") or {}).get("sentences") or []
    return sorted((sentences[i]["start"], sentences[i]["end"]) for i in picked if 0 <= i < len(sentences))


def _in_summary(position: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def pieces(text: str, start: int, end: int, mentions: Sequence[Mention],
           spans: Sequence[tuple[int, int]]) -> tuple[Piece, ...]:
    """Cut ``text[start:end]`` into pieces: each mention inside it whole, the text between
    split where summary sentences begin and end.  A mention crossing the edge is clipped."""
    out: list[Piece] = []
    cuts = sorted({p for span in spans for p in span if start < p < end})

    def plain(a: int, b: int) -> None:
        for x, y in zip([a, *(c for c in cuts if a < c < b)], [*(c for c in cuts if a < c < b), b], strict=True):
            if y > x:
                out.append(Piece(text[x:y], summary=_in_summary(x, spans)))

    at = start
    for m in mentions:
        if m.end <= start or m.start >= end:
            continue
        a, b = max(m.start, start), min(m.end, end)
        plain(at, a)
        out.append(Piece(text[a:b], summary=_in_summary(a, spans), entity=m.entity, type=m.type))
        at = b
    plain(at, end)
    return tuple(out)


def page_items(document: Mapping[str, Any]) -> list[Item]:
    """The document's blocks in page order, each cut into pieces; consecutive list items of one
    list, and consecutive tags, become one item."""
    text = document.get("text") or ""
    mentions = mentions_of(document)
    spans = summary_spans(document)
    items: list[Item] = []
    previous_list: tuple[int, Any] | None = None
    for block in document.get("blocks") or ():
        kind, start, end = block["kind"], int(block["start"]), int(block["end"])
        relevant = [m for m in mentions if m.start < end and m.end > start]
        line = pieces(text, start, end, relevant, spans)
        this_list = (block.get("section"), block.get("list")) if kind == "list_item" else None
        if kind == "list_item" and items and items[-1].kind == "list" and this_list == previous_list:
            items[-1] = Item("list", (*items[-1].lines, line))
        elif kind == "tag" and items and items[-1].kind == "tags":
            items[-1] = Item("tags", (*items[-1].lines, line))
        else:
            items.append(Item({"list_item": "list", "tag": "tags"}.get(kind, kind), (line,)))
        previous_list = this_list
    return items


def unplaced_mentions(document: Mapping[str, Any]) -> list[Mention]:
    """Mentions outside every block (the page would not show them): should be none."""
    blocks = [(int(b["start"]), int(b["end"])) for b in document.get("blocks") or ()]
    return [m for m in mentions_of(document) if not any(s <= m.start and m.end <= e for s, e in blocks)]


def entity_rows(document: Mapping[str, Any]) -> list[tuple[int, str, str, int]]:
    """(index, canonical name, type, count) for the entity table, most mentioned first."""
    rows = [(n, str(e["text"]), str(e["type"]), int(e.get("count") or len(e.get("mentions") or ())))
            for n, e in enumerate(document.get("entities") or ())]
    return sorted(rows, key=lambda r: (-r[3], r[0]))
