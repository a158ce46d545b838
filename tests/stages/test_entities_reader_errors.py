"""The errors readers saw in the entities of real pages, one kind at a time (``khabar.tasks.entities.repair``,
``mentions``), on real news sentences (``fixtures/ner_reader_errors.txt``, ANT corpus).

A scripted recogniser makes each error as a tagger did (its labels are the error), with the committed
model's real lexicon, so each test shows what the stage does with that error; the last tests run the
committed CRF itself on the same sentences.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from khabar.tasks.entities import find_entities
from khabar.tasks.entities.crf.lexicon import Lexicon
from khabar.tasks.entities.crf.model import DEFAULT_MODEL_DIR
from khabar.tasks.entities.mentions import TokenSpan
from khabar.tasks.entities.repair import repair
from tests.stages.entities_support import WithLexicon, build

FIXTURE = Path(__file__).parent / "fixtures" / "ner_reader_errors.txt"


@cache
def sentence(key: str) -> str:
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, text = line.split("\t")
            if name == key:
                return text
    raise KeyError(key)


@cache
def lexicon() -> Lexicon:
    return Lexicon.load(DEFAULT_MODEL_DIR)


def found(key: str, labels: dict[str, str]) -> list[tuple[str, str]]:
    """Return (entity text, type) of the stage's output on sentence ``key`` tagged with ``labels``."""
    ents = find_entities(build(("paragraph", sentence(key))), WithLexicon(labels, lexicon()), batch_size=10)
    return [(e.text, e.type) for e in ents.entities]


# Clitic cutting


def test_and_is_cut_off_a_two_word_place_that_opens_with_a_short_word() -> None:
    got = found("tel", {"دمشق": "B-LOC", "وتل": "B-LOC", "أبيب": "I-LOC", "الجولان": "B-LOC"})
    assert ("تل أبيب", "LOC") in got, got
    assert not any(text.startswith("وتل") for text, _ in got)


def test_and_is_cut_off_a_country_in_a_list() -> None:
    got = found("panama", {"إنجلترا": "B-LOC", "تونس": "B-LOC", "وبنما": "B-LOC", "وبلجيكا": "B-LOC"})
    assert got == [("إنجلترا", "LOC"), ("تونس", "LOC"), ("بنما", "LOC"), ("بلجيكا", "LOC")]


def test_and_is_cut_off_a_name_that_news_writes_and_no_list_has() -> None:
    # Tillerson is in no gazetteer and too rare for the general word frequencies, but news writes it
    # (the word clusters hold it) and never "wa-Tillerson" often enough to be clustered.
    got = found("tillerson", {"أردوغان": "B-PERS", "وتيلرسون": "B-PERS"})
    assert got == [("أردوغان", "PERS"), ("تيلرسون", "PERS")]


def test_in_the_countryside_of_is_no_place() -> None:
    got = found("rif", {"بريف": "B-LOC", "دمشق": "B-LOC"})
    assert got == [("دمشق", "LOC")]
    got = found("rif2", {"بريف": "B-LOC", "حمص": "B-LOC", "الشعيرات": "B-LOC"})
    assert ("حمص", "LOC") in got and all("ريف" not in text for text, _ in got), got


# Verbs and common words kept out of names


def test_a_verb_before_a_name_is_not_the_person() -> None:
    got = found("messi", {"وصل": "B-PERS", "ليونيل": "I-PERS", "ميسي": "I-PERS"})
    assert ("ليونيل ميسي", "PERS") in got, got
    assert all("وصل" not in text for text, _ in got), got
    words = ["الذي", "سافر", "هايدن", "إلى", "باريس"]  # "who travelled, Hayden, to Paris"
    assert repair(words, [TokenSpan(1, 3, "PERS")], lexicon()) == [TokenSpan(2, 3, "PERS")]


def test_names_that_are_words_stay_in_the_name() -> None:
    # Bush, Rice, Hamad, Al Thani are common words too; Abd ("worshipped") opens Abd al-Rahman.
    words = ["قال", "جورج", "بوش", "و", "كوندوليزا", "رايس", "و", "غازي", "حمد", "و", "عبد", "الرحمن", "آل", "ثاني"]
    spans = [TokenSpan(1, 3, "PERS"), TokenSpan(4, 6, "PERS"), TokenSpan(7, 9, "PERS"), TokenSpan(10, 14, "PERS")]
    assert repair(words, spans, lexicon()) == spans


# Adjectives of nationality


