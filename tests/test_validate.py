"""Payload validation: each kind of bad input is an InvalidArticle with its own reason code."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from khabar.tasks.errors import InvalidArticle, Reason
from khabar.tasks.records import Budget
from khabar.tasks.validate import Limits, check_size, content_hash, parse_payload, usable_id

ARABIC = "أعلنت الحكومة اليوم عن خطة جديدة لدعم الاقتصاد في المدن الكبرى."
LIMITS = Limits()


def reason(payload: Any, limits: Limits = LIMITS) -> str:
    with pytest.raises(InvalidArticle) as caught:
        parse_payload(payload, limits)
    return caught.value.reason.value


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"text": ""}, "empty"),
        ({"text": " \n\t\u00a0\u2028 "}, "empty"),
        ({"html": "<html><body><div> </div></body></html>"}, "empty"),
        ({"text": "x" * 1_000_001}, "too_large"),
        ({"text": "\U0001f600" * 600_000}, "too_large"),  # 600k characters, 2.4 MB
        ({"text": b"\x00\x01binary"}, "not_text"),
        ({"text": ARABIC + "\ud800"}, "not_text"),
        ({"text": ARABIC + "\ufffd" * 5}, "not_text"),
        ({"text": ARABIC + "\x00\x07" * 10}, "not_text"),
        ({"text": "Only English words in this article, nothing else."}, "not_arabic"),
        ({"text": "\u0645\u0631\u062d\u0628\u0627"}, "not_arabic"),  # 5 Arabic letters: too few
        ({"text": ARABIC + " " + "English words dominate this text completely " * 4}, "not_arabic"),
        ({"text": 5}, "wrong_type"),
        ({"text": [ARABIC]}, "wrong_type"),
        ({"text": {"nested": [1, {"junk": None}]}}, "wrong_type"),
        ({"text": ARABIC, "url": 5}, "wrong_type"),
        ({"text": ARABIC, "metadata": "x"}, "wrong_type"),
        ({"text": ARABIC, "metadata": []}, "wrong_type"),
        ({"text": ARABIC, "metadata": {"when": datetime.date(2024, 1, 1)}}, "wrong_type"),
        ({"text": ARABIC, "metadata": {"x": float("nan")}}, "wrong_type"),
        ({"text": ARABIC, "id": 7}, "wrong_type"),
        ({}, "missing_field"),
        ({"id": "a", "text": None}, "missing_field"),
        ({"text": ARABIC, "html": ARABIC}, "malformed_payload"),
        ({"text": ARABIC, "body": "x"}, "malformed_payload"),
        ({"text": ARABIC, "id": "has space"}, "malformed_payload"),
        ({"text": ARABIC, "id": "x" * 201}, "malformed_payload"),
        ({"text": ARABIC, "id": "lone\ud800"}, "malformed_payload"),
        ({"text": ARABIC, "metadata": {"deep": [[[[[[[[[[]]]]]]]]]]}}, None),  # nested, but fine
        ([ARABIC], "malformed_payload"),
        ("not json", "malformed_payload"),
        (b"\x80\x04\x95pickle", "malformed_payload"),
        ("[" * 100_000, "malformed_payload"),
        (None, "malformed_payload"),
        ({"text": ARABIC, "summary": {"words": 0}}, "bad_budget"),
        ({"text": ARABIC, "summary": {"words": True}}, "bad_budget"),
        ({"text": ARABIC, "summary": {"sentences": "3"}}, "bad_budget"),
        ({"text": ARABIC, "summary": {"ratio": 1.5}}, "bad_budget"),
        ({"text": ARABIC, "summary": {"ratio": float("nan")}}, "bad_budget"),
        ({"text": ARABIC, "summary": {"words": 10**30}}, "bad_budget"),
        ({"text": ARABIC, "summary": {"lines": 3}}, "bad_budget"),
        ({"text": ARABIC, "summary": [3]}, "bad_budget"),
        ({"text": ARABIC, "url": "u" * 5000}, "too_large"),
        ({"text": ARABIC, "metadata": {"blob": "x" * 70_000}}, "too_large"),
        ({"text": ARABIC, "source": "\udcff"}, "not_text"),
    ],
)
def test_each_bad_payload_has_its_reason(payload: Any, expected: str | None) -> None:
    if expected is None:
        parse_payload(payload, LIMITS)
    else:
        assert reason(payload) == expected


def test_metadata_nested_too_deeply_is_malformed() -> None:
    deep: Any = []
    for _ in range(5000):
        deep = [deep]
    assert reason({"text": ARABIC, "metadata": {"d": deep}}) == "malformed_payload"


def test_every_reason_code_is_a_stable_string() -> None:
    assert Reason("not_arabic") is Reason.NOT_ARABIC
    exc = InvalidArticle(Reason.EMPTY, "article 'text' is empty")
    assert str(exc) == "empty: article 'text' is empty"
    # Celery rebuilds an exception from its args: reason and detail survive.
    rebuilt = InvalidArticle(*exc.args)
    assert rebuilt.reason is Reason.EMPTY and rebuilt.detail == exc.detail


def test_messages_never_quote_the_article() -> None:
    secret = "\u0633\u0631" * 50  # Arabic text that must not appear in any message
    for payload in ({"text": secret, "summary": {"words": secret}}, {"text": secret, secret: 1},
                    {"text": secret, "summary": {secret: 1}}, {"text": secret + "English " * 400}):
        with pytest.raises(InvalidArticle) as caught:
            parse_payload(payload, LIMITS)
        assert secret not in caught.value.detail


def test_size_limits_count_characters_and_bytes() -> None:
    limits = Limits(max_bytes=100, max_chars=60)
    check_size("\u0628" * 50, limits)  # 50 characters, 100 bytes: at both limits
    with pytest.raises(InvalidArticle, match="61 characters"):
        check_size("a" * 61, limits)
    with pytest.raises(InvalidArticle, match="102 bytes"):
        check_size("\u0628" * 51, Limits(max_bytes=100, max_chars=1000))


def test_good_payload_becomes_an_article() -> None:
    article = parse_payload({"text": ARABIC, "url": "https://x.example/1", "metadata": {"k": [1, "v"]},
                             "summary": {"sentences": 2}}, LIMITS, Budget(words=50))
    assert article.id == content_hash("text", ARABIC)[:32]
    assert article.content == ARABIC and article.kind == "text"
    assert article.budget == Budget(sentences=2)
    html = parse_payload({"id": "a-1", "html": f"<p>{ARABIC}</p>"}, LIMITS, Budget(words=50))
    assert html.budget == Budget(words=50)
    # A JSON string is accepted as the payload too.
    assert parse_payload('{"id": "s", "text": "' + ARABIC + '"}', LIMITS).id == "s"


def test_usable_id_only_for_valid_ids() -> None:
    assert usable_id({"id": "ok-1"}) == "ok-1"
    assert usable_id({"id": "has space"}) is None
    assert usable_id({"id": 5}) is None
    assert usable_id({"id": "\ud800"}) is None
    assert usable_id(["x"]) is None


def test_headline_budget() -> None:
    assert parse_payload({"text": ARABIC, "summary": {"headline": True}}, LIMITS).budget == Budget(headline=True)
    both = parse_payload({"text": ARABIC, "summary": {"headline": True, "words": 8}}, LIMITS).budget
    assert both == Budget(words=8, headline=True)
    assert parse_payload({"text": ARABIC, "summary": {"headline": False}}, LIMITS, Budget(words=50)).budget == Budget(
        words=50
    )
    with pytest.raises(InvalidArticle, match="headline"):
        parse_payload({"text": ARABIC, "summary": {"headline": "yes"}}, LIMITS)
