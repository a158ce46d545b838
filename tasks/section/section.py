"""Stage 2: find the article in a page, its headline, structure, sentences and tokens."""

from __future__ import annotations

from khabar.tasks.records import Anchor, Block, Normalised, Sectioned, Sentence
from khabar.tasks.section.guards import check_depth, too_deep
from khabar.tasks.section.layout import Layout, lay_out
from khabar.tasks.section.lines import text_units
from khabar.tasks.section.markup import read_page
from khabar.tasks.section.sentences import sentence_spans
from khabar.tasks.section.tokens import tokens

# "1": boilerplate, headline, headings, lists and leads found from layout and cue words;
# HTML read with selectolax; Arabic-aware sentences; ANERcorp-style tokens.
# "2": related runs, one-line menus, tickers without separators, colon labels, JSON-LD
# bodies, the headline's neighbourhood in HTML, og:title read.
# "3": hard-wrapped plain text joined into paragraphs (``wrapped``).
# Not bumped for ``guards`` (pages too deep to parse refused): no real article's output changes.
VERSION = "3"

_SEPARATOR = "\n\n"
_WITH_SENTENCES = frozenset({"lead", "paragraph", "list_item"})


def section(normalised: Normalised) -> Sectioned:
    """Return the article found in ``normalised``: its display text, headline, blocks, sentences, tokens.

    For text input ``to_source`` maps every block exactly to ``Normalised.text``; for HTML input it
    maps each text node of a block to where it stands in the normalised HTML (see ``khabar.tasks.section``).
    Raises InvalidArticle (``too_deep``, see ``guards``) for HTML nested too deeply to parse; the
    pipeline then asks ``guards.require_text`` whether an article was found.
    """
    if normalised.kind == "html":
        check_depth(normalised.text)  # before parsing: the parser is quadratic in the depth
        try:
            page = read_page(normalised.text)
            layout = lay_out(page.units, title=page.title)
        except RecursionError as exc:  # deeper than the estimate said: still the page's fault
            raise too_deep(exc) from None
        removed = page.removed + layout.boilerplate
    else:
        layout = lay_out(text_units(normalised.text, normalised.to_raw))
        removed = layout.boilerplate
    return _assemble(layout, removed)


def _assemble(layout: Layout, removed: list[str]) -> Sectioned:
    parts: list[str] = []
    blocks: list[Block] = []
    anchors: list[Anchor] = []
    pos = 0
    section_no = 0
    entries = [(layout.title, "title", None)] if layout.title else []
    for unit, kind, list_id in entries + layout.blocks:
        if kind == "heading":
            section_no += 1  # a heading opens the next section and belongs to it
        if parts:
            pos += len(_SEPARATOR)
        blocks.append(
            Block(kind=kind, start=pos, end=pos + len(unit.text), section=section_no, list_id=list_id)
        )
        for local, src in unit.anchors:
            if not anchors or pos + local > anchors[-1][0]:
                anchors.append((pos + local, src))
        parts.append(unit.text)
        pos += len(unit.text)
    text = _SEPARATOR.join(parts)
    sentences = tuple(
        Sentence(start, end, i)
        for i, b in enumerate(blocks)
        if b.kind in _WITH_SENTENCES
        for start, end in sentence_spans(text, b.start, b.end)
    )
    return Sectioned(
        text=text,
        title=layout.title.text if layout.title else None,
        blocks=tuple(blocks),
        sentences=sentences,
        tokens=tokens(text),
        boilerplate=tuple(removed),
        to_source=tuple(anchors),
    )
