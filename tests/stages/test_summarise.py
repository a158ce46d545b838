"""The summarise stage: budgets, order, headings and boilerplate, determinism, keywords."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.tasks.normalise import normalise
from khabar.tasks.records import Article, Budget, Entities, Entity, Mention, Sectioned, Summary
from khabar.tasks.section import section
from khabar.tasks.summarise import summarise
from khabar.tasks.summarise.analysis import analyse
from khabar.tasks.summarise.budget import DEFAULT_BUDGET, Limits, choose, resolve
from khabar.tasks.summarise.summariser import ELLIPSIS
from khabar.tasks.summarise.terms import STOP_WORDS, is_stop, word_form
from tests.corpus import article, topics
from tests.stages.entities_support import build

NO_ENTITIES = Entities("none", ())


def news(index: int = 0, heading: bool = False) -> Sectioned:
    """A fixture article: its title, then its sentences two to a paragraph (a heading midway)."""
    title, sentences = topics()[index]
    others = [s for _, ss in topics()[index + 1 : index + 3] for s in ss]
    body = sentences + others
    blocks = [("title", title)]
    for i in range(0, len(body), 2):
        if heading and i == 4:
            blocks.append(("heading", title))
        blocks.append(("paragraph", " ".join(body[i : i + 2])))
    return build(*blocks)


def sentence_text(sec: Sectioned, i: int) -> str:
    s = sec.sentences[i]
    return sec.text[s.start : s.end].strip()


def words_of(text: str) -> int:
    return len(text.split())


_SEPARATORS = ",;\u060c\u061b"


def check_well_formed(sec: Sectioned, summary: Summary) -> None:
    """Article order; the text is each chosen sentence, or a run of its clauses, in turn (or one cut sentence)."""
    assert list(summary.sentences) == sorted(set(summary.sentences)), "article order, each once"
    assert all(0 <= i < len(sec.sentences) for i in summary.sentences)
    if summary.text.endswith(ELLIPSIS):
        assert len(summary.sentences) == 1
        assert sentence_text(sec, summary.sentences[0]).startswith(summary.text[: -len(ELLIPSIS)].rstrip(_SEPARATORS))
        return
    rest = summary.text
    for i in summary.sentences:
        whole = sentence_text(sec, i)
        if rest.startswith(whole):
            rest = rest[len(whole) :].lstrip(" ")
            continue
        # A run of its clauses: the longest piece of the text up to a space that the sentence holds.
        cuts = [k for k in range(len(rest) + 1) if k == len(rest) or rest[k] == " "]
        piece = max((rest[:k] for k in cuts if rest[:k] and rest[:k] in whole), key=len, default="")
        assert piece and whole.find(piece) >= 0, (whole, rest)
        after = whole[whole.find(piece) + len(piece) :]
        assert after == "" or after[0] in _SEPARATORS, "a clause ends at a clause boundary"
        rest = rest[len(piece) :].lstrip(" ")
    assert rest == ""


@pytest.mark.parametrize("words", [12, 25, 40, 70, 1000])
def test_word_budget_is_kept_with_whole_units(words: int) -> None:
    sec = news()
    summary = summarise(sec, NO_ENTITIES, Budget(words=words))
    check_well_formed(sec, summary)
    assert summary.sentences and words_of(summary.text) <= words
    assert summary.sentences[0] == 0, "the best sentence (the first of news) is always there"
    # The first sentence has 15 words: cut only in a budget smaller than it.
    assert summary.text.endswith(ELLIPSIS) == (words < 15)


def test_whole_article_fits_a_large_budget() -> None:
    sec = news()
    summary = summarise(sec, NO_ENTITIES, Budget(words=10_000))
    assert summary.sentences == tuple(range(len(sec.sentences)))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_sentence_budget(n: int) -> None:
    sec = news()
    summary = summarise(sec, NO_ENTITIES, Budget(sentences=n))
    check_well_formed(sec, summary)
    assert len(summary.sentences) == n


def test_ratio_budget_counts_the_articles_words() -> None:
    sec = news()
    total = sum(words_of(sentence_text(sec, i)) for i in range(len(sec.sentences)))
    summary = summarise(sec, NO_ENTITIES, Budget(ratio=0.3))
    check_well_formed(sec, summary)
    assert 0 < words_of(summary.text) <= round(0.3 * total)


def test_tightest_limit_binds() -> None:
    sec = news()
    assert len(summarise(sec, NO_ENTITIES, Budget(words=1000, sentences=2)).sentences) == 2
    one = summarise(sec, NO_ENTITIES, Budget(words=1000, sentences=5, ratio=0.1))
    assert words_of(one.text) <= round(
        0.1 * sum(words_of(sentence_text(sec, i)) for i in range(len(sec.sentences)))
    )


def test_default_budget_when_none_is_set() -> None:
    sec = news()
    summary = summarise(sec, NO_ENTITIES, Budget())
    assert DEFAULT_BUDGET.sentences is not None and DEFAULT_BUDGET.words is not None
    assert 0 < len(summary.sentences) <= DEFAULT_BUDGET.sentences
    assert words_of(summary.text) <= DEFAULT_BUDGET.words


def test_the_best_sentence_is_cut_rather_than_replaced() -> None:
    sec = news()
    best = words_of(sentence_text(sec, 0))  # it has no clause to fall back on
    summary = summarise(sec, NO_ENTITIES, Budget(words=best - 1))
    assert summary.sentences == (0,)
    assert summary.text.endswith(ELLIPSIS)
    assert words_of(summary.text) == best - 1
    assert sentence_text(sec, 0).startswith(summary.text[: -len(ELLIPSIS)])
    # One word more: it fits whole, nothing is cut.
    assert not summarise(sec, NO_ENTITIES, Budget(words=best)).text.endswith(ELLIPSIS)


@pytest.mark.parametrize(
    "budget", [Budget(words=0), Budget(sentences=0), Budget(ratio=0.0), Budget(words=-3)]
)
def test_empty_budget_gives_an_empty_summary(budget: Budget) -> None:
    summary = summarise(news(), NO_ENTITIES, budget)
    assert summary.text == "" and summary.sentences == ()


def test_empty_article() -> None:
    sec = build(("title", "x"))
    assert summarise(sec, NO_ENTITIES, Budget(words=50)) == Summary("", (), ())


def test_resolve() -> None:
    assert resolve(Budget(), 100) == Limits(DEFAULT_BUDGET.words, DEFAULT_BUDGET.sentences)
    assert resolve(Budget(ratio=0.25), 100) == Limits(25, None)
    assert resolve(Budget(words=20, ratio=0.5), 100) == Limits(20, None)
    assert resolve(Budget(words=80, ratio=0.5, sentences=4), 100) == Limits(50, 4)
    assert resolve(Budget(ratio=2.0), 100) == Limits(100, None)
    assert resolve(Budget(ratio=math.nan), 100) == Limits(0, None)
    assert resolve(Budget(sentences=-1), 100) == Limits(None, 0)


def test_choose_passes_over_what_does_not_fit_and_keeps_order() -> None:
    # Best first: 2 (too long for what is left after it), then 0, then 3.
    choice = choose([0.5, 0.1, 0.9, 0.3], [4, 4, 6, 2], Limits(words=8, sentences=None))
    assert choice.chosen == (2, 3) and choice.order == (2, 3)
    assert choose([0.5, 0.9], [5, 5], Limits(words=3, sentences=None)).cut_words == 3


def test_choose_drops_a_repeat_for_a_new_sentence() -> None:
    similarity = [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    scores, lengths = [1.0, 0.9, 0.5], [1, 1, 1]
    assert choose(scores, lengths, Limits(None, 2), similarity, redundancy=0.0).chosen == (0, 1)
    assert choose(scores, lengths, Limits(None, 2), similarity, redundancy=0.5).chosen == (0, 2)


def test_sentences_are_kept_in_article_order() -> None:
    for index in range(4):
        sec = news(index)
        summary = summarise(sec, NO_ENTITIES, Budget(words=45))
        assert list(summary.sentences) == sorted(summary.sentences)
        check_well_formed(sec, summary)


def test_first_sentence_of_news_is_chosen() -> None:
    sec = news()
    assert summarise(sec, NO_ENTITIES, Budget(sentences=2)).sentences[0] == 0


def test_deterministic_and_independent_of_entity_order() -> None:
    sec = news(2)
    mentions = [(m.start(), m.end()) for m in __import__("re").finditer(r"\w{6,}", sec.text)][:6]
    ents = tuple(Entity(sec.text[s:e], "LOC", (Mention(sec.text[s:e], "LOC", s, e),)) for s, e in mentions)
    a = summarise(sec, Entities("t", ents), Budget(words=40))
    b = summarise(sec, Entities("t", tuple(reversed(ents))), Budget(words=40))
    c = summarise(sec, Entities("t", ents), Budget(words=40))
    assert a == b == c


def test_heading_and_title_are_never_summary_sentences() -> None:
    sec = news(heading=True)
    heading_blocks = {i for i, b in enumerate(sec.blocks) if b.kind in ("heading", "title")}
    # A section stage that put a sentence in a heading block must not get it summarised.
    h = next(iter(sorted(heading_blocks - {0})))
    block = sec.blocks[h]
    from khabar.tasks.records import Sentence

    sec = Sectioned(
        sec.text,
        sec.title,
        sec.blocks,
        (Sentence(block.start, block.end, h), *sec.sentences),
        sec.tokens,
        sec.boilerplate,
        sec.to_source,
    )
    for budget in (Budget(words=1000), Budget(sentences=3), Budget(words=2)):
        summary = summarise(sec, NO_ENTITIES, budget)
        assert all(sec.sentences[i].block not in heading_blocks for i in summary.sentences)


def test_boilerplate_sentences_are_never_chosen() -> None:
    sec = news()
    footer = sentence_text(sec, 0)
    sec = Sectioned(sec.text, sec.title, sec.blocks, sec.sentences, sec.tokens, (footer,), sec.to_source)
    summary = summarise(sec, NO_ENTITIES, Budget(words=1000))
    assert 0 not in summary.sentences and summary.sentences


def test_keywords_are_content_words_as_the_article_writes_them() -> None:
    sec = news(2)
    summary = summarise(sec, NO_ENTITIES, Budget(words=40))
    assert 3 <= len(summary.keywords) <= 10
    assert len({word_form(kw) for kw in summary.keywords}) == len(summary.keywords), "one spelling per keyword"
    for kw in summary.keywords:
        assert kw in sec.text, "keywords are spelt as in the text (see test_summarise_keywords)"
        for w in kw.split():
            form = word_form(w)
            assert not is_stop(form) and form not in STOP_WORDS and not form.isdigit()
    assert summary.keywords == summarise(sec, NO_ENTITIES, Budget(sentences=1)).keywords


def test_through_the_real_stages() -> None:
    for seed in range(6):
        sec = section(normalise(Article(id=str(seed), content=article(seed), kind="text")))
        summary = summarise(sec, NO_ENTITIES, Budget(words=50))
        check_well_formed(sec, summary)
        assert words_of(summary.text) <= 50


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(
            list(" \n\t.,:;!?\u060c\u061b\u061f\u0640\u064b\u064e0123456789abc")
            + [chr(c) for c in range(0x0621, 0x064B)]
        ),
        max_size=400,
    ),
    words=st.one_of(st.none(), st.integers(-5, 200)),
    sentences=st.one_of(st.none(), st.integers(-2, 8)),
    ratio=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
)
def test_never_raises_on_sectioned_arbitrary_text(
    text: str, words: int | None, sentences: int | None, ratio: float | None
) -> None:
    sec = section(normalise(Article(id="h", content=text, kind="text")))
    summary = summarise(sec, NO_ENTITIES, Budget(words=words, sentences=sentences, ratio=ratio))
    check_well_formed(sec, summary)
    limits = resolve(
        Budget(words=words, sentences=sentences, ratio=ratio), analyse(sec, NO_ENTITIES).article_words
    )
    if limits.sentences is not None:
        assert len(summary.sentences) <= limits.sentences
    assert len(summary.keywords) <= 10


def test_choose_prefers_a_neighbour_of_a_taken_sentence() -> None:
    scores, lengths = [1.0, 0.50, 0.52, 0.0], [1, 1, 1, 1]
    assert choose(scores, lengths, Limits(None, 2)).chosen == (0, 2)
    assert choose(scores, lengths, Limits(None, 2), cohesion=0.05).chosen == (0, 1)


def test_an_article_pasted_twice_is_summarised_from_its_first_copy() -> None:
    # One sentence a paragraph: the removed second copy lists every sentence as boilerplate.
    title, sentences = topics()[1]
    once = "\n".join([title, *sentences])
    sec = section(normalise(Article(id="twice", content=once + "\n" + once, kind="text")))
    assert [sentence_text(sec, i) for i in range(len(sec.sentences))] == sentences
    assert set(sentences) <= set(sec.boilerplate)
    summary = summarise(sec, NO_ENTITIES, Budget(words=1000))
    check_well_formed(sec, summary)
    assert summary.sentences == tuple(range(len(sentences)))
