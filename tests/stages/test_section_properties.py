"""Normalise + section on any string: a valid result, never an exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khabar.tasks.normalise import normalise
from khabar.tasks.records import BLOCK_KINDS, SENTENCE_KINDS, Article, Sectioned
from khabar.tasks.section import section


def assert_valid(sec: Sectioned) -> None:
    """Check the invariants every Sectioned must keep (offsets, order, containment)."""
    n = len(sec.text)
    parts = []
    last_end = -2
    for b in sec.blocks:
        assert b.kind in BLOCK_KINDS
        assert 0 <= b.start < b.end <= n, b
        assert b.start >= last_end + 2, "blocks overlap or are not separated by a blank line"
        assert sec.text[b.start : b.end].strip() == sec.text[b.start : b.end]
        parts.append(sec.text[b.start : b.end])
        last_end = b.end
    assert "\n\n".join(parts) == sec.text
    titles = [b for b in sec.blocks if b.kind == "title"]
    assert len(titles) == (1 if sec.title is not None else 0)
    if titles:
        assert sec.blocks[0].kind == "title" and sec.text[titles[0].start : titles[0].end] == sec.title
    sections = [b.section for b in sec.blocks]
    assert sections == sorted(sections)
    heading_count = 0
    for b in sec.blocks:
        heading_count += b.kind == "heading"
        assert b.section == heading_count
        assert (b.list_id is not None) == (b.kind == "list_item")
    previous = -1
    covered: dict[int, list[tuple[int, int]]] = {}
    for s in sec.sentences:
        b = sec.blocks[s.block]
        assert b.kind in SENTENCE_KINDS
        assert b.start <= s.start < s.end <= b.end, (s, b)
        assert s.start >= previous
        previous = s.end
        covered.setdefault(s.block, []).append((s.start, s.end))
    for i, b in enumerate(sec.blocks):
        if b.kind in SENTENCE_KINDS:
            spans = covered.get(i)
            assert spans, f"block {i} has no sentence"
            assert spans[0][0] == b.start and spans[-1][1] == b.end
    previous = 0
    for a, z in sec.tokens:
        assert previous <= a < z <= n
        assert not sec.text[a:z].isspace()
        previous = z
    assert "".join(sec.text[a:z] for a, z in sec.tokens) == "".join(sec.text.split())
    dsts = [d for d, _ in sec.to_source]
    assert dsts == sorted(set(dsts))


def run(content: str, kind: str = "text") -> Sectioned:
    return section(normalise(Article(id="t", content=content, kind=kind)))


_arabic_words = st.lists(
    st.text(alphabet=st.characters(min_codepoint=0x0621, max_codepoint=0x0652), min_size=1, max_size=9),
    min_size=1,
    max_size=12,
).map(" ".join)
_page_line = st.one_of(
    _arabic_words,
    _arabic_words.map(lambda s: s + "."),
    _arabic_words.map(lambda s: s + "\u061f"),
    _arabic_words.map(lambda s: "- " + s),
    _arabic_words.map(lambda s: s + ": " + s + "."),
    st.sampled_from(["", "  ", "\u200f", "|", "\u00bb", "\u00ab", '"', "..", "3.5", "\u0640", "&amp;"]),
    st.text(max_size=30),
)
_page = st.lists(_page_line, max_size=25).map("\n".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_unicode_string_gives_a_valid_result(content: str) -> None:
    assert_valid(run(content))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_page)
def test_any_page_of_lines_gives_a_valid_result(content: str) -> None:
    assert_valid(run(content))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_page_line, st.sampled_from(["<p>", "</p>", "<h2>", "</h2>", "<li>", "<br>"]))))
def test_any_html_gives_a_valid_result(pieces: list[str]) -> None:
    assert_valid(run("<html><body>" + "".join(pieces) + "</body></html>", "html"))
    assert_valid(run("".join(pieces), "html"))


def test_empty_input_gives_an_empty_result() -> None:
    for kind in ("text", "html"):
        sec = run("", kind)
        assert (sec.text, sec.title, sec.blocks, sec.sentences, sec.tokens) == ("", None, (), (), ())
