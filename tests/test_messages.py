"""How khabar's clients and workers serialise messages: UTF-8 JSON, and lone surrogates still sent."""

from __future__ import annotations

import json

from kombu.serialization import dumps, loads

from khabar.worker.app import register_utf8_json


def test_arabic_travels_as_utf8_and_lone_surrogates_as_escapes() -> None:
    register_utf8_json()
    content_type, encoding, body = dumps([{"id": "a", "text": "خبر"}], serializer="json")
    assert (content_type, encoding) == ("application/json", "utf-8")
    assert "خبر".encode() in body.encode()  # 6 bytes, not three 6-character escapes
    # A payload with a lone surrogate cannot be UTF-8: it is escaped, so the sender does not fail
    # and the worker records the article as not_text.
    _, _, body = dumps([{"id": "b", "text": "x\ud800y"}], serializer="json")
    body.encode("utf-8")
    assert "\\ud800" in body
    assert loads(body, "application/json", "utf-8") == json.loads(body) == [{"id": "b", "text": "x\ud800y"}]
