"""Where the article is in an HTML page: the element holding its paragraphs, and its headline.

Scoring in the manner of readability: every paragraph credits its parent with its length
(commas count extra, as running prose has them) and its grandparent with half; text written
straight into a container counts as a paragraph of that container.  Paragraphs inside
containers named as furniture do not count, and text that shares a wrapper with the
headline is preferred to text that shares one with another article's headline, so that a
longer article appended below (infinite scroll) does not win.
"""

from __future__ import annotations

from collections.abc import Callable

from selectolax.lexbor import LexborNode

from khabar.tasks.section import junk

KNOWN_BODY = (
    '[itemprop="articleBody"], .article-body, .articleBody, .article-content, .article__body, '
    ".entry-content, .post-content, .story-body, .news-content, .news-body, .details-body, "
    ".field-name-body, #article-body, #articleBody, .article-text, .text-content, article"
)
_MIN_SCORE = 200  # characters of paragraph text, roughly: less is not an article
_NEAR_HEADLINE = 1.5
_OTHER_HEADLINE = 0.1


def _text_len(node: LexborNode) -> int:
    return len((node.text() or "").strip())


def find_container(body: LexborNode, heading: LexborNode | None) -> LexborNode | None:
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
    if max(scores.values(), default=0) < _MIN_SCORE:
        # No paragraphs: text written straight into containers, one <div> a paragraph.
        # (Looked at last: a page has thousands of containers.)
        for holder in body.css("div, td, section, article, font, center"):
            if not in_furniture(holder):
                _credit_direct_text(holder, credit)
    if not scores:
        return None
    for node in body.css(KNOWN_BODY):
        if node.mem_id in scores:
            scores[node.mem_id] *= 1.25
    if heading is not None:
        _weigh_by_headline(body, heading, nodes, scores)
    best_id = max(scores, key=scores.__getitem__)
    best = nodes[best_id]
    parent = best.parent
    if (
        parent is not None
        and parent.tag not in ("body", "html")
        and scores.get(parent.mem_id, 0) >= 0.75 * scores[best_id]
    ):
        best = parent  # the article is split over siblings (an ad or a photo between parts)
    return best if scores[best_id] >= _MIN_SCORE else None


def _weigh_by_headline(
    body: LexborNode, heading: LexborNode, nodes: dict[int, LexborNode], scores: dict[int, float]
) -> None:
    """Favour text that shares a wrapper with the page's headline, not with another article's.

    The smallest element around a candidate that also holds an ``<h1>`` tells whose text it
    is: the page's headline (favoured), or only other headlines (an article appended below,
    a teaser), which count much less.
    """
    wrappers: dict[int, set[int]] = {}  # element -> the <h1>s inside it
    for h1 in body.css("h1"):
        for a in _ancestors(h1):
            if a.tag not in ("body", "html"):
                wrappers.setdefault(a.mem_id, set()).add(h1.mem_id)
    for mem_id, node in nodes.items():
        around = next((wrappers[n.mem_id] for n in [node, *_ancestors(node)] if n.mem_id in wrappers), None)
        if around is None:
            continue
        scores[mem_id] *= _NEAR_HEADLINE if heading.mem_id in around else _OTHER_HEADLINE


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


def article_root(container: LexborNode, heading: LexborNode | None) -> LexborNode:
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
