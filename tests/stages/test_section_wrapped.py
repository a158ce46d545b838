"""Hard-wrapped plain text: lines cut at a fixed width are joined back into paragraphs.

The article of ``tests/fixtures/section/text-hard-wrapped`` (its paragraphs are in the
JSON) is wrapped here in the styles that mail, wire services and archives use: a new
paragraph marked by an indent, by a blank line, or only by a short last line; widths
from 60 to 78; CRLF line ends and trailing spaces.  Every style must give back the same
paragraphs, headline and headings, with offsets that still lead to the raw text.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.tasks.normalise import normalise
from khabar.tasks.offsets import compose, map_offset
from khabar.tasks.records import Article, Sectioned
from khabar.tasks.section import section
from khabar.tasks.section.wrapped import unwrap
from tests.stages.test_section_properties import assert_valid

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "section" / "text-hard-wrapped.json"
EXPECTED: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
# Where the headings stand: before these paragraphs (by index).
HEADINGS_BEFORE = {3: EXPECTED["headings"][0], 5: EXPECTED["headings"][1]}


def wrapped_page(
    width: int, indent: str = "", blank: bool = False, eol: str = "\n", trailing: str = ""
) -> str:
    """The fixture's article hard-wrapped at ``width``, in one style of marking paragraphs."""
    lines = [EXPECTED["title"], EXPECTED["bylines"][0]]
    for i, paragraph in enumerate(EXPECTED["paragraphs"]):
        if i in HEADINGS_BEFORE:
            lines += ["", HEADINGS_BEFORE[i]] if blank else [HEADINGS_BEFORE[i]]
        if blank:
            lines.append("")
        cut = textwrap.wrap(paragraph, width=width, initial_indent=indent, break_long_words=False)
        lines += [ln + trailing for ln in cut[:-1]] + cut[-1:]
    return eol.join(lines) + eol


def run(content: str) -> Sectioned:
    sec = section(normalise(Article(id="wrapped", content=content, kind="text")))
    assert_valid(sec)
    return sec


def texts(sec: Sectioned, kind: str) -> list[str]:
    return [sec.text[b.start : b.end] for b in sec.blocks if b.kind == kind]


STYLES = {
    "indented-72": {"width": 72, "indent": " "},
    "indented-crlf-trailing-spaces": {"width": 70, "indent": "    ", "eol": "\r\n", "trailing": " "},
    "blank-lines-64": {"width": 64, "blank": True},
    "blank-lines-crlf-60": {"width": 60, "blank": True, "eol": "\r\n"},
    "short-last-line-78": {"width": 78},
    "tab-indent-76": {"width": 76, "indent": "\t"},
}


@pytest.mark.parametrize("style", STYLES.values(), ids=list(STYLES))
def test_every_wrapping_style_gives_back_the_paragraphs(style: dict[str, Any]) -> None:
    content = wrapped_page(**style)
    sec = run(content)
    assert sec.title == EXPECTED["title"]
    assert texts(sec, "heading") == EXPECTED["headings"]
    assert texts(sec, "byline") == EXPECTED["bylines"]
    assert texts(sec, "paragraph") == EXPECTED["paragraphs"]
    assert sec.boilerplate == ()
    # Joined lines keep the length of the text: every token still leads to the raw page.
    norm = normalise(Article(id="wrapped", content=content, kind="text"))
    to_raw = compose(sec.to_source, norm.to_raw)
    for a, z in sec.tokens:
        start = map_offset(to_raw, a)
        assert content[start : start + z - a] == sec.text[a:z]


def test_sentences_do_not_stop_at_line_ends() -> None:
    sec = run(wrapped_page(72, indent=" "))
    sentences = [sec.text[s.start : s.end] for s in sec.sentences]
    assert sentences[0] == EXPECTED["paragraphs"][0]
    assert len(sentences) == len(EXPECTED["paragraphs"])  # one sentence a paragraph in this article