def test_an_adjective_of_nationality_is_not_a_place() -> None:
    assert found("syrian", {"السورية": "B-LOC"}) == []
    got = found("iraqi", {"أردوغان": "B-PERS", "تركيا": "B-LOC", "العراقية": "B-LOC", "سنجار": "B-LOC"})
    assert got == [("أردوغان", "PERS"), ("تركيا", "LOC"), ("سنجار", "LOC")]


def test_a_country_written_like_an_adjective_stays_a_place() -> None:
    got = found("jabha", {"السعودية": "B-LOC", "والإمارات": "B-LOC", "والبحرين": "B-LOC"})
    assert ("السعودية", "LOC") in got, got


# Names inside longer names


def test_a_person_in_a_place_name_names_the_place() -> None:
    got = found("airport", {"الملك": "B-PERS", "خالد": "I-PERS", "الرياض": "B-LOC"})
    assert got == [("الملك خالد", "LOC"), ("الرياض", "LOC")]


def test_a_word_after_an_organisations_head_noun_is_the_organisation() -> None:
    assert found("jaysh", {"الإسلام": "B-MISC", "جرابلس": "B-LOC"}) == [("جيش الإسلام", "ORG"), ("جرابلس", "LOC")]
    got = found("jamia", {"آمال": "B-PERS", "فهمي": "I-PERS", "القاهرة": "B-LOC"})
    assert ("جامعة القاهرة", "ORG") in got and ("القاهرة", "LOC") not in got, got


# Multiword names and organisations kept whole


def test_a_name_split_in_two_is_one_name() -> None:
    got = found("buenos", {"مينوتي": "B-PERS", "ريفادا": "B-ORG", "بوينس": "B-LOC", "آيرس": "B-LOC"})
    assert ("بوينس آيرس", "LOC") in got and ("بوينس", "LOC") not in got, got


def test_two_known_names_side_by_side_stay_apart() -> None:
    words = ["وتلت", "سويسرا", "فنلندا", "والسويد"]  # a list without commas
    spans = [TokenSpan(1, 2, "LOC"), TokenSpan(2, 3, "LOC"), TokenSpan(3, 4, "LOC")]
    assert repair(words, spans, lexicon()) == spans


def test_names_in_a_list_stay_apart() -> None:
    got = found("jabha", {"السعودية": "B-LOC", "والإمارات": "B-LOC", "والبحرين": "B-LOC",
                          "وحزب": "B-ORG", "الله": "I-ORG", "وجبهة": "B-ORG", "النصرة": "I-ORG"})
    assert got == [("السعودية", "LOC"), ("الإمارات", "LOC"), ("البحرين", "LOC"),
                   ("حزب الله", "ORG"), ("جبهة النصرة", "ORG")]


def test_two_people_joined_by_and_are_two() -> None:
    got = found("kushner", {"ترامب": "B-PERS", "وكوشنر": "I-PERS", "CNN": "B-ORG"})
    assert got == [("CNN", "ORG"), ("ترامب", "PERS"), ("كوشنر", "PERS")]


def test_an_organisation_after_and_is_kept_whole() -> None:
    got = found("jabha", {"وحزب": "O", "الله": "B-ORG", "وجبهة": "O", "النصرة": "B-ORG"})
    assert got == [("حزب الله", "ORG"), ("جبهة النصرة", "ORG")]


# The committed model on the same sentences


@pytest.fixture(scope="module")
def crf_found() -> dict[str, list[tuple[str, str]]]:
    from khabar.tasks.entities.crf import load_crf

    crf = load_crf()
    keys = [line.split("\t")[0] for line in FIXTURE.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    return {k: [(e.text, e.type) for e in find_entities(build(("paragraph", sentence(k))), crf).entities]
            for k in keys}


def test_the_model_cuts_clitics_off_names(crf_found) -> None:
    every = [text for got in crf_found.values() for text, _ in got]
    assert ("تل أبيب", "LOC") in crf_found["tel"], crf_found["tel"]
    assert not [t for t in every if t.startswith(("وتل", "وبنما", "بريف"))], every


def test_the_model_tags_no_adjective_of_nationality_as_a_place(crf_found) -> None:
    places = {text for got in crf_found.values() for text, kind in got if kind == "LOC"}
    assert not places & {"السورية", "العراقية", "الأرجنتينية", "المصرية"}, places


def test_the_model_keeps_verbs_out_of_persons(crf_found) -> None:
    persons = [text for got in crf_found.values() for text, kind in got if kind == "PERS"]
    assert not [p for p in persons if p.split()[0] in ("وصل", "سافر", "قال", "وصرح")], persons
