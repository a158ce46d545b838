"""The published document: what a user fetches by article id.

Built from the stage records by one pure function, used by both the worker and
``khabar process``, so the two produce identical documents.  Its JSON Schema is
``schemas/document.schema.json``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from khabar.tasks.bounds import describe
from khabar.tasks.normalise import charsets as cs
from khabar.tasks.offsets import compose
from khabar.tasks.records import Article, Entities, Normalised, Sectioned, Summary

SCHEMA_VERSION = 1
# The control characters the normalise stage deletes (tab, line feed, carriage return and the
# ones it reads as line breaks stay): counted so that a reader knows the text was cleaned.
_REMOVED_CONTROLS = re.compile(f"[{cs.char_class(cs.CONTROLS)}]")
_OUTSIDE_SECTIONS = frozenset({"title", "tag", "dateline", "byline", "caption", "pull_quote"})


def _sections(sec: Sectioned) -> list[dict[str, Any]]:
    """Group blocks into sections: a heading opens one; paragraphs, lists and interview turns belong to it.

    The page's furniture of the story (captions, pull quotes, the dateline) is published apart.
    """
    sections: dict[int, dict[str, Any]] = {}
    lists: dict[tuple[int, int], list[str]] = {}
    for block in sec.blocks:
        if block.kind in _OUTSIDE_SECTIONS:
            continue
        section = sections.setdefault(
            block.section,
            {"heading": None, "start": block.start, "end": block.end, "paragraphs": [], "lists": [], "turns": []},
        )
        section["end"] = block.end
        text = sec.text[block.start : block.end]
        if block.kind == "heading":
            section["heading"] = text
        elif block.kind == "list_item":
            key = (block.section, block.list_id if block.list_id is not None else -1)
            if key not in lists:
                lists[key] = []
                section["lists"].append(lists[key])
            lists[key].append(text)
        elif block.kind in ("question", "answer"):
            section["turns"].append({"kind": block.kind, "text": text})
        else:  # lead and paragraph
            section["paragraphs"].append(text)
    return [sections[k] for k in sorted(sections)]


def _first(sec: Sectioned, kind: str) -> str | None:
    return next((sec.text[b.start : b.end] for b in sec.blocks if b.kind == kind), None)


def _all(sec: Sectioned, kind: str) -> list[str]:
    return [sec.text[b.start : b.end] for b in sec.blocks if b.kind == kind]


def build_document(
    records: Mapping[str, Any], stages: Mapping[str, Mapping[str, Any]], pipeline_version: str
) -> dict[str, Any]:
    """Return the finished document for one article's stage records."""
    article: Article = records["article"]
    norm: Normalised = records["normalise"]
    sec: Sectioned = records["section"]
    ents: Entities = records["entities"]
    summary: Summary = records["summarise"]
    text = sec.text
    to_raw = compose(sec.to_source, norm.to_raw) if sec.to_source else None
    return {
        "schema_version": SCHEMA_VERSION,
        "id": article.id,
        "status": "done",
        "pipeline_version": pipeline_version,
        "input_format": article.kind,
        "url": article.url,
        "source": article.source,
        "published_at": article.published_at,
        "metadata": article.metadata,
        "text": text,
        "title": sec.title,
        "tags": _all(sec, "tag"),
        "dateline": _first(sec, "dateline"),
        "byline": _first(sec, "byline"),
        "lead": _first(sec, "lead"),
        "captions": _all(sec, "caption"),
        "pull_quotes": _all(sec, "pull_quote"),
        "sections": _sections(sec),
        "blocks": [
            {"kind": b.kind, "start": b.start, "end": b.end, "section": b.section, "list": b.list_id}
            for b in sec.blocks
        ],
        "boilerplate": list(sec.boilerplate),
        # Stray control characters (U+001A as an indent...) the normalise stage removed from the input.
        "control_characters": len(_REMOVED_CONTROLS.findall(article.content)),
        "sentences": [{"text": text[s.start : s.end], "start": s.start, "end": s.end} for s in sec.sentences],
        "entities": [
            {
                "text": e.text,
                "type": e.type,
                "start": e.mentions[0].start,
                "end": e.mentions[0].end,
                "count": len(e.mentions),
                "mentions": [{"text": m.text, "start": m.start, "end": m.end} for m in e.mentions],
            }
            for e in ents.entities
        ],
        "entity_backend": ents.backend,
        "summary": {"text": summary.text, "sentences": list(summary.sentences)},
        "keywords": list(summary.keywords),
        # Bounds of khabar.tasks.bounds that changed this article's result (a real article has none).
        "caps": [
            describe(stage, cap)
            for stage, record in (("normalise", norm), ("entities", ents), ("summarise", summary))
            for cap in record.caps
        ],
        "offsets": {"text_to_raw": [list(a) for a in to_raw] if to_raw is not None else None},
        "stages": {name: dict(run) for name, run in stages.items()},
        "error": None,
    }
