"""HTML pages: remove the furniture markup declares, find the article's container, read its blocks.

Parsing uses selectolax's Lexbor backend, the fastest well-kept parser for Python.
A general extractor (trafilatura) was measured on the same pages (``bench/bench_section.py``):
alone it takes as long as this whole stage, and what it returns (text or its own XML)
keeps neither the block structure as the page marks it nor where each block stands in
the source, which the offsets need.  What Arabic news pages need beyond generic
extraction is handled by markup hints here (class names of tickers, weather and
prayer-time boxes, related lists, comment forms, bylines) and in ``layout`` by the same
cue words used for plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from khabar.tasks.normalise.clean import clean
from khabar.tasks.normalise.rewrite import rewrite
from khabar.tasks.offsets import compose
from khabar.tasks.records import Anchor
from khabar.tasks.section import container, headline, junk, structured
from khabar.tasks.section.units import Unit

# Elements that never hold article text.
_DROP_TAGS = [
    "script", "style", "noscript", "template", "iframe", "svg", "canvas", "video", "audio", "object",
    "embed", "button", "select", "textarea", "input", "link", "meta", "img", "picture", "source", "map",
]  # fmt: skip
_BLOCKS = frozenset(
    "address article aside blockquote center dd details dialog div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody thead tfoot tr ul "
    "caption".split()
)
# Containers whose inline children a page lays out apart (flex rows of byline, date, source):
# when such a container holds only elements, no text of its own, each child is read as a block.
_ROWS = frozenset({"div", "header", "footer", "section", "td"})
_INLINE_ROW = frozenset({"span", "a", "time", "strong", "b", "em", "small", "font"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_CLASS_HINTS = (
    ("pull_quote", junk.PULL_QUOTE),
    ("caption", re.compile(r"caption|credit|photo-?text|img-?desc", re.I)),
    (
        "lead",
        re.compile(r"\blead\b|\blede\b|excerpt|summary|sub-?(?:title|head)|standfirst|intro", re.I),
    ),
    ("byline", re.compile(r"author|byline|writer|reporter|\bdate|time|publish|\bsource", re.I)),
    ("tag", re.compile(r"\btags?\b|keywords|categor|topics?\b", re.I)),
)
_SPACE_RUN = re.compile(r"\s{2,}|[^\S ]|^\s+|\s+$")
_PLAIN_RUN = re.compile(r"[^<>&\"']+")
_HEADLINE_ELSEWHERE = "h2, h3, b, strong, font"
_WINDOW = 60_000  # how far ahead a text node is looked for in the source


@dataclass
class Page:
    """What an HTML page yields: its headline, units in reading order, removed furniture."""

    title: Unit | None
    units: list[Unit] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


class _Reader:
    """Turns the blocks under one element into units, with offsets into the source HTML."""

    def __init__(self, source: str, removed: list[str]) -> None:
        self.source = source
        self.cursor = 0
        self.units: list[Unit] = []
        self.removed = removed  # blocks that markup shows to be furniture (link lists) go here
        self.pieces: list[tuple[str, list[Anchor]]] = []
        self.hint = ""
        self.group = -1
        self.groups = 0

    def text(self, raw: str, hint: str, group: int) -> None:
        if not self.pieces:
            self.hint, self.group = hint, group
        self.pieces.append((raw, self._locate(raw)))

    def _locate(self, raw: str) -> list[Anchor]:
        """Return anchors from offsets in a text node to where its text stands in the source."""
        needle = raw.strip()
        if not needle:
            return []
        lead = len(raw) - len(raw.lstrip())
        pos = self.source.find(needle, self.cursor, self.cursor + _WINDOW)
        if pos >= 0:
            self.cursor = pos + len(needle)
            return [(lead, pos)]
        # The source writes some characters as references (&quot; &amp; &lt;): anchor each run between them.
        anchors: list[Anchor] = []
        for m in _PLAIN_RUN.finditer(needle):
            pos = self.source.find(m.group(), self.cursor, self.cursor + _WINDOW)
            if pos >= 0:
                anchors.append((lead + m.start(), pos))
                self.cursor = pos + len(m.group())
        return anchors

    def flush(self) -> None:
        if not self.pieces:
            return
        joined = "".join(p for p, _ in self.pieces)
        anchors: list[Anchor] = []
        offset = 0
        for piece, located in self.pieces:
            anchors.extend((offset + local, src) for local, src in located)
            offset += len(piece)
        self.pieces = []
        if _SPACE_RUN.search(joined):
            text, collapse = rewrite(joined, _SPACE_RUN, _collapse)
            to_source = compose(collapse, anchors) if anchors else ()
        else:
            text, to_source = joined, tuple(anchors)
        if text and self.hint == "boilerplate":
            self.removed.append(text)
        elif text:
            self.units.append(Unit(text, to_source, self.hint, self.group))

    def walk(self, node: LexborNode, hint: str, group: int) -> None:
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                self.text(child.text_content or "", hint, group)
            elif tag == "br":
                self.flush()
            elif tag in _BLOCKS:
                self.flush()
                child_hint, child_group = self._block_hint(child, tag, hint, group)
                if tag in _ROWS and child_hint != "tag" and _laid_out_apart(child):
                    for item in child.iter(include_text=False):
                        self.walk(item, child_hint, child_group)
                        self.flush()
                else:
                    self.walk(child, child_hint, child_group)
                self.flush()
            elif tag and not tag.startswith("-"):
                if hint in ("byline", "tag"):
                    # Author, outlet and date sit in adjacent inline elements that a page
                    # lays out apart; do not run their words together.
                    self.text(" ", hint, group)
                self.walk(child, hint, group)

    def _block_hint(self, node: LexborNode, tag: str, hint: str, group: int) -> tuple[str, int]:
        if hint in ("boilerplate", "pull_quote", "caption"):
            return hint, group  # what is inside a pull quote or a caption is still one
        attrs = node.attributes
        names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
        if names.strip():
            for name, pattern in _CLASS_HINTS:
                if pattern.search(names):
                    return name, group
        if tag in ("ul", "ol"):
            self.groups += 1
            return ("boilerplate" if _link_dense(node, 0.6) else hint), self.groups
        if tag in ("div", "section", "p", "li") and _link_dense(node, 0.8 if tag == "p" else 0.6):
            return "boilerplate", group
        if tag in _HEADINGS:
            return "heading", group
        if tag == "li":
            return "list_item", group
        if tag in ("figcaption", "figure"):
            return "caption", -1
        if tag in ("p", "blockquote"):
            return ("strong" if _only_bold(node) else "paragraph"), group
        return hint, group


def _laid_out_apart(node: LexborNode) -> bool:
    """Whether a container holds two or more inline elements, not all links, and no text of its own.

    (A row of labels such as a byline beside a date; a row of links is a menu or a tag list, read whole.)
    """
    kids = links = 0
    for child in node.iter(include_text=True):
        if child.tag == "-text":
            if (child.text_content or "").strip():
                return False
        elif child.tag in _INLINE_ROW:
            kids += 1
            links += child.tag == "a"
        elif child.tag and not child.tag.startswith("-"):
            return False
    return kids >= 2 and links < kids


def _collapse(m: re.Match[str]) -> str:
    return "" if m.start() == 0 or m.end() == len(m.string) else " "


def _link_dense(node: LexborNode, limit: float) -> bool:
    """Whether most of the node's text is link text (related lists, tag clouds, menus)."""
    links = node.css("a")
    if not links:
        return False
    total = len("".join((node.text() or "").split()))
    linked = sum(len("".join((a.text() or "").split())) for a in links)
    return total > 0 and linked >= limit * total


