"""HTML pages: remove the furniture markup declares, find the article's container, read its blocks.

Parsing uses selectolax's Lexbor backend (fast enough for the 5 ms budget, where a
full trafilatura extraction takes tens of milliseconds).  What an Arabic news page
needs beyond generic extraction is handled here by markup (class names of tickers,
weather and prayer-time boxes, related lists, comment forms) and in ``layout`` by
the same cue words used for plain text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from tasks.normalise.rewrite import rewrite
from tasks.offsets import compose
from tasks.records import Anchor
from tasks.section import headline, junk
from tasks.section.units import Unit

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
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_CLASS_HINTS = (
    ("caption", re.compile(r"caption|credit|photo-?text|img-?desc", re.I)),
    ("lead", re.compile(r"\blead|excerpt|summary|sub-?title|standfirst|\bdeck|\bintro|brief|abstract", re.I)),
    ("byline", re.compile(r"author|byline|writer|reporter|\bdate|time|publish|\bsource", re.I)),
    ("tag", re.compile(r"\btags?\b|keywords|categor|topics?\b", re.I)),
)
_KNOWN_BODY = (
    '[itemprop="articleBody"], .article-body, .articleBody, .article-content, .article__body, '
    ".entry-content, .post-content, .story-body, .news-content, .news-body, .details-body, "
    ".field-name-body, #article-body, #articleBody, .article-text, .text-content, article"
)
_SPACE_RUN = re.compile(r"\s{2,}|[^\S ]|^\s+|\s+$")
_PLAIN_RUN = re.compile(r"[^<>&\"']+")
_WINDOW = 60_000  # how far ahead a text node is looked for in the source


@dataclass
class Page:
    """What an HTML page yields: its headline, units in reading order, removed furniture."""

    title: Unit | None
    units: list[Unit] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


class _Reader:
    """Turns the blocks under one element into units, with offsets into the source HTML."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.cursor = 0
        self.units: list[Unit] = []
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
        if text:
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
                self.walk(child, child_hint, child_group)
                self.flush()
            elif tag and not tag.startswith("-"):
                if hint in ("byline", "tag"):
                    # Author, outlet and date sit in adjacent inline elements that a page
                    # lays out apart; do not run their words together.
                    self.text(" ", hint, group)
                self.walk(child, hint, group)

    def _block_hint(self, node: LexborNode, tag: str, hint: str, group: int) -> tuple[str, int]:
        if hint == "boilerplate":
            return hint, group
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
        if tag == "figcaption":
            return "caption", -1
        if tag in ("p", "blockquote"):
            return ("strong" if _only_bold(node) else "paragraph"), group
        return hint, group


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


def _text_len(node: LexborNode) -> int:
    return len((node.text() or "").strip())


def _container(body: LexborNode) -> LexborNode | None:
    """Return the element holding the most paragraph text (readability-style scoring).

    Paragraphs inside containers named as furniture (comments, sidebars) do not count.
    """
    in_furniture = junk.NamedAncestors(body)
    scores: dict[int, float] = {}
    nodes: dict[int, LexborNode] = {}

    def credit(node: LexborNode | None, amount: float) -> None:
        if node is None:
            return
        scores[node.mem_id] = scores.get(node.mem_id, 0.0) + amount
        nodes[node.mem_id] = node

    for p in body.css("p, pre, blockquote"):
        text = (p.text() or "").strip()
        if len(text) < 25 or in_furniture(p):
            continue
        amount = len(text) + 20 * (text.count("\u060c") + text.count(","))  # ARABIC COMMA
        parent = p.parent
        credit(parent, amount)
        credit(parent.parent if parent else None, amount / 2)
    seen: set[int] = set()
    for br in body.css("br"):
        holder = br.parent
        if (
            holder is not None
            and holder.mem_id not in seen
            and holder.tag != "p"
            and not in_furniture(holder)
        ):
            seen.add(holder.mem_id)
            _credit_direct_text(holder, credit)
    if max(scores.values(), default=0) < 200:
        # No paragraphs: text written straight into containers, one <div> a paragraph.
        # (Looked at last: a page has thousands of containers.)
        for holder in body.css("div, td, section, article, font, center"):
            if not in_furniture(holder):
                _credit_direct_text(holder, credit)
    if not scores:
        return None
    for node in body.css(_KNOWN_BODY):
        if node.mem_id in scores:
            scores[node.mem_id] *= 1.25
    best_id = max(scores, key=scores.__getitem__)
    best = nodes[best_id]
    parent = best.parent
    if (
        parent is not None
        and parent.tag not in ("body", "html")
        and scores.get(parent.mem_id, 0) >= 0.75 * scores[best_id]
    ):
        best = parent  # the article is split over siblings (an ad or a photo between parts)
    return best if scores[best_id] >= 200 else None


def _credit_direct_text(holder: LexborNode, credit: Callable[[LexborNode | None, float], None]) -> None:
    """Score an element for the text written directly in it (not in child elements)."""
    direct = len((holder.text(deep=False) or "").strip())
    if direct >= 80:
        credit(holder, direct)
        credit(holder.parent, direct / 2)


def _ancestors(node: LexborNode) -> list[LexborNode]:
    out: list[LexborNode] = []
    parent = node.parent
    while parent is not None:
        out.append(parent)
        parent = parent.parent
    return out


def _article_root(container: LexborNode, heading: LexborNode | None) -> LexborNode:
    """The nearest element holding both the headline and the body, unless that is the whole page."""
    if heading is None:
        return container
    ids = {container.mem_id} | {a.mem_id for a in _ancestors(container)}
    node: LexborNode | None = heading
    while node is not None and node.mem_id not in ids:
        node = node.parent
    if node is None or node.tag in ("body", "html"):
        return container
    if _text_len(node) > 2 * _text_len(container) + 3000:
        return container
    return node


def read_page(source: str) -> Page:
    """Return the headline, the units of the article's part of the page and the removed furniture.

    Furniture is removed by element and role over the whole page, by class and id
    names only inside the article's part (the rest of the page is not read at all).
    """
    tree = LexborHTMLParser(source)
    tree.strip_tags(_DROP_TAGS)
    found = headline.find(tree)
    page = Page(title=None)
    body = tree.body
    if body is None:
        return page
    junk.remove(body, page.removed, by_name=False)
    container = _container(body)
    heading = None
    if found is not None and found.node is not None:
        # The node found before junk removal may be gone with its container: look again.
        heading = next((h for h in body.css("h1") if " ".join((h.text() or "").split()) == found.text), None)
    if found is not None:
        start = source.find(found.text)
        page.title = Unit(found.text, ((0, start),) if start >= 0 else ())
    root = _article_root(container, heading) if container is not None else body
    junk.remove(root, page.removed, by_name=True)
    reader = _Reader(source)
    reader.walk(root, "", -1)
    reader.flush()
    page.units = reader.units
    return page
