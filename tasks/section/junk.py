"""Furniture that markup declares: menus, footers, sidebars, comment areas, related lists.

Found by element or role (``nav``, ``aside``, ``role=contentinfo``) and by the words
sites put in class and id names (``comments-area``, ``related-news``, ``weather-widget``,
``prayer-times``).  Names are matched in Python with one branching pattern: the same
test as CSS substring selectors costs ten times more in the selector engine.
"""

from __future__ import annotations

import re
from collections import defaultdict

from selectolax.lexbor import LexborNode

_BY_ELEMENT = (
    'nav, footer, aside, [role="navigation"], [role="complementary"], [role="contentinfo"], [hidden], '
    '[aria-hidden="true"], [style*="display:none"], [style*="display: none"]'
)
_NAME_WORDS = (
    "comment", "related", "share", "social", "breadcrumb", "ticker", "marquee", "newsletter", "subscribe",
    "sidebar", "widget", "weather", "taboola", "outbrain", "advert", "cookie", "popup", "modal", "most-read",
    "mostread", "most_read", "trending", "popular", "prayer", "currency", "recommend", "read-more",
    "readmore", "more-news", "also-read", "navbar", "menu", "banner", "promo", "sponsor", "poll", "login",
    "signup", "pagination", "toolbar", "breaking", "urgent", "latest", "footer", "masthead", "copyright",
    "disqus", "respond", "reply", "author-box", "newsbar", "slider", "carousel", "gallery-list", "stock",
    "market-data", "tweet", "instagram", "tiktok", "fb-post", "video-player", "player-container",
    "app-download", "jwplayer", "video-js", "vjs-", "onetrust", "consent", "gdpr", "cmp-container", "qc-cmp",
)  # fmt: skip
# A pull quote sits in an <aside> or a box named like furniture, but is the story's own text.
PULL_QUOTE = re.compile(r"pull-?quote|quote-?box|box-?quote", re.I)
_NAME_TOKENS = frozenset({"ad", "ads", "nav", "header"})  # only as whole class or id names


def _branching(words: tuple[str, ...]) -> re.Pattern[str]:
    """An alternation grouped by first letter, so the engine branches instead of trying every word."""
    by_first: dict[str, list[str]] = defaultdict(list)
    for word in words:
        by_first[word[0]].append(re.escape(word[1:]))
    return re.compile(
        "|".join(
            f"{re.escape(k)}(?:{'|'.join(sorted(v, key=len, reverse=True))})" for k, v in by_first.items()
        )
    )


_NAME = _branching(_NAME_WORDS)
_KEEP = frozenset({"html", "body", "main", "article"})


def named(node: LexborNode) -> bool:
    """Whether the node's class or id names it as furniture."""
    attrs = node.attributes
    names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()
    if not names.strip() or node.tag in _KEEP:
        return False
    return _NAME.search(names) is not None or any(n in _NAME_TOKENS for n in names.split())


class NamedAncestors:
    """Answers "is this node inside a container named as furniture?", remembering each ancestor."""

    def __init__(self, stop: LexborNode) -> None:
        self._stop = stop.mem_id
        self._known: dict[int, bool] = {}

    def __call__(self, node: LexborNode) -> bool:
        seen: list[int] = []
        found = False
        current: LexborNode | None = node
        while current is not None and current.mem_id != self._stop:
            known = self._known.get(current.mem_id)
            if known is not None:
                found = known
                break
            seen.append(current.mem_id)
            if named(current):
                found = True
                break
            current = current.parent
        for mem_id in seen:
            self._known[mem_id] = found
        return found


def _text_len(node: LexborNode) -> int:
    return len((node.text() or "").strip())


def remove(root: LexborNode, removed: list[str], *, by_name: bool) -> None:
    """Remove furniture under ``root``, recording its text, unless a container holds most of the text."""
    total = _text_len(root)
    candidates = list(root.css(_BY_ELEMENT))
    if by_name:
        candidates += [n for n in root.css("[class], [id]") if named(n)]
    # A container holding most of the text is the article, whatever its name.
    candidates = [
        n
        for n in candidates
        if n.tag not in _KEEP
        and not (total > 500 and _text_len(n) * 5 > total * 2)
        and not PULL_QUOTE.search(n.attributes.get("class") or "")
    ]
    ids = {n.mem_id for n in candidates}
    outermost: list[LexborNode] = []
    for node in candidates:
        parent = node.parent
        while parent is not None and parent.mem_id not in ids:
            parent = parent.parent
        if parent is None:
            outermost.append(node)
    # Decompose only after every ancestry check: a freed node must not be touched again.
    done: set[int] = set()
    for node in outermost:
        if node.mem_id in done:
            continue  # found both by element and by name
        done.add(node.mem_id)
        text = " ".join((node.text(separator=" ") or "").split())
        if text:
            removed.append(text)
        node.decompose()