def _only_bold(node: LexborNode) -> bool:
    kids = [
        k
        for k in node.iter(include_text=True)
        if not (k.tag == "-text" and not (k.text_content or "").strip())
    ]
    return len(kids) == 1 and kids[0].tag in ("strong", "b")


def read_page(source: str) -> Page:
    """Return the headline, the units of the article's part of the page and the removed furniture.

    Furniture is removed by element and role over the whole page, by class and id
    names only inside the article's part (the rest of the page is not read at all).
    When the markup holds no running text, the body declared in the page's JSON-LD is
    read instead (its lines are mapped to the source where the JSON escapes nothing in them).
    """
    tree = LexborHTMLParser(source)
    declared = [s.text() or "" for s in tree.css('script[type="application/ld+json"]')]
    found = headline.find(tree)  # before <meta> goes with the other elements that hold no text
    tree.strip_tags(_DROP_TAGS)
    page = Page(title=None)
    body = tree.body
    if body is None:
        return page
    junk.remove(body, page.removed, by_name=False)
    heading = None
    if found is not None:
        start = source.find(found.text)
        page.title = Unit(found.text, ((0, start),) if start >= 0 else ())
        # The node found before furniture was removed may be gone with it: look again, and on
        # pages with no <h1> for the element that shows the headline (<b>, <font>, <h2>).
        selectors = ("h1", _HEADLINE_ELSEWHERE) if found.node is not None else (_HEADLINE_ELSEWHERE,)
        for selector in selectors:
            heading = next(
                (h for h in body.css(selector) if " ".join((h.text() or "").split()) == found.text), None
            )
            if heading is not None:
                break
    found_container = container.find_container(body, heading)
    root = container.article_root(found_container, heading) if found_container is not None else body
    junk.remove(root, page.removed, by_name=True)
    reader = _Reader(source, page.removed)
    reader.walk(root, "", -1)
    reader.flush()
    page.units = reader.units
    if found_container is None and declared:
        # Digits are left as they are: the stage does not know the setting, and escaped
        # digits in JSON are rare (literal ones were converted with the page).
        text, _ = clean(structured.article_body(declared), latin_digits=False)
        if len(text) > sum(len(u.text) for u in page.units if u.hint == "paragraph"):
            lines = [line for line in text.split("\n") if line]
            starts = [source.find(line) for line in lines]  # found where the JSON escapes nothing
            page.units = [
                Unit(line, ((0, at),) if at >= 0 else ()) for line, at in zip(lines, starts, strict=True)
            ]
    return page
