"""Check a task payload and turn it into an ``Article``, or say exactly what is wrong.

The payload is the JSON object other systems send to ``khabar.process_article``.
Its schema, ``schemas/payload.schema.json``, is generated from the rules here
(``khabar.tasks.payload_schema``), so the two cannot drift: a test checks the file
is current and that both give the same verdict on a table of edge payloads.  The
shape rules: ``null`` is the same as an absent field everywhere; exactly one of
``text``/``html`` is a string; an integral number (``2.0``) is an integer.  What a
schema cannot say (Arabic share, sizes in bytes, HTML with no visible text,
metadata size) is checked here only.  Every rejection is an ``InvalidArticle``
with a reason code and a message naming the problem.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import reprlib
from dataclasses import dataclass
from typing import Any

from khabar.tasks.errors import InvalidArticle, Reason
from khabar.tasks.records import Article, Budget

FIELDS = {"id", "text", "html", "url", "source", "published_at", "metadata", "summary"}
_OPTIONAL_STRINGS = ("url", "source", "published_at")
_MAX_BUDGET = {"words": 100_000, "sentences": 10_000}
ID_CHAR = r"[^\s\x00-\x1f\x7f]"  # an id character: no whitespace, no control character
ID_MAX = 200
_ID = re.compile(rf"^{ID_CHAR}{{1,{ID_MAX}}}$")
_TAG = re.compile(r"<[^>]*>")
# U+0600-U+06FF Arabic, U+0750-U+077F supplement, U+08A0-U+08FF extended-A,
# U+FB50-U+FDFF and U+FE70-U+FEFF presentation forms.
_ARABIC_LETTER = re.compile(
    r"[\u0621-\u064a\u066e-\u06d3\u06d5\u06fa-\u06fc\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc]+"
)
_LETTER = re.compile(r"[^\W\d_]+")
# Control characters other than tab, newline, carriage return.  Stray ones in good text
# (U+001A used as an indent, U+0002 between sentences) are removed by the normalise stage
# and counted in the document; only text made largely of them is binary data.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# U+FFFD marks bytes that were not valid UTF-8 where the sender decoded them: text
# with more than a few was decoded with the wrong charset, or is not text.
_UNDECODABLE = "\ufffd"
_MAX_CONTROL_SHARE = 0.05
_MAX_UNDECODABLE_SHARE = 0.01
# What a reader never sees: elements whose content is code or data, and comments.
# Only their openings are matched; each element's end is looked up with str.find,
# so a page full of unclosed <script> tags still costs one pass.
_HIDDEN_OPEN = re.compile(r"<(script|style|noscript|template|textarea)\b|<!--", re.I)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 2_000_000
    max_chars: int = 1_000_000
    min_arabic_ratio: float = 0.3
    min_arabic_letters: int = 10
    max_field_chars: int = 4096  # url, source, published_at
    max_metadata_bytes: int = 65_536  # metadata as JSON


def _encodable(value: str) -> bool:
    """Whether a string can be stored as UTF-8 (a lone surrogate cannot)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _short(value: Any) -> str:
    """A short, storable repr for messages: never a whole article, never a lone surrogate."""
    if isinstance(value, str):
        text = value[:40] + ("..." if len(value) > 40 else "")
    else:
        text = reprlib.repr(value)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def usable_id(payload: Any) -> str | None:
    """The payload's own id if it is a valid one, else None (to record a rejection under)."""
    if isinstance(payload, dict):
        value = payload.get("id")
        if isinstance(value, str) and _ID.match(value) and _encodable(value):
            return value
    return None


def content_hash(kind: str, content: str) -> str:
    """Return a stable hash of an article's content (its id when none is given)."""
    return hashlib.sha256(f"{kind}\0{content}".encode("utf-8", "surrogatepass")).hexdigest()


