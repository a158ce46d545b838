"""Check a task payload and turn it into an ``Article``, or say exactly what is wrong.

The payload is the JSON object other systems send to ``khabar.process_article``
(its schema is ``schemas/payload.schema.json``).  Every rejection is an
``InvalidArticle`` with a reason code and a message naming the problem.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from tasks.errors import InvalidArticle, Reason
from tasks.records import Article, Budget

FIELDS = {"id", "text", "html", "url", "source", "published_at", "metadata", "summary"}
_OPTIONAL_STRINGS = ("url", "source", "published_at")
_ID = re.compile(r"^[^\s\x00-\x1f\x7f]{1,200}$")
_TAG = re.compile(r"<[^>]*>")
# U+0600-U+06FF Arabic, U+0750-U+077F supplement, U+08A0-U+08FF extended-A,
# U+FB50-U+FDFF and U+FE70-U+FEFF presentation forms.
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u066e-\u06d3\u06d5\u06fa-\u06fc\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc]")
_LETTER = re.compile(r"[^\W\d_]")
# Control characters other than tab, newline, carriage return; U+FFFD marks bytes
# that were not valid UTF-8 where the sender decoded them.
_JUNK = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 2_000_000
    max_chars: int = 1_000_000
    min_arabic_ratio: float = 0.3
    min_arabic_letters: int = 10


def content_hash(kind: str, content: str) -> str:
    """Return a stable hash of an article's content (its id when none is given)."""
    return hashlib.sha256(f"{kind}\0{content}".encode("utf-8", "surrogatepass")).hexdigest()


def parse_payload(payload: Any, limits: Limits, default_budget: Budget | None = None) -> Article:
    """Return the Article a payload describes, or raise InvalidArticle naming the problem."""
    if isinstance(payload, (str, bytes)):
        try:
            payload = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidArticle(Reason.MALFORMED_PAYLOAD, f"payload is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise InvalidArticle(
            Reason.MALFORMED_PAYLOAD, f"payload must be a JSON object, got {type(payload).__name__}"
        )
    unknown = sorted(str(k) for k in payload if k not in FIELDS)
    if unknown:
        raise InvalidArticle(
            Reason.MALFORMED_PAYLOAD, f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(FIELDS))}"
        )
    has_text, has_html = payload.get("text") is not None, payload.get("html") is not None
    if has_text and has_html:
        raise InvalidArticle(Reason.MALFORMED_PAYLOAD, "give either 'text' or 'html', not both")
    if not (has_text or has_html):
        raise InvalidArticle(Reason.MISSING_FIELD, "payload has no 'text' or 'html' field")
    kind = "text" if has_text else "html"
    content = payload[kind]
    if not isinstance(content, str):
        raise InvalidArticle(Reason.WRONG_TYPE, f"'{kind}' must be a string, got {type(content).__name__}")
    check_content(content, kind, limits)

    for name in _OPTIONAL_STRINGS:
        value = payload.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidArticle(Reason.WRONG_TYPE, f"'{name}' must be a string, got {type(value).__name__}")
    metadata = payload.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise InvalidArticle(Reason.WRONG_TYPE, f"'metadata' must be an object, got {type(metadata).__name__}")

    article_id = payload.get("id")
    if article_id is None:
        article_id = content_hash(kind, content)[:32]
    elif not isinstance(article_id, str):
        raise InvalidArticle(Reason.WRONG_TYPE, f"'id' must be a string, got {type(article_id).__name__}")
    elif not _ID.match(article_id):
        raise InvalidArticle(
            Reason.MALFORMED_PAYLOAD, "'id' must be 1-200 characters with no spaces or control characters"
        )
    return Article(
        id=article_id,
        content=content,
        kind=kind,
        url=payload.get("url"),
        source=payload.get("source"),
        published_at=payload.get("published_at"),
        metadata=metadata,
        budget=_parse_budget(payload.get("summary"), default_budget or Budget()),
    )


def check_content(content: str, kind: str, limits: Limits) -> None:
    """Raise InvalidArticle unless ``content`` is non-empty Arabic text within the limits."""
    if len(content) > limits.max_chars:
        raise InvalidArticle(
            Reason.TOO_LARGE, f"article has {len(content):,} characters; the limit is {limits.max_chars:,}"
        )
    try:
        size = len(content.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidArticle(Reason.NOT_TEXT, "article contains lone surrogates (undecodable bytes)") from None
    if size > limits.max_bytes:
        raise InvalidArticle(Reason.TOO_LARGE, f"article is {size:,} bytes; the limit is {limits.max_bytes:,}")
    visible = _TAG.sub(" ", content) if kind == "html" else content
    if not visible.strip():
        raise InvalidArticle(Reason.EMPTY, f"article '{kind}' is empty")
    junk = len(_JUNK.findall(visible))
    if junk and junk > 0.01 * len(visible):
        raise InvalidArticle(
            Reason.NOT_TEXT, f"article has {junk} control or undecodable characters: binary data, not text"
        )
    letters = len(_LETTER.findall(visible))
    arabic = len(_ARABIC_LETTER.findall(visible))
    if arabic < limits.min_arabic_letters or arabic < limits.min_arabic_ratio * letters:
        share = arabic / letters if letters else 0.0
        raise InvalidArticle(
            Reason.NOT_ARABIC,
            f"article is not Arabic: {arabic} Arabic letters of {letters} ({share:.0%}); "
            f"at least {limits.min_arabic_letters} and {limits.min_arabic_ratio:.0%} are needed",
        )


def _parse_budget(raw: Any, default: Budget) -> Budget:
    if raw is None:
        return default
    if not isinstance(raw, dict):
        raise InvalidArticle(Reason.WRONG_TYPE, f"'summary' must be an object, got {type(raw).__name__}")
    unknown = sorted(str(k) for k in raw if k not in ("words", "sentences", "ratio"))
    if unknown:
        raise InvalidArticle(Reason.MALFORMED_PAYLOAD, f"unknown summary option(s) {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name in ("words", "sentences"):
        value = raw.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise InvalidArticle(Reason.WRONG_TYPE, f"'summary.{name}' must be a positive integer, got {value!r}")
        values[name] = value
    ratio = raw.get("ratio")
    if ratio is not None and (
        not isinstance(ratio, (int, float)) or isinstance(ratio, bool) or not 0 < ratio <= 1
    ):
        raise InvalidArticle(Reason.WRONG_TYPE, f"'summary.ratio' must be a number in (0, 1], got {ratio!r}")
    values["ratio"] = float(ratio) if ratio is not None else None
    if not any(v is not None for v in values.values()):
        return default
    return Budget(**values)