def test_a_full_line_that_ends_a_sentence_goes_on_where_indents_mark_paragraphs() -> None:
    first = "و" + "كلمة " * 12 + "نهاية."  # 71 characters: a full line that ends a sentence
    lines = [
        " " + first,
        "وتستمر الفقرة نفسها هنا بجملة ثانية تملأ السطر كما يفعل أي نص ملفوف عادة في",
        "الصحف والوكالات، ثم تنتهي.",
        " وفقرة ثانية تبدأ بمسافة في أول السطر وتمتد على سطرين كاملين من النص حتى",
        "تنتهي هنا.",
    ]
    sec = run("\n".join(lines))
    assert texts(sec, "paragraph") == [
        " ".join(ln.strip() for ln in lines[:3]),
        " ".join(ln.strip() for ln in lines[3:]),
    ]


def test_unwrap_changes_only_line_breaks_into_spaces() -> None:
    norm = normalise(Article(id="wrapped", content=wrapped_page(72, indent=" "), kind="text"))
    out = unwrap(norm.text, norm.to_raw)
    assert len(out) == len(norm.text)
    changed = [i for i, (a, b) in enumerate(zip(norm.text, out, strict=True)) if a != b]
    assert changed and all(norm.text[i] == "\n" and out[i] == " " for i in changed)
    lines = [textwrap.wrap(p, width=72, initial_indent=" ") for p in EXPECTED["paragraphs"]]
    assert len(changed) == sum(len(ls) - 1 for ls in lines) == 15


# Lines of an ordinary page that are about as long as each other: nothing to join.
RELATED = [
    "وزير الخارجية يبحث مع نظيره الفرنسي تطورات الأوضاع في المنطقة",
    "ارتفاع أسعار الذهب في الأسواق المحلية مع بداية تعاملات الأسبوع",
    "المنتخب الوطني يختتم استعداداته لمواجهة حاسمة في تصفيات كأس العالم",
    "افتتاح معرض الكتاب الدولي بمشاركة أكثر من ألف دار نشر عربية وأجنبية",
    "الأرصاد تتوقع طقسا حارا ورطبا على معظم المناطق خلال الأيام المقبلة",
    "البنك المركزي يبقي أسعار الفائدة دون تغيير للمرة الثالثة على التوالي",
]
LIST = [
    "- توفير الغذاء لخمسة ملايين شخص في المناطق المتضررة من الفيضانات الأخيرة",
    "- إعادة تشغيل المستشفيات والمراكز الصحية في العاصمة والمدن الكبرى كلها",
    "- حماية المدنيين في مخيمات النزوح وتأمين طرق وصول المساعدات الإنسانية",
]


@pytest.mark.parametrize("lines", [RELATED, LIST], ids=["headlines", "list-items"])
def test_short_lines_of_an_ordinary_page_are_not_joined(lines: list[str]) -> None:
    page = "\n".join([EXPECTED["title"], *EXPECTED["paragraphs"][:3], "اقرأ أيضا:", *lines])
    norm = normalise(Article(id="page", content=page, kind="text"))
    assert unwrap(norm.text, norm.to_raw) == norm.text


_word = st.text(alphabet=st.characters(min_codepoint=0x0621, max_codepoint=0x064A), min_size=1, max_size=10)
_paragraph = st.lists(_word, min_size=1, max_size=60).map(" ".join)


@settings(max_examples=100, deadline=None)
@given(st.lists(_paragraph, min_size=1, max_size=6), st.integers(40, 90), st.sampled_from(["", " ", "  "]))
def test_unwrap_keeps_the_length_of_any_text(paragraphs: list[str], width: int, indent: str) -> None:
    text = "\n".join(
        "\n".join(textwrap.wrap(p + ".", width=width, initial_indent=indent, break_long_words=False))
        for p in paragraphs
    )
    norm = normalise(Article(id="any", content=text, kind="text"))
    out = unwrap(norm.text, norm.to_raw)
    assert len(out) == len(norm.text)
    assert all(a == b or (a == "\n" and b == " ") for a, b in zip(norm.text, out, strict=True))
    assert_valid(run(text))