def parse_payload(payload: Any, limits: Limits, default_budget: Budget | None = None) -> Article:
    """Return the Article a payload describes, or raise InvalidArticle naming the problem."""
    if isinstance(payload, (str, bytes)):
        try:
            payload = json.loads(payload)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise InvalidArticle(
                Reason.MALFORMED_PAYLOAD, f"payload is not valid JSON: {_short(exc)}"
            ) from None
    if not isinstance(payload, dict):
        raise InvalidArticle(
            Reason.MALFORMED_PAYLOAD, f"payload must be a JSON object, got {type(payload).__name__}"
        )
    unknown = sorted(_short(k) for k in payload if k not in FIELDS)
    if unknown:
        raise InvalidArticle(
            Reason.MALFORMED_PAYLOAD,
            f"unknown field(s) {', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''}; "
            f"allowed: {', '.join(sorted(FIELDS))}",
        )
    has_text, has_html = payload.get("text") is not None, payload.get("html") is not None
    if has_text and has_html:
        raise InvalidArticle(Reason.MALFORMED_PAYLOAD, "give either 'text' or 'html', not both")
    if not (has_text or has_html):
        raise InvalidArticle(Reason.MISSING_FIELD, "payload has no 'text' or 'html' field")
    kind = "text" if has_text else "html"
    content = payload[kind]
    if isinstance(content, (bytes, bytearray)):  # kombu's JSON carries bytes as tagged base64
        raise InvalidArticle(Reason.NOT_TEXT, f"'{kind}' is binary data ({len(content):,} bytes), not text")
    if not isinstance(content, str):
        raise InvalidArticle(Reason.WRONG_TYPE, f"'{kind}' must be a string, got {type(content).__name__}")
    check_content(content, kind, limits)

    for name in _OPTIONAL_STRINGS:
        value = payload.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise InvalidArticle(Reason.WRONG_TYPE, f"'{name}' must be a string, got {type(value).__name__}")
        if len(value) > limits.max_field_chars:
            raise InvalidArticle(
                Reason.TOO_LARGE, f"'{name}' is longer than {limits.max_field_chars} characters"
            )
        if not _encodable(value):
            raise InvalidArticle(Reason.NOT_TEXT, f"'{name}' contains lone surrogates (undecodable bytes)")
    metadata = _check_metadata(payload.get("metadata"), limits)

    article_id = payload.get("id")
    if article_id is None:
        article_id = content_hash(kind, content)[:32]
    elif not isinstance(article_id, str):
        raise InvalidArticle(Reason.WRONG_TYPE, f"'id' must be a string, got {type(article_id).__name__}")
    elif not _ID.match(article_id) or not _encodable(article_id):
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


def check_size(content: str, limits: Limits) -> None:
    """Raise InvalidArticle (``too_large``) if ``content`` exceeds the character or byte limit.

    Cheap enough to run before sending (``khabar submit``) as well as in the worker.
    """
    if len(content) > limits.max_chars:
        raise InvalidArticle(
            Reason.TOO_LARGE, f"article has {len(content):,} characters; the limit is {limits.max_chars:,}"
        )
    # Each character is at most 4 UTF-8 bytes: only long texts need encoding to be measured.
    if 4 * len(content) > limits.max_bytes:
        size = len(content.encode("utf-8", "surrogatepass"))
        if size > limits.max_bytes:
            raise InvalidArticle(
                Reason.TOO_LARGE, f"article is {size:,} bytes; the limit is {limits.max_bytes:,}"
            )


def check_content(content: str, kind: str, limits: Limits) -> None:
    """Raise InvalidArticle unless ``content`` is non-empty Arabic text within the limits.

    For HTML the checks read what a reader sees (``visible_text``): a modern page's scripts,
    styles and JSON are not its language.  A page whose markup shows too little (one built by
    scripts) is judged on the article its JSON-LD declares, as the section stage reads it.
    """
    check_size(content, limits)
    if not _encodable(content):
        raise InvalidArticle(Reason.NOT_TEXT, "article contains lone surrogates (undecodable bytes)")
    if kind == "html":
        visible = visible_text(content)
        if not _arabic_enough(visible, limits):
            declared = _declared_article(content)
            if declared and _arabic_enough(declared, limits):
                visible = declared
    else:
        visible = content
    if not visible.strip():
        raise InvalidArticle(Reason.EMPTY, f"article '{kind}' is empty")
    controls = _count(CONTROL, visible)
    if controls > _MAX_CONTROL_SHARE * len(visible):
        raise InvalidArticle(
            Reason.NOT_TEXT, f"article has {controls} control characters of {len(visible)}: binary data, not text"
        )
    undecodable = visible.count(_UNDECODABLE)
    if undecodable and undecodable > _MAX_UNDECODABLE_SHARE * len(visible):
        raise InvalidArticle(
            Reason.NOT_TEXT, f"article has {undecodable} undecodable characters (U+FFFD): not text in UTF-8"
        )
    check_language(visible, limits)


def check_language(text: str, limits: Limits, what: str = "article") -> None:
    """Raise InvalidArticle (``not_arabic``) unless ``text`` has enough Arabic letters.

    Used on the payload (what a reader sees) and by the section stage on the article it found.
    """
    # Counted as runs (words), not one match object per letter: 2.5x faster.
    letters = _count(_LETTER, text)
    arabic = _count(_ARABIC_LETTER, text)
    if arabic < limits.min_arabic_letters or arabic < limits.min_arabic_ratio * letters:
        share = arabic / letters if letters else 0.0
        raise InvalidArticle(
            Reason.NOT_ARABIC,
            f"{what} is not Arabic: {arabic} Arabic letters of {letters} ({share:.0%}); "
            f"at least {limits.min_arabic_letters} and {limits.min_arabic_ratio:.0%} are needed",
        )


