"""Names that are also common words are not spread to the words (``eval_ner.py --stage`` found these).

Ban (Ki-moon) and Van (Persie) read as bi- and fa- + "an" ("that"); Allah of Abd Allah and al-Din of
Zayn al-Din read as surnames; a span error made "barnamajan" ("a programme") a surname; li-Salih
("in favour of") read as li- + the surname Salih.  Each of them was spread over the article.
"""

from __future__ import annotations

from khabar.tasks.entities import find_entities
from khabar.tasks.entities.mentions import evidence, strip_proclitics
from khabar.tasks.normalise import match_form
from tests.stages.entities_support import FirstSentence, FirstSentenceWithLexicon, Scripted, Words, build


def found(paragraph: str, recogniser: Scripted) -> list[tuple[str, str, list[str]]]:
    sec = build(("paragraph", paragraph))
    ents = find_entities(sec, recogniser, batch_size=100)
    return [(e.text, e.type, [m.text for m in e.mentions]) for e in ents.entities]


def test_no_clitic_is_cut_to_leave_two_letters() -> None:
    names = evidence(["بان", "فان"])  # bi- + an and fa- + an: "an" follows two clitics
    assert match_form("ان") not in names
    assert strip_proclitics("فان", names) == (0, False)


def test_ban_and_van_do_not_make_every_an_a_person() -> None:
    got = found(
        "قال بان وقال فان إن فان فاز. وأكد أن الفريق كان جيدا وإن الموسم بأن طويل.",
        Scripted({"بان": "B-PERS", "فان": "B-PERS"}),
    )
    assert got == [("بان", "PERS", ["بان"]), ("فان", "PERS", ["فان", "فان"])]


def test_a_function_word_found_twice_is_not_spread() -> None:
    text = "قال علي وعلي شيئا. ثم وقف على الباب."  # Ali, and "on" (the same match form)
    labels = {"علي": "B-PERS", "وعلي": "B-PERS"}
    assert [len(ms) for _, _, ms in found(text, FirstSentence(labels))] == [3]  # what the lexicon prevents
    got = found(text, FirstSentenceWithLexicon(labels, Words({"علي": 72}, given=frozenset({"علي"}))))
    assert got == [("علي", "PERS", ["علي", "علي"])]


def test_the_second_half_of_a_compound_given_name_is_no_surname() -> None:
    got = found(
        "استقبل زين الدين ثم عبد الله ضيوفا. ثم تحدث عن الدين وعن الله.",
        FirstSentence({"زين": "B-PERS", "الدين": "I-PERS", "عبد": "B-PERS", "الله": "I-PERS"}),
    )
    assert got == [("زين الدين", "PERS", ["زين الدين"]), ("عبد الله", "PERS", ["عبد الله"])]


def test_a_compound_surname_is_spread_whole() -> None:
    got = found(
        "قال حسن نصر الله شيئا. ثم قال نصر الله كلاما عن الله.",
        FirstSentence({"حسن": "B-PERS", "نصر": "I-PERS", "الله": "I-PERS"}),
    )
    assert got == [("حسن نصر الله", "PERS", ["حسن نصر الله", "نصر الله"])]


def test_a_common_word_at_the_end_of_a_span_is_not_spread() -> None:
    text = "قدم عزت أبو عوف برنامجا جديدا. ثم قدم برنامجا آخر."
    labels = {"عزت": "B-PERS", "أبو": "I-PERS", "عوف": "I-PERS", "برنامجا": "I-PERS"}
    # The accusative of barnamaj, "a programme": rarer than the noun, which takes the article.
    words = Words({"برنامجا": 39, "برنامج": 54, "البرنامج": 51})
    assert [len(ms) for _, _, ms in found(text, FirstSentence(labels))] == [2]  # what the lexicon prevents
    got = found(text, FirstSentenceWithLexicon(labels, words))
    assert got == [("عزت أبو عوف برنامجا", "PERS", ["عزت أبو عوف برنامجا"])]


def test_a_word_of_its_own_is_not_read_as_clitic_and_surname() -> None:
    text = "قال علي صالح شيئا. ثم قال صالح وصالح إن القرار لصالح الشعب."
    labels = {"علي": "B-PERS", "صالح": "I-PERS"}
    words = Words({"لصالح": 49, "صالح": 52}, given=frozenset({"صالح", "علي"}))
    assert [len(ms) for _, _, ms in found(text, FirstSentence(labels))] == [4]  # li-Salih too
    got = found(text, FirstSentenceWithLexicon(labels, words))
    assert got == [("علي صالح", "PERS", ["علي صالح", "صالح", "صالح"])]
