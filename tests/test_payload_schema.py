"""The payload schema and the validator: one is generated from the other, and they agree.

``schemas/payload.schema.json`` is ``khabar.tasks.payload_schema``'s output; each
payload of the table gets the same verdict from the schema (jsonschema, draft
2020-12) and from ``parse_payload``, and the verdict is the one decided here.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from khabar.tasks.errors import InvalidArticle
from khabar.tasks.payload_schema import payload_schema, render
from khabar.tasks.validate import Limits, parse_payload
from tests.support import ROOT

SCHEMA_FILE = ROOT / "schemas" / "payload.schema.json"
# Two Arabic sentences, well inside every content rule: only the payload's shape decides.
A = ("\u0623\u0639\u0644\u0646\u062a \u0627\u0644\u062d\u0643\u0648\u0645\u0629 \u0627\u0644\u064a\u0648\u0645 "
     "\u0639\u0646 \u062e\u0637\u0629 \u062c\u062f\u064a\u062f\u0629 \u0644\u062f\u0639\u0645 "
     "\u0627\u0644\u0627\u0642\u062a\u0635\u0627\u062f.")
H = f"<html><body><p>{A}</p></body></html>"

ACCEPT, REJECT = True, False
# (payload, verdict): the six on which the schema and khabar used to disagree come first.
EDGES: list[tuple[dict[str, Any], bool]] = [
    ({"id": None, "text": A}, ACCEPT),  # null is absent: the id is the content hash
    ({"text": A, "metadata": None}, ACCEPT),
    ({"text": A, "summary": None}, ACCEPT),  # the worker's default budget
    ({"text": None, "html": H}, ACCEPT),  # celery-node and JS senders write null for "not given"
    ({"text": A, "summary": {"words": 2.0}}, ACCEPT),  # an integral number is an integer (JSON Schema's rule)
    ({"text": ""}, REJECT),  # nothing to process
    ({"text": A}, ACCEPT),
    ({"html": H}, ACCEPT),
    ({"text": " \n\t "}, REJECT),
    ({}, REJECT),
    ({"text": A, "html": H}, REJECT),
    ({"text": None, "html": None}, REJECT),
    ({"text": 5}, REJECT),
    ({"text": [A]}, REJECT),
    ({"text": A, "id": ""}, REJECT),
    ({"text": A, "id": "has space"}, REJECT),
    ({"text": A, "id": "tab\there"}, REJECT),
    ({"text": A, "id": "x" * 200}, ACCEPT),
    ({"text": A, "id": "x" * 201}, REJECT),
    ({"text": A, "id": 7}, REJECT),
    ({"text": A, "body": "x"}, REJECT),
    ({"text": A, "url": None, "source": None, "published_at": None}, ACCEPT),
    ({"text": A, "url": "https://example.com/1", "source": "wire", "published_at": "2024-05-01"}, ACCEPT),
    ({"text": A, "url": 5}, REJECT),
    ({"text": A, "url": "u" * 4096}, ACCEPT),
    ({"text": A, "url": "u" * 4097}, REJECT),
    ({"text": A, "metadata": []}, REJECT),
    ({"text": A, "metadata": "x"}, REJECT),
    ({"text": A, "metadata": {"a": [1, {"b": None}], "c": 2.5}}, ACCEPT),
    ({"text": A, "summary": "short"}, REJECT),
    ({"text": A, "summary": {}}, ACCEPT),
    ({"text": A, "summary": {"words": None, "ratio": None}}, ACCEPT),
    ({"text": A, "summary": {"words": 2.5}}, REJECT),
    ({"text": A, "summary": {"words": 0}}, REJECT),
    ({"text": A, "summary": {"words": True}}, REJECT),
    ({"text": A, "summary": {"words": "3"}}, REJECT),
    ({"text": A, "summary": {"words": 100_000}}, ACCEPT),
    ({"text": A, "summary": {"words": 100_001}}, REJECT),
    ({"text": A, "summary": {"sentences": 10_001}}, REJECT),
    ({"text": A, "summary": {"ratio": 0}}, REJECT),
    ({"text": A, "summary": {"ratio": 1}}, ACCEPT),
    ({"text": A, "summary": {"ratio": 1.5}}, REJECT),
    ({"text": A, "summary": {"lines": 2}}, REJECT),
    ({"text": A, "summary": {"headline": True}}, ACCEPT),
    ({"text": A, "summary": {"headline": None, "words": 9}}, ACCEPT),
    ({"text": A, "summary": {"headline": "yes"}}, REJECT),
]


def test_the_committed_schema_is_the_generated_one() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render(), (
        "schemas/payload.schema.json is out of date: python -m khabar.tasks.payload_schema > "
        "schemas/payload.schema.json")
    jsonschema.Draft202012Validator.check_schema(payload_schema())


def khabar_accepts(payload: Any) -> bool:
    try:
        parse_payload(payload, Limits())
    except InvalidArticle:
        return False
    return True


@pytest.mark.parametrize(("payload", "verdict"), EDGES, ids=[json.dumps(p)[:60] for p, _ in EDGES])
def test_schema_and_validator_give_the_decided_verdict(payload: dict[str, Any], verdict: bool) -> None:
    schema = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    # Through JSON and back, as a sender's payload arrives (2.0 stays a float).
    payload = json.loads(json.dumps(payload, ensure_ascii=False))
    assert schema.is_valid(payload) is verdict, list(schema.iter_errors(payload))
    assert khabar_accepts(payload) is verdict


def test_the_table_is_big_enough() -> None:
    assert len(EDGES) >= 20
    assert {v for _, v in EDGES} == {ACCEPT, REJECT}
