"""The records that flow between the stages.

Every stage takes records from earlier stages and returns one frozen dataclass.
They hold only JSON-friendly values (str, int, float, None, tuples, nested records)
so that ``msgspec`` can store them in Redis between Celery tasks and read them back
unchanged: the worker and the in-process runner see identical values.

Offsets are character offsets (Python ``str`` indexes, code points) into one named
text: ``Normalised.text`` for the normalise stage, ``Sectioned.text`` for every
later stage and for the published document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# An anchor maps an offset in a derived text to an offset in its source text.
# A list of anchors sorted by the first item describes the whole alignment: an
# offset ``i`` maps to ``src + (i - dst)`` for the last anchor ``(dst, src)``
# with ``dst <= i``.  See ``khabar.tasks.offsets``.
Anchor = tuple[int, int]


@dataclass(frozen=True)
class Budget:
    """How long a summary may be; the first set limit that binds wins."""

    words: int | None = None
    sentences: int | None = None
    ratio: float | None = None
    headline: bool = False  # one sentence of headline length (see khabar.tasks.summarise.budget)


@dataclass(frozen=True)
class Article:
    """A validated article as it was received (the raw input is kept verbatim)."""

    id: str
    content: str
    kind: str  # "text" or "html"
    url: str | None = None
    source: str | None = None
    published_at: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    budget: Budget = field(default_factory=Budget)


@dataclass(frozen=True)
class Cap:
    """A declared bound that changed this article's result (``khabar.tasks.bounds`` names them)."""

    name: str  # a key of ``khabar.tasks.bounds.EFFECTS``
    limit: int
    found: int  # what the article had: the longest run, the number of sentences...


@dataclass(frozen=True)
class Normalised:
    """The input with presentation noise removed; HTML stays HTML."""

    kind: str  # "text" or "html", as in Article
    text: str  # display form: keeps hamza and teh marbuta, loses invisible noise
    to_raw: tuple[Anchor, ...]  # offsets in ``text`` -> offsets in ``Article.content``
    caps: tuple[Cap, ...] = ()  # bounds that changed the text (runs of marks or symbols cut)


# Block kinds, in the order a page usually shows them.  ``question`` and ``answer`` are the
# turns of an interview (their markers, such as "*" / "-" or the letters sin / jim and a
# colon, removed); ``caption``, ``pull_quote`` and ``dateline`` belong to the page's
# presentation of the story: kept in the document, never read as its body.
BLOCK_KINDS = (
    "title",
    "tag",
    "byline",
    "dateline",
    "lead",
    "heading",
    "paragraph",
    "list_item",
    "question",
    "answer",
    "caption",
    "pull_quote",
)
# Blocks read as the article's running text and split into sentences (Sectioned.sentences).
# A question is one, but it is the interviewer's: a summary is drawn from the others.
SENTENCE_KINDS = frozenset({"lead", "paragraph", "list_item", "question", "answer"})


@dataclass(frozen=True)
class Block:
    """One unit of the article body found by the section stage."""

    kind: str  # one of BLOCK_KINDS
    start: int  # offsets into Sectioned.text
    end: int
    section: int  # index of the section it belongs to (0 = before the first heading)
    list_id: int | None = None  # list items of one list share an id


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    block: int  # index into Sectioned.blocks


@dataclass(frozen=True)
class Sectioned:
    """The article found inside the page, with its structure."""

    text: str  # the article's display text; every later offset refers to it
    title: str | None
    blocks: tuple[Block, ...]
    sentences: tuple[Sentence, ...]  # sentences of paragraph, lead and list blocks
    tokens: tuple[tuple[int, int], ...]  # word tokens (start, end) in reading order
    boilerplate: tuple[str, ...]  # lines or blocks removed as not part of the article
    to_source: tuple[Anchor, ...]  # offsets in ``text`` -> offsets in ``Normalised.text``


ENTITY_TYPES = ("PERS", "LOC", "ORG", "MISC")


@dataclass(frozen=True)
class Mention:
    text: str  # exactly ``Sectioned.text[start:end]``, clitics excluded
    type: str  # one of ENTITY_TYPES
    start: int
    end: int


@dataclass(frozen=True)
class Entity:
    """Mentions of one real-world entity merged under a canonical form."""

    text: str  # canonical form (the fullest mention)
    type: str
    mentions: tuple[Mention, ...]


@dataclass(frozen=True)
class Entities:
    backend: str  # which recogniser produced them ("crf", "bert", ...)
    entities: tuple[Entity, ...]
    caps: tuple[Cap, ...] = ()  # bounds that changed how the text was tagged


@dataclass(frozen=True)
class Summary:
    text: str
    sentences: tuple[int, ...]  # indexes into Sectioned.sentences, in article order
    keywords: tuple[str, ...]  # best first, each as the display text most often writes it
    caps: tuple[Cap, ...] = ()  # bounds that changed the ranking (only the first sentences ranked)
