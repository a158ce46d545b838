"""Real pages through the whole in-process pipeline (``process_payload``): what issue 16 found refused or misread.

Script-heavy pages are judged on what a reader sees, a page whose article is not Arabic is still
refused, stray control characters are removed and counted, furniture of the story is published
apart from the body, and an interview is published as turns with no question in its summary.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from khabar.tasks.entities import load_recogniser
from khabar.tasks.errors import InvalidArticle
from khabar.tasks.normalise.clean import clean
from khabar.tasks.pipeline import Resources, process_payload
from khabar.tasks.records import Budget
from khabar.tasks.validate import Limits, parse_payload

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "fixtures" / "pages"
SCHEMA = json.loads((ROOT / "schemas" / "document.schema.json").read_text(encoding="utf-8"))
_ARABIC = re.compile(r"[\u0621-\u064a]")
_LETTER = re.compile(r"[^\W\d_]")
_TAG = re.compile(r"<[^>]*>")


@pytest.fixture(scope="module")
def resources() -> Resources:
    return Resources(recogniser=load_recogniser("crf", None))


def process(resources: Resources, **payload: Any) -> dict[str, Any]:
    doc = process_payload({"id": "page", **payload}, Limits(), Budget(sentences=3), resources)
    jsonschema.validate(doc, SCHEMA)
    return doc


def refused(resources: Resources, **payload: Any) -> str:
    with pytest.raises(InvalidArticle) as caught:
        process_payload({"id": "page", **payload}, Limits(), Budget(sentences=3), resources)
    return caught.value.reason.value


def page(name: str) -> tuple[str, dict[str, Any]]:
    path = PAGES / name
    return path.read_text(encoding="utf-8"), json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


def arabic_share_with_scripts(html: str) -> float:
    """The share the old check measured: every letter between tags, scripts and JSON included."""
    text = _TAG.sub(" ", html)
    return len(_ARABIC.findall(text)) / len(_LETTER.findall(text))


def test_a_script_heavy_page_is_judged_on_what_a_reader_sees(resources: Resources) -> None:
    html, expected = page("next-script-heavy.html")
    assert arabic_share_with_scripts(html) < 0.3  # what made the page "not Arabic" before
    doc = process(resources, html=html)
    assert doc["title"] == expected["title"]
    # Scripts of any size (a 400 KB state object) do not change that.
    bloated = html.replace("</body>", "<script>window.__STATE__=" + '{"k":"value"},' * 25_000 + "</script></body>")
    assert arabic_share_with_scripts(bloated) < 0.05
    assert process(resources, html=bloated)["text"] == doc["text"]


def test_a_page_built_by_scripts_is_read_from_its_json_ld(resources: Resources) -> None:
    html, expected = page("script-only-jsonld.html")
    doc = process(resources, html=html)
    assert doc["title"] == expected["title"]
    assert expected["body"].split("\n")[0][:60] in doc["text"]


def test_a_page_whose_article_is_not_arabic_is_still_refused(resources: Resources) -> None:
    html, _ = page("grid-plain.html")
    story = "<p>" + " ".join(["The central bank raised its main interest rate by half a point on Tuesday, "
                              "citing persistent inflation and a strong labour market."] * 3) + "</p>"
    english = re.sub(r'<div class="txt">.*?</div>', f"<div class=\"txt\">{story}</div>", html, flags=re.S)
    parse_payload({"html": english}, Limits())  # the page, menus and all, reads as Arabic ...
    assert refused(resources, html=english) == "not_arabic"  # ... the article found in it does not
    scripts_only = "<html><head><script>var a='" + "lorem ipsum " * 500 + "';</script></head><body></body></html>"
    assert refused(resources, html=scripts_only) == "empty"  # the payload check: nothing a reader sees
    english_page = "<html><body><p>" + "Only English words in this article. " * 30 + "</p></body></html>"
    assert refused(resources, html=english_page) == "not_arabic"


def test_stray_control_characters_are_removed_and_counted(resources: Resources) -> None:
    text, expected = page("text-control-chars.txt")
    controls = text.count("\x1a")
    assert 0.01 < controls / len(text)  # more than the 1% that made such an article "binary" before
    doc = process(resources, text=text)
    assert doc["control_characters"] == controls
    assert "\x1a" not in doc["text"]
    assert doc["title"] == expected["title"]
    html, _ = page("legacy-control-chars.html")
    assert process(resources, html=html)["control_characters"] == html.count("\x1a") > 0


def test_binary_data_is_still_not_text(resources: Resources) -> None:
    text, _ = page("text-control-chars.txt")
    assert refused(resources, text=text[:300] + "\x00\x01\x02\x03" * 200) == "not_text"
    assert refused(resources, text=text[:300] + "\ufffd" * 40) == "not_text"


def test_furniture_of_the_story_is_published_apart(resources: Resources) -> None:
    html, expected = page("wp-all-furniture.html")
    doc = process(resources, html=html)
    assert doc["captions"] == expected["expect"]["captions"]
    assert doc["pull_quotes"] == expected["expect"]["pull_quotes"]
    assert doc["dateline"] == expected["expect"]["datelines"][0]
    paragraphs = [p for s in doc["sections"] for p in s["paragraphs"]]
    assert not set(doc["captions"]) & set(paragraphs)
    summary = doc["summary"]["text"]
    assert summary and not any(c in summary for c in doc["captions"])


def test_a_comment_policy_is_not_the_article(resources: Resources) -> None:
    for name in ("cnn-policy.html", "text-cnn-policy.txt"):
        content, expected = page(name)
        doc = process(resources, **{"html" if name.endswith(".html") else "text": content})
        assert doc["dateline"] == expected["expect"]["datelines"][0]
        assert doc["byline"] is None  # a dateline is not a byline
        for policy in expected["not_in_text"]:
            assert policy not in doc["text"]
        assert not any("\u0628\u0627\u0644\u0646\u0642\u0627\u0634" in s for s in doc["summary"]["text"].split())


def test_an_interview_is_published_as_turns(resources: Resources) -> None:
    html, expected = page("interview-star-dash.html")
    doc = process(resources, html=html)
    turns = [t for s in doc["sections"] for t in s["turns"]]
    for kind in ("question", "answer"):
        shown = [clean(t, latin_digits=True)[0] for t in expected["expect"][kind + "s"]]
        assert [t["text"] for t in turns if t["kind"] == kind] == shown
    assert not any(t["text"].startswith(("*", "-")) for t in turns)
    for question in expected["expect"]["questions"]:
        assert question not in doc["summary"]["text"]
