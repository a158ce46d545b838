"""The summary's units and pages: budgets never exceeded, clauses before cuts, page types, furniture left out."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.tasks.normalise import normalise
from khabar.tasks.records import Article, Budget, Entities, Entity, Mention, Sectioned
from khabar.tasks.section import section
from khabar.tasks.summarise import summarise
from khabar.tasks.summarise.analysis import analyse
from khabar.tasks.summarise.budget import HEADLINE_WORDS, Limits, fill, resolve
from khabar.tasks.summarise.clauses import split
from khabar.tasks.summarise.summariser import ELLIPSIS
from tests.corpus import article, topics
from tests.stages.entities_support import SENTENCE_END
from tests.stages.entities_support import build as build_blocks

NO_ENTITIES = Entities("none", ())

# A long first sentence (27 words) whose first clause (9 words) stands alone, then short lesser ones.
LONG_FIRST = (
    "أعلنت وزارة الصحة المصرية اليوم إطلاق حملة وطنية للتطعيم، "
    "وتشمل الحملة جميع المحافظات وتستهدف الأطفال دون سن الخامسة والنساء الحوامل في القرى والمدن "
    "على مدى ثلاثة أسابيع."
)
LESSER = ["وكان الطقس معتدلا في القاهرة اليوم.", "وتراجعت أسعار الخضار قليلا.", "وافتتح معرض للكتاب في الإسكندرية."]
TITLE = "حملة وطنية للتطعيم في مصر"


def build(*blocks: tuple[str, str]) -> Sectioned:
    """A Sectioned of ``(kind, text)`` blocks; answer blocks are cut into sentences too, as the section stage does."""
    from khabar.tasks.records import Sentence

    sec = build_blocks(*blocks)
    extra = []
    for i, b in enumerate(sec.blocks):
        if b.kind == "answer":
            start = b.start
            for m in SENTENCE_END.finditer(sec.text, b.start, b.end):
                extra.append(Sentence(start, m.end(), i))
                start = m.end() + 1
    ordered = tuple(sorted((*sec.sentences, *extra), key=lambda s: s.start))
    return Sectioned(sec.text, sec.title, sec.blocks, ordered, sec.tokens, sec.boilerplate, sec.to_source)


def words_of(text: str) -> int:
    return len(text.split())


def text_of(sec: Sectioned, i: int) -> str:
    s = sec.sentences[i]
    return sec.text[s.start : s.end].strip()


def vaccination(first: str = LONG_FIRST) -> Sectioned:
    return build(("title", TITLE), ("paragraph", first + " " + " ".join(LESSER[:2])), ("paragraph", LESSER[2]))


def test_the_first_clause_stands_alone_and_is_split_off() -> None:
    clauses = split(LONG_FIRST, 0, len(LONG_FIRST))
    assert len(clauses) == 2
    assert LONG_FIRST[clauses[0][0] : clauses[0][1]].endswith("للتطعيم\u060c")
    assert clauses[0][2] == 9 and clauses[0][2] + clauses[1][2] == words_of(LONG_FIRST)
    # "said, that ...": the part before needs what follows; a relative clause does not read alone.
    said = "قال وزير الخارجية الأردني في مؤتمر صحفي، إن بلاده ترفض القرار الجديد بشدة."
    assert len(split(said, 0, len(said))) == 1
    which = "افتتح الوزير المستشفى الجديد في المدينة، الذي بني خلال عامين كاملين."
    parts = split(which, 0, len(which))
    assert len(parts) == 2 and parts[1][3] is False
    # A comma inside quotes, or between digits, is not a clause boundary.
    quoted = "قال المتحدث «إن الوضع صعب، لكن الأمل قائم دائما» في ختام الاجتماع الطويل."
    assert len(split(quoted, 0, len(quoted))) == 1
    assert len(split("بلغ عدد الزوار 1,500 زائر في اليوم الأول للمعرض", 0, 47)) == 1


def test_a_long_best_sentence_is_kept_as_its_first_clause_not_replaced() -> None:
    sec = vaccination()
    summary = summarise(sec, NO_ENTITIES, Budget(words=11))
    assert summary.sentences[0] == 0, "the best sentence is in the summary"
    first_clause = "أعلنت وزارة الصحة المصرية اليوم إطلاق حملة وطنية للتطعيم"
    assert summary.text == first_clause, "9 of 11 words: the clause, nothing else fits beside it"
    # In 12 words the clause would leave a quarter of the budget empty (MIN_FILL): the sentence is cut.
    assert summarise(sec, NO_ENTITIES, Budget(words=12)).text.endswith(ELLIPSIS)
    summary = summarise(sec, NO_ENTITIES, Budget(words=16))
    assert words_of(summary.text) <= 16
    # A lesser sentence fills what is left only if it fits beside the clause.
    assert all(text_of(sec, i) in summary.text for i in summary.sentences[1:])


def test_a_long_best_sentence_is_cut_only_when_not_even_its_first_clause_fits() -> None:
    sec = vaccination()
    summary = summarise(sec, NO_ENTITIES, Budget(words=6))
    assert summary.sentences == (0,)
    assert summary.text.endswith(ELLIPSIS) and words_of(summary.text) == 6
    assert LONG_FIRST.startswith(summary.text[: -len(ELLIPSIS)])
    # Without a clause to fall back on, the best sentence is cut, never swapped for a short lesser one.
    unsplit = vaccination(LONG_FIRST.replace("\u060c", ""))
    cut = summarise(unsplit, NO_ENTITIES, Budget(words=12))
    assert cut.sentences == (0,) and cut.text.endswith(ELLIPSIS) and words_of(cut.text) == 12


def test_headline_mode_is_one_sentence_of_headline_length() -> None:
    assert resolve(Budget(headline=True), 500) == Limits(HEADLINE_WORDS, 1)
    assert resolve(Budget(headline=True, words=8), 500) == Limits(8, 1)
    summary = summarise(vaccination(), NO_ENTITIES, Budget(headline=True))
    assert summary.sentences == (0,) and words_of(summary.text) <= HEADLINE_WORDS
    assert summary.text.startswith("أعلنت وزارة الصحة المصرية اليوم إطلاق حملة وطنية للتطعيم")


def test_the_knapsack_fills_the_room_with_the_most_relevant_words() -> None:
    # Best sentence 30 words in two clauses (12 + 18); budget 23: its first clause and the 10-word sentence.
    clauses = [[(12, True), (18, True)], [], []].__getitem__
    choice = fill([1.0, 0.5, 0.4], [30, 10, 12], clauses, Limits(23, None))
    assert choice.chosen == (0, 1) and choice.parts == ((0, 1), None)
    # With one unit allowed: the clause, not the lesser sentence that would fill more.
    assert fill([1.0, 0.5, 0.4], [30, 10, 22], clauses, Limits(23, 1)).chosen == (0,)


PAGES = [article(seed) for seed in range(8)]


@settings(max_examples=200, deadline=None)
@given(
    page=st.sampled_from(range(len(PAGES) + 3)),
    words=st.one_of(st.none(), st.integers(0, 150)),
    sentences=st.one_of(st.none(), st.integers(0, 6)),
    ratio=st.one_of(st.none(), st.floats(0.0, 1.0)),
    headline=st.booleans(),
)
def test_the_budget_is_never_exceeded(
    page: int, words: int | None, sentences: int | None, ratio: float | None, headline: bool
) -> None:
    if page < len(PAGES):
        sec = section(normalise(Article(id="p", content=PAGES[page], kind="text")))
    else:
        sec = [vaccination(), vaccination(LONG_FIRST.replace("\u060c", "")), interview()][page - len(PAGES)]
    budget = Budget(words=words, sentences=sentences, ratio=ratio, headline=headline)
    summary = summarise(sec, NO_ENTITIES, budget)
    limits = resolve(budget, analyse(sec, NO_ENTITIES).article_words)
    if limits.words is not None:
        assert words_of(summary.text) <= limits.words
    if limits.sentences is not None:
        assert len(summary.sentences) <= limits.sentences
    assert list(summary.sentences) == sorted(set(summary.sentences))
    if summary.text.endswith(ELLIPSIS):
        assert len(summary.sentences) == 1
    for i in summary.sentences:
        assert sec.blocks[sec.sentences[i].block].kind in ("lead", "paragraph", "list_item", "answer")


QUESTION_1 = "ما هي أهم أولويات الحكومة الجديدة في المرحلة المقبلة؟"
QUESTION_2 = "كيف ترى مستقبل الاقتصاد الوطني والاستثمار الأجنبي في البلاد؟"


def interview() -> Sectioned:
    return build(
        ("title", "رئيس الوزراء: الاقتصاد أولويتنا"),
        ("dateline", "عمان - خاص"),
        ("lead", "التقت الصحيفة رئيس الوزراء الجديد في مكتبه وسألته عن خطط الحكومة."),
        ("question", QUESTION_1),
        ("answer", "أولويتنا الأولى هي الاقتصاد الوطني وخلق فرص العمل للشباب. وسنعمل على خفض البطالة."),
        ("pull_quote", "الاقتصاد الوطني أولويتنا الأولى والأخيرة وخلق فرص العمل للشباب"),
        ("question", QUESTION_2),
        ("answer", "الاستثمار الأجنبي ضروري للاقتصاد الوطني ونحن نرحب به. وقد أقرت الحكومة قانونا جديدا للاستثمار."),
        ("caption", "رئيس الوزراء الجديد في مكتبه خلال المقابلة حول الاقتصاد الوطني"),
    )


@pytest.mark.parametrize("budget", [Budget(words=1000), Budget(words=30), Budget(sentences=3), Budget(headline=True)])
def test_an_interview_is_summarised_from_its_answers(budget: Budget) -> None:
    sec = interview()
    assert analyse(sec, NO_ENTITIES).page_type == "interview"
    summary = summarise(sec, NO_ENTITIES, budget)
    kinds = {sec.blocks[sec.sentences[i].block].kind for i in summary.sentences}
    assert summary.sentences and kinds <= {"lead", "answer"}
    for furniture in (QUESTION_1, QUESTION_2, "عمان - خاص", "في مكتبه خلال المقابلة", "والأخيرة"):
        assert furniture not in summary.text
    if budget.words == 1000:
        assert "answer" in kinds


def with_sentences(sec: Sectioned, kinds: tuple[str, ...]) -> Sectioned:
    """The same article with every block of ``kinds`` made one sentence, as a careless section stage might."""
    from khabar.tasks.records import Sentence

    extra = [Sentence(b.start, b.end, i) for i, b in enumerate(sec.blocks) if b.kind in kinds]
    ordered = tuple(sorted((*sec.sentences, *extra), key=lambda s: s.start))
    return Sectioned(sec.text, sec.title, sec.blocks, ordered, sec.tokens, sec.boilerplate, sec.to_source)


@pytest.mark.parametrize("budget", [Budget(words=1000), Budget(words=20), Budget(sentences=2), Budget()])
def test_captions_pull_quotes_datelines_and_questions_are_never_summarised(budget: Budget) -> None:
    title, sentences = topics()[0]
    furniture = {
        "dateline": "القاهرة - وكالات",
        "caption": "وزير المالية المصري أحمد كجوك يعلن خطة خفض عجز الموازنة في القاهرة",
        "pull_quote": "الحكومة ستعتمد على زيادة الإيرادات الضريبية وترشيد الإنفاق لخفض العجز",
        "question": "هل تنجح خطة وزير المالية المصري في خفض عجز الموازنة؟",
    }
    sec = build(
        ("title", title),
        ("dateline", furniture["dateline"]),
        ("caption", furniture["caption"]),
        ("paragraph", " ".join(sentences[:3])),
        ("pull_quote", furniture["pull_quote"]),
        ("paragraph", " ".join(sentences[3:]) + " " + furniture["question"]),
    )
    for page in (sec, with_sentences(sec, ("dateline", "caption", "pull_quote"))):
        summary = summarise(page, NO_ENTITIES, budget)
        assert summary.sentences
        for text in furniture.values():
            assert text not in summary.text
        assert {page.blocks[page.sentences[i].block].kind for i in summary.sentences} == {"paragraph"}


def test_comment_policy_is_furniture() -> None:
    title, sentences = topics()[1]
    policy = "جميع التعليقات المنشورة تعبر عن رأي أصحابها ولا تعبر عن رأي الموقع."
    sec = build(("title", title), ("paragraph", policy + " " + " ".join(sentences)))
    assert policy not in summarise(sec, NO_ENTITIES, Budget(words=1000)).text


def test_live_updates_are_taken_latest_first() -> None:
    entries = [
        ("09:15", "بدأت عمليات التصويت في الانتخابات البرلمانية في جميع المراكز."),
        ("12:40", "بلغت نسبة المشاركة في الانتخابات البرلمانية ثلاثين في المئة ظهرا."),
        ("18:05", "أغلقت مراكز الاقتراع أبوابها وبدأ فرز الأصوات في الانتخابات البرلمانية."),
    ]
    title = ("title", "الانتخابات البرلمانية لحظة بلحظة")
    oldest_first = build(title, *(("paragraph", f"{t} {s}") for t, s in entries))
    latest_first = build(title, *(("paragraph", f"{t} {s}") for t, s in reversed(entries)))
    for sec in (oldest_first, latest_first):
        assert analyse(sec, NO_ENTITIES).page_type == "live"
        summary = summarise(sec, NO_ENTITIES, Budget(sentences=1))
        assert "18:05" in summary.text


def test_a_list_article_takes_its_introduction_and_the_heads_of_its_items() -> None:
    items = [
        "المشي اليومي يقوي القلب. ويمكن ممارسته في أي وقت من اليوم دون تكلفة.",
        "النوم الكافي يحسن التركيز. ويحتاج البالغ إلى سبع ساعات على الأقل كل ليلة.",
        "شرب الماء يحمي الكلى. وينصح الأطباء بثمانية أكواب يوميا في الصيف والشتاء.",
        "الفاكهة الطازجة تمد الجسم بالفيتامينات. ويفضل تناولها بدلا من العصائر المصنعة.",
    ]
    sec = build(
        ("title", "أربع عادات صحية بسيطة"),
        ("paragraph", "ينصح الأطباء بعادات يومية بسيطة تحمي الصحة."),
        *(("list_item", item) for item in items),
    )
    analysis = analyse(sec, NO_ENTITIES)
    assert analysis.page_type == "list"
    # The position prior: the introduction, then the head of each item, then the rest.
    assert list(analysis.prior) == sorted(analysis.prior, key=lambda p: -p)[:1] + list(analysis.prior[1:])
    heads = [analysis.prior[k] for k in (1, 3, 5, 7)]
    others = [analysis.prior[k] for k in (2, 4, 6, 8)]
    assert analysis.prior[0] == 1.0 and min(heads) > max(others)
    summary = summarise(sec, NO_ENTITIES, Budget(sentences=5))
    assert "ينصح الأطباء بعادات" in summary.text
    assert sum(item.split(". ")[0] in summary.text for item in items) >= 3


def test_an_opinion_piece_keeps_its_conclusion() -> None:
    paragraphs = [
        "يعيش العالم العربي أزمة مياه متفاقمة تهدد الزراعة والمدن.",
        "وتستهلك الزراعة معظم المياه العذبة في المنطقة.",
        "وتزداد المدن اتساعا عاما بعد عام.",
        "وتتراجع الأمطار بسبب تغير المناخ.",
        "ولذلك فإن الحل الوحيد هو إدارة مشتركة للمياه بين الدول العربية.",
    ]
    sec = build(("tag", "رأي"), ("title", "أزمة المياه"), *(("paragraph", p) for p in paragraphs))
    assert analyse(sec, NO_ENTITIES).page_type == "opinion"
    summary = summarise(sec, NO_ENTITIES, Budget(sentences=2))
    assert paragraphs[0] in summary.text and paragraphs[-1] in summary.text


NAMES = """وزير الزراعة يفتتح موسم الحصاد

