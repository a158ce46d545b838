"""Saved pages of today's news sites around real articles (tests/fixtures/pages, see its README).

Each page wraps one article of the ANT corpus in a real site's markup: inline scripts and JSON,
consent banners, video players, related rails, newsletter boxes, share and comment widgets,
comment policies, datelines, bylines, captions, pull quotes, interviews.  Through the whole
payload check, normalise and section: the headline exactly, the body (the article's running
text) at token F1 >= 0.95 against the article's text, the furniture of the story in its own
block kinds, and the page's furniture nowhere in the article.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from khabar.tasks.normalise import normalise
from khabar.tasks.normalise.clean import clean
from khabar.tasks.records import Sectioned
from khabar.tasks.section import section
from khabar.tasks.validate import Limits, parse_payload
from tests.stages.test_section_properties import assert_valid

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
PAGES = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".html", ".txt"))
BODY_KINDS = ("lead", "paragraph", "list_item", "heading", "question", "answer")
_WORD = re.compile(r"\w+")


def tokens(text: str) -> Counter[str]:
    return Counter(_WORD.findall(clean(text, latin_digits=True)[0]))


def f1(found: str, expected: str) -> float:
    a, b = tokens(found), tokens(expected)
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def blocks(sec: Sectioned, *kinds: str) -> list[str]:
    return [sec.text[b.start : b.end] for b in sec.blocks if b.kind in kinds]


def read(path: Path) -> tuple[Sectioned, dict[str, Any]]:
    kind = "html" if path.suffix == ".html" else "text"
    article = parse_payload({"id": path.stem, kind: path.read_text(encoding="utf-8")}, Limits())
    return section(normalise(article)), json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=PAGES, ids=[p.stem for p in PAGES])
def page(request: pytest.FixtureRequest) -> tuple[Sectioned, dict[str, Any]]:
    return read(request.param)


def test_the_set() -> None:
    assert len(PAGES) >= 30
    for path in PAGES:
        assert path.with_suffix(".json").exists(), path
    total = sum(p.stat().st_size for p in FIXTURES.iterdir())
    assert total < 600_000, f"fixtures are {total:,} bytes: keep them small"


def test_headline_exact(page: tuple[Sectioned, dict[str, Any]]) -> None:
    sec, expected = page
    assert_valid(sec)
    assert sec.title == clean(expected["title"], latin_digits=True)[0]


def test_body_f1(page: tuple[Sectioned, dict[str, Any]]) -> None:
    sec, expected = page
    body = "\n".join(blocks(sec, *BODY_KINDS))
    score = f1(body, expected["body"])
    assert score >= 0.95, f"token F1 {score:.3f}"


def test_page_furniture_not_in_article(page: tuple[Sectioned, dict[str, Any]]) -> None:
    sec, expected = page
    for text in expected["not_in_text"]:
        shown = clean(text, latin_digits=True)[0]
        assert shown not in sec.text, shown


@pytest.mark.parametrize(
    ("key", "kind"),
    [("captions", "caption"), ("pull_quotes", "pull_quote"), ("datelines", "dateline"), ("bylines", "byline")],
)
def test_story_furniture_kinds(page: tuple[Sectioned, dict[str, Any]], key: str, kind: str) -> None:
    sec, expected = page
    if key not in expected["expect"]:
        pytest.skip(f"no {key} on this page")
    want = [clean(t, latin_digits=True)[0] for t in expected["expect"][key]]
    found = blocks(sec, kind)
    for text in want:
        assert any(text in f or f.strip('«»"') == text for f in found), (text, found)
    body = "\n".join(blocks(sec, *BODY_KINDS))
    if kind in ("caption", "pull_quote"):
        for text in want:  # kept in the document, out of the body (a pull quote repeats a body sentence once)
            assert body.count(text) <= (1 if kind == "pull_quote" else 0), text


def test_interview_turns(page: tuple[Sectioned, dict[str, Any]]) -> None:
    sec, expected = page
    if "questions" not in expected["expect"]:
        pytest.skip("not an interview")
    questions = [clean(q, latin_digits=True)[0] for q in expected["expect"]["questions"]]
    assert blocks(sec, "question") == questions  # markers removed
    answers = blocks(sec, "answer")
    assert answers == [clean(a, latin_digits=True)[0] for a in expected["expect"]["answers"]]
    assert not any(a.startswith(("-", "*", "\u062c:")) for a in answers)  # JEEM


_TAG = re.compile(r"<[^>]*>")
_ARABIC = re.compile(r"[\u0621-\u064a]")
_LETTER = re.compile(r"[^\W\d_]")


@pytest.mark.parametrize("path", [p for p in PAGES if p.suffix == ".html"], ids=lambda p: p.stem)
def test_a_page_reads_the_same_with_150_kb_more_script(path: Path) -> None:
    """As pages ship them: the app's state again, inline, 150 KB; the old whole-page check refused every one."""
    html = path.read_text(encoding="utf-8")
    state = json.dumps({"config": [{"featureFlag": f"experiment_{i}", "enabled": i % 2 == 0} for i in range(3000)]})
    bloated = html.replace("</body>", f"<script>window.__APP_STATE__={state};</script></body>")
    shown = _TAG.sub(" ", bloated)
    assert len(_ARABIC.findall(shown)) < 0.3 * len(_LETTER.findall(shown))
    plain, _ = read(path)
    article = parse_payload({"id": path.stem, "html": bloated}, Limits())
    assert section(normalise(article)).text == plain.text
