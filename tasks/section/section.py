"""Stage 2: find the article in a page, its headline, structure, sentences and tokens."""

from __future__ import annotations

from khabar.tasks.records import SENTENCE_KINDS, Anchor, Block, Normalised, Sectioned, Sentence
from khabar.tasks.section.guards import check_depth, require_text, too_deep
from khabar.tasks.section.layout import Layout, lay_out
from khabar.tasks.section.lines import text_units
from khabar.tasks.section.markup import read_page
from khabar.tasks.section.sentences import sentence_spans
from khabar.tasks.section.tokens import tokens
from khabar.tasks.validate import Limits, check_language

# "1": boilerplate, headline, headings, lists and leads found from layout and cue words;
# HTML read with selectolax; Arabic-aware sentences; ANERcorp-style tokens.
# "2": related runs, one-line menus, tickers without separators, colon labels, JSON-LD
# bodies, the headline's neighbourhood in HTML, og:title read.
# "3": hard-wrapped plain text joined into paragraphs (``wrapped``).
# "4": datelines, captions, pull quotes, interview questions and answers as their own blocks;
# consent banners, newsletter boxes, player errors and comment policies recognised by their
# sentences; rows of labels read apart; the article found must be Arabic (``not_arabic``).
VERSION = "4"
# The payload's default thresholds: the stage is not configured (a page whose visible text passed
# the configured check and whose article is not Arabic is refused here).
_LIMITS = Limits()

_SEPARATOR = "\n\n"


def section(normalised: Normalised) -> Sectioned:
    """Return the article found in ``normalised``: its display text, headline, blocks, sentences, tokens.

    For text input ``to_source`` maps every block exactly to ``Normalised.text``; for HTML input it
    maps each text node of a block to where it stands in the normalised HTML (see ``khabar.tasks.section``).
    Raises InvalidArticle (``too_deep``, see ``guards``) for HTML nested too deeply to parse;
    ``checked_section`` is the pipeline's stage, which also refuses a page in which no article, or
    no Arabic article, was found.
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


def checked_section(normalised: Normalised) -> Sectioned:
    """The pipeline's section stage: ``section``, refusing a page with no article or one not in Arabic.

    Raises InvalidArticle: ``too_deep``, ``no_text`` or ``word_too_long`` (``guards``) when no article
    was found, ``not_arabic`` when the one found is not Arabic.  The payload check reads what the
    whole page shows, this reads the article found in it (an English story under an Arabic site's menus).
    """
    sectioned = require_text(section(normalised))
    check_language(sectioned.text, _LIMITS, what="the article found in the page")
    return sectioned


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
        if b.kind in SENTENCE_KINDS
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