افتتح وزير الزراعة عبد العاطي الشافعي اليوم موسم حصاد القمح في محافظة الشرقية.
وقال عبد العاطي الشافعي إن الإنتاج سيبلغ ثلاثة ملايين طن هذا العام.

وأضاف عبد العاطي الشافعي أن الحصاد جرى في أجواء جيدة جدا، وأن طرف الحكومة دعم المزارعين.
ودارت نقاشات أخرى حول أسعار القمح في 2024.

وأكد الشافعي أن موسم الحصاد سيستمر ثلاثة أسابيع في محافظة الشرقية.
"""


def test_keywords_hold_no_function_words_or_numbers_and_keep_names_whole() -> None:
    sec = section(normalise(Article(id="kw", content=NAMES, kind="text")))
    spans = [(m.start(), m.end()) for m in __import__("re").finditer("عبد العاطي الشافعي|الشافعي", sec.text)]
    assert len(spans) == 4
    person = Entity(
        "عبد العاطي الشافعي", "PERS", tuple(Mention(sec.text[a:b], "PERS", a, b) for a, b in spans)
    )
    shown = summarise(sec, Entities("t", (person,)), Budget()).keywords
    assert "عبد العاطي الشافعي" in shown
    words = [w for kw in shown for w in kw.split()]
    assert words.count("عبد") == 1 and words.count("الشافعي") == 1, "the name is never split"
    for junk in ("آخر", "أخرى", "جدا", "طرف", "ثلاثة", "ملايين", "دارت", "جرى", "2024"):
        assert not any(junk in kw.split() for kw in shown), junk
    assert not any(ch.isdigit() for kw in shown for ch in kw)
    # Without the entity, "Abd" still never stands alone as a keyword.
    bare = summarise(sec, NO_ENTITIES, Budget()).keywords
    assert "عبد" not in bare


def test_a_dateline_that_opens_the_first_sentence_is_left_out() -> None:
    title, sentences = topics()[0]
    for dateline in ("دبي، الإمارات العربية المتحدة (CNN) -- ", "القاهرة - "):
        sec = build(("title", title), ("paragraph", dateline + " ".join(sentences)))
        summary = summarise(sec, NO_ENTITIES, Budget(words=1000))
        assert summary.text.startswith(sentences[0]) and dateline.strip() not in summary.text
    # A dash later in a sentence is not a dateline.
    inside = "أعلن وزير المالية المصري أحمد كجوك - في مؤتمر صحفي - خطة جديدة لخفض العجز."
    sec = build(("title", title), ("paragraph", inside))
    assert summarise(sec, NO_ENTITIES, Budget(words=1000)).text == inside


def test_no_clause_is_cut_off_before_the_object_of_its_verb() -> None:
    fao = (
        "أعلنت منظمة الأغذية والزراعة للأمم المتحدة، اليوم الخميس، أن أسعار الغذاء العالمية انخفضت "
        "في يونيو على أساس شهري، وهو الانخفاض الأول منذ أشهر طويلة."
    )
    parts = [fao[a:b] for a, b, _, _ in split(fao, 0, len(fao))]
    assert len(parts) == 2 and parts[0].endswith("على أساس شهري\u060c")
    # After a comma, a part reads alone only where it opens with "and"/"so".
    gazette = "نشرت الجريدة الرسمية في لبنان، الخميس، قائمة المجنسين في مرسوم رئاسي أثار اعتراضات كثيرة."
    assert [alone for *_, alone in split(gazette, 0, len(gazette))][1:] in ([], [False])
