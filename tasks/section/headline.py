"""The headline of an HTML page: ``og:title``, ``<h1>`` or ``<title>``, without the site's name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from khabar.tasks.section.cues import words_of

# " | ", " - ", " :: ", " » " ... between a headline and the site's name.
_SITE_SEPARATOR = re.compile(
    r"\s+(?:[|\-/\u2013\u2014\u00bb\u00ab]|::)\s+|\s*\|\s*"
)  # EN/EM DASH, GUILLEMETS


@dataclass(frozen=True)
class Found:
    text: str
    node: LexborNode | None  # the heading element it was read from, if any


def text_of(node: LexborNode) -> str:
    """The node's text with its whitespace collapsed, as a headline is compared."""
    return " ".join((node.text() or "").split())


def _meta(tree: LexborHTMLParser, *selectors: str) -> str:
    for selector in selectors:
        node = tree.css_first(selector)
        if node is not None:
            content = " ".join((node.attributes.get("content") or "").split())
            if content:
                return content
    return ""


def _similar(a: str, b: str) -> bool:
    wa, wb = set(words_of(a)), set(words_of(b))
    if not wa or not wb:
        return False
    if (wa <= wb or wb <= wa) and min(len(wa), len(wb)) >= 3:
        return True
    return len(wa & wb) >= 0.6 * len(wa | wb)


def strip_site_name(title: str, site: str) -> str:
    """Return ``title`` without the site's name that pages append or prepend to it."""
    parts = _SITE_SEPARATOR.split(title)
    if len(parts) == 1:
        return title
    site_words = set(words_of(site)) if site else set()
    kept = [p for p in parts if not (site_words and (set(words_of(p)) <= site_words or _similar(p, site)))]
    if site_words and kept and len(kept) < len(parts):
        if len(kept) == len(parts) - 1 and (parts[0] not in kept or parts[-1] not in kept):
            # Cut at the separator next to the site name, keeping the headline's own dashes.
            seps = list(_SITE_SEPARATOR.finditer(title))
            return title[seps[0].end() :] if parts[0] not in kept else title[: seps[-1].start()]
        return max(kept, key=len)
    # No known site name: a short first or last part is the site's name.
    seps = list(_SITE_SEPARATOR.finditer(title))
    if len(parts[-1].split()) <= 3 < len(title[: seps[-1].start()].split()):
        return title[: seps[-1].start()]
    if len(parts[0].split()) <= 3 < len(title[seps[0].end() :].split()):
        return title[seps[0].end() :]
    return title


def find(tree: LexborHTMLParser) -> Found | None:
    """Return the page's headline, preferring the ``<h1>`` that agrees with the page's metadata."""
    site = _meta(tree, 'meta[property="og:site_name"]', 'meta[name="application-name"]')
    title_node = tree.css_first("title")
    title_tag = " ".join((title_node.text() or "").split()) if title_node is not None else ""
    declared = [
        strip_site_name(t, site)
        for t in (_meta(tree, 'meta[property="og:title"]', 'meta[name="twitter:title"]'), title_tag)
        if t
    ]
    h1s = [(text_of(n), n) for n in tree.css("h1")]
    h1s = [(t, n) for t, n in h1s if t]
    for text, node in h1s:
        if any(_similar(text, d) for d in declared):
            return Found(text, node)
    if declared:
        return Found(declared[0], None)
    if h1s:
        text, node = max(h1s, key=lambda h: len(h[0].split()))
        return Found(text, node)
    return None
