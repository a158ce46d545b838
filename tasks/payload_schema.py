"""The payload's JSON Schema, generated from the validator's rules (``khabar.tasks.validate``).

``schemas/payload.schema.json`` is this module's output, committed for other
systems to read; ``tests/test_payload_schema.py`` fails when it is not current and
checks that the schema and ``parse_payload`` agree on a table of edge payloads.
After changing a rule in validate.py, regenerate it:

    python -m khabar.tasks.payload_schema > schemas/payload.schema.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

from khabar.tasks.validate import _MAX_BUDGET, _OPTIONAL_STRINGS, FIELDS, ID_CHAR, ID_MAX, Limits

SCHEMA_ID = "https://github.com/khabar/khabar/schemas/payload.schema.json"

_DESCRIPTIONS = {
    "id": "Your id for the article. Absent or null: derived from a SHA-256 hash of the content.",
    "text": "The article or page as plain text (give this or html).",
    "html": "The article page as HTML (give this or text).",
    "url": "Where the article was published; kept as given.",
    "source": "Who published it; kept as given.",
    "published_at": "ISO 8601 date or date-time, kept as given.",
    "metadata": "Anything (plain JSON, at most {max_metadata_bytes:,} bytes as JSON); returned unchanged in the "
                "document.",
    "summary": "Summary budget; the tightest limit that is set wins. Absent or null: the worker's default.",
}


def payload_schema(limits: Limits | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a ``khabar.process_article`` payload."""
    limits = limits or Limits()
    nullable_string = {"type": ["string", "null"], "maxLength": limits.max_field_chars}
    # The content must have a character that is not whitespace (an all-blank article is "empty").
    content = {"type": ["string", "null"], "minLength": 1, "pattern": r"\S"}
    properties: dict[str, Any] = {
        "id": {"type": ["string", "null"], "minLength": 1, "maxLength": ID_MAX, "pattern": f"^{ID_CHAR}+$"},
        "text": dict(content),
        "html": dict(content),
        **{name: dict(nullable_string) for name in _OPTIONAL_STRINGS},
        "metadata": {"type": ["object", "null"]},
        "summary": {
            "type": ["object", "null"],
            "additionalProperties": False,
            "properties": {
                **{name: {"type": ["integer", "null"], "minimum": 1, "maximum": top}
                   for name, top in _MAX_BUDGET.items()},
                "ratio": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 1},
                "headline": {
                    "type": ["boolean", "null"],
                    "description": "One sentence of headline length (at most 15 words, fewer if words says so).",
                },
            },
        },
    }
    if set(properties) != FIELDS:  # a field added to the validator must be described here too
        raise RuntimeError(f"schema fields {sorted(properties)} differ from the validator's {sorted(FIELDS)}")
    for name, text in _DESCRIPTIONS.items():
        properties[name]["description"] = text.format(max_metadata_bytes=limits.max_metadata_bytes)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "khabar.process_article payload",
        "description": (
            "The single positional argument of the Celery task khabar.process_article (JSON serializer, queue "
            "'khabar'). Generated from khabar.tasks.validate (python -m khabar.tasks.payload_schema): null means "
            "absent everywhere. The worker also checks what a schema cannot: the text is Arabic (at least "
            f"{limits.min_arabic_letters} Arabic letters and {limits.min_arabic_ratio:.0%} of the letters), at most "
            f"{limits.max_chars:,} characters and {limits.max_bytes:,} UTF-8 bytes, HTML with visible text, no "
            "control characters or lone surrogates."
        ),
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        # Exactly one of text and html is a string (the other absent or null).
        "oneOf": [{"required": [k], "properties": {k: {"type": "string"}}} for k in ("text", "html")],
    }


def render(limits: Limits | None = None) -> str:
    """The schema file's text: the schema as indented JSON, one trailing newline."""
    return json.dumps(payload_schema(limits), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
