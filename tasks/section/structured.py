"""The article body a page declares in its structured data (schema.org JSON-LD).

Pages built by scripts may hold no article text in their markup at all; most still
declare ``articleBody`` in a ``NewsArticle`` for search engines.  It is the fallback
when the markup yields no running text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

_BODY_KEYS = ("articleBody", "text")
_LD_SCRIPT = re.compile(
    r"<script\b[^>]*\btype\s*=\s*[\"']?application/ld\+json[^>]*>(.*?)</script\s*>", re.I | re.S
)


def declared_scripts(page: str) -> list[str]:
    """The JSON-LD scripts of an HTML page, read without parsing it (for the payload checks)."""
    return _LD_SCRIPT.findall(page)


def _objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from _objects(value)
    elif isinstance(data, list):
        for item in data:
            yield from _objects(item)


def article_body(scripts: list[str]) -> str:
    """Return the longest ``articleBody`` declared in the JSON-LD ``scripts``, or ""."""
    best = ""
    for script in scripts:
        try:
            data = json.loads(script)
        except ValueError:
            continue  # pages ship broken JSON-LD too
        for obj in _objects(data):
            for key in _BODY_KEYS:
                value = obj.get(key)
                if isinstance(value, str) and len(value) > len(best):
                    best = value
    return best