def _arabic_enough(text: str, limits: Limits) -> bool:
    arabic = _count(_ARABIC_LETTER, text)
    return arabic >= limits.min_arabic_letters and arabic >= limits.min_arabic_ratio * _count(_LETTER, text)


def visible_text(page: str) -> str:
    """Return the text of an HTML page that a reader sees: no scripts, styles, templates, comments, tags.

    Character references are decoded (a page may write its Arabic as ``&#1582;``).  Cheap enough
    for every payload: a few regular-expression passes, no parse.
    """
    lowered: str | None = None
    kept: list[str] = []
    pos = 0
    while (m := _HIDDEN_OPEN.search(page, pos)) is not None:
        kept.append(page[pos : m.start()])
        name = m.group(1)
        if name is None:  # a comment
            end = page.find("-->", m.end())
            pos = len(page) if end < 0 else end + 3
            continue
        if lowered is None:
            lowered = page.lower()
        end = lowered.find(f"</{name.lower()}", m.end())
        if end < 0:
            pos = len(page)  # an unclosed script runs to the end, as a browser reads it
        else:
            close = page.find(">", end)
            pos = len(page) if close < 0 else close + 1
    kept.append(page[pos:])
    return html.unescape(_TAG.sub(" ", "".join(kept)))


def _declared_article(page: str) -> str:
    """The headline and body the page's JSON-LD declares ("" when it declares none)."""
    from khabar.tasks.section.structured import article_body, declared_scripts

    return article_body(declared_scripts(page))


def _count(runs: re.Pattern[str], text: str) -> int:
    """Characters of ``text`` in the runs the pattern finds."""
    return sum(map(len, runs.findall(text)))


def _check_metadata(raw: Any, limits: Limits) -> dict[str, Any]:
    """Return the metadata object, or raise InvalidArticle unless it is small, plain JSON."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidArticle(Reason.WRONG_TYPE, f"'metadata' must be an object, got {type(raw).__name__}")
    try:
        # kombu's JSON turns tagged values back into bytes, datetimes, UUIDs...: not plain JSON.
        size = len(json.dumps(raw, ensure_ascii=False, allow_nan=False).encode("utf-8"))
    except UnicodeEncodeError:  # a ValueError: caught first
        raise InvalidArticle(
            Reason.NOT_TEXT, "'metadata' contains lone surrogates (undecodable bytes)"
        ) from None
    except (TypeError, ValueError) as exc:
        raise InvalidArticle(
            Reason.WRONG_TYPE, f"'metadata' must hold only JSON values: {_short(exc)}"
        ) from None
    except RecursionError:
        raise InvalidArticle(Reason.MALFORMED_PAYLOAD, "'metadata' is nested too deeply") from None
    if size > limits.max_metadata_bytes:
        raise InvalidArticle(
            Reason.TOO_LARGE,
            f"'metadata' is {size:,} bytes as JSON; the limit is {limits.max_metadata_bytes:,}",
        )
    return raw


def _parse_budget(raw: Any, default: Budget) -> Budget:
    if raw is None:
        return default
    if not isinstance(raw, dict):
        raise InvalidArticle(Reason.BAD_BUDGET, f"'summary' must be an object, got {type(raw).__name__}")
    unknown = sorted(_short(k) for k in raw if k not in ("words", "sentences", "ratio", "headline"))
    if unknown:
        raise InvalidArticle(Reason.BAD_BUDGET, f"unknown summary option(s) {', '.join(unknown[:5])}")
    values: dict[str, Any] = {}
    for name in _MAX_BUDGET:
        value = raw.get(name)
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # 2.0 is the integer 2, as in JSON Schema (and JavaScript senders)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= _MAX_BUDGET[name]
        ):
            raise InvalidArticle(
                Reason.BAD_BUDGET,
                f"'summary.{name}' must be an integer from 1 to {_MAX_BUDGET[name]}, got {_short(value)}",
            )
        values[name] = value
    ratio = raw.get("ratio")
    if ratio is not None and (
        not isinstance(ratio, (int, float)) or isinstance(ratio, bool) or not 0 < ratio <= 1
    ):
        raise InvalidArticle(
            Reason.BAD_BUDGET, f"'summary.ratio' must be a number in (0, 1], got {_short(ratio)}"
        )
    values["ratio"] = float(ratio) if ratio is not None else None
    headline = raw.get("headline")
    if headline is not None and not isinstance(headline, bool):
        raise InvalidArticle(Reason.BAD_BUDGET, f"'summary.headline' must be true or false, got {_short(headline)}")
    if not any(v is not None for v in values.values()) and not headline:
        return default
    return Budget(**values, headline=bool(headline))
