"""Merging mentions into entities, on hand-made examples."""

from __future__ import annotations

from khabar.tasks.entities.mentions import make_mentions
from khabar.tasks.entities.merge import merge_mentions
from khabar.tasks.records import Entity
from tests.stages.entities_support import TOKEN


def entities(*mentions: tuple[str, str]) -> tuple[Entity, ...]:
    """Entities of an article that names ``(name, type)`` in this order, one sentence each."""
    text = " ".join(f"قال {name} ." for name, _ in mentions)
    tokens = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
    spans, i = [], 0
    for name, kind in mentions:
        i += 1  # the verb
        n = len(TOKEN.findall(name))
        spans.append((tokens[i : i + n], kind))
        i += n + 1  # the full stop
    found = make_mentions(text, spans)
    result = merge_mentions(found)
    for e in result:
        for m in e.mentions:
            assert m.text == text[m.start : m.end]
    return result


def summary(result: tuple[Entity, ...]) -> list[tuple[str, str, list[str]]]:
    return [(e.text, e.type, [m.text for m in e.mentions]) for e in result]


def test_short_name_and_clitic_forms_merge_into_the_full_name() -> None:
    result = entities(("ترامب", "PERS"), ("دونالد ترامب", "PERS"), ("وترامب", "PERS"))
    assert summary(result) == [("دونالد ترامب", "PERS", ["ترامب", "دونالد ترامب", "ترامب"])]
    assert [m.start for m in result[0].mentions] == sorted(m.start for m in result[0].mentions)


def test_first_name_and_surname_both_join() -> None:
    result = entities(
        ("كيريل", "PERS"), ("بوتين", "PERS"), ("كيريل دميترييف", "PERS"), ("فلاديمير بوتين", "PERS")
    )
    assert summary(result) == [
        ("كيريل دميترييف", "PERS", ["كيريل", "كيريل دميترييف"]),
        ("فلاديمير بوتين", "PERS", ["بوتين", "فلاديمير بوتين"]),
    ]


def test_alef_hamza_and_teh_marbuta_variants_are_one_name() -> None:
    result = entities(
        ("أوكرانيا", "LOC"), ("اوكرانيا", "LOC"), ("الجامعة العربية", "ORG"), ("الجامعه العربيه", "ORG")
    )
    assert summary(result) == [
        ("أوكرانيا", "LOC", ["أوكرانيا", "اوكرانيا"]),
        ("الجامعة العربية", "ORG", ["الجامعة العربية", "الجامعه العربيه"]),
    ]


def test_canonical_is_the_most_frequent_of_the_fullest_forms() -> None:
    result = entities(
        ("الولايات", "LOC"),
        ("الولايات المتحده", "LOC"),
        ("الولايات المتحدة", "LOC"),
        ("الولايات المتحدة", "LOC"),
    )
    assert [(e.text, len(e.mentions)) for e in result] == [("الولايات المتحدة", 4)]


def test_spelling_variant_joins_through_the_full_name() -> None:
    result = entities(("ترمب", "PERS"), ("دونالد ترامب", "PERS"), ("ترامب", "PERS"))
    assert summary(result) == [("دونالد ترامب", "PERS", ["ترمب", "دونالد ترامب", "ترامب"])]


def test_one_word_spelling_variants_alone_stay_apart() -> None:
    # Without a full name to join, an alef is not enough to say two names are one: Ayman and Iman.
    assert len(entities(("ترمب", "PERS"), ("ترامب", "PERS"))) == 2
    assert len(entities(("أيمن", "PERS"), ("إيمان", "PERS"))) == 2


def test_different_types_do_not_merge_through_short_names() -> None:
    result = entities(("فلاديمير بوتين", "PERS"), ("بوتين", "ORG"))
    assert summary(result) == [("فلاديمير بوتين", "PERS", ["فلاديمير بوتين"]), ("بوتين", "ORG", ["بوتين"])]


def test_same_name_with_a_minority_type_joins_the_majority() -> None:
    result = entities(("واشنطن", "LOC"), ("واشنطن", "ORG"), ("واشنطن", "LOC"))
    assert [(e.text, e.type, [m.type for m in e.mentions]) for e in result] == [
        ("واشنطن", "LOC", ["LOC", "ORG", "LOC"])  # mentions keep their recogniser's type
    ]


def test_same_name_with_evenly_split_types_stays_apart() -> None:
    result = entities(("واشنطن", "LOC"), ("واشنطن", "ORG"))
    assert [(e.text, e.type) for e in result] == [("واشنطن", "LOC"), ("واشنطن", "ORG")]


def test_shared_surname_joins_the_person_mentioned_most() -> None:
    result = entities(
        ("دونالد ترامب", "PERS"), ("إيفانكا ترامب", "PERS"), ("ترامب", "PERS"), ("دونالد ترامب", "PERS")
    )
    assert summary(result) == [
        ("دونالد ترامب", "PERS", ["دونالد ترامب", "ترامب", "دونالد ترامب"]),
        ("إيفانكا ترامب", "PERS", ["إيفانكا ترامب"]),
    ]


def test_shared_surname_with_no_clear_person_stays_apart() -> None:
    result = entities(("دونالد ترامب", "PERS"), ("إيفانكا ترامب", "PERS"), ("ترامب", "PERS"))
    assert [e.text for e in result] == ["دونالد ترامب", "إيفانكا ترامب", "ترامب"]


def test_entities_are_ordered_by_first_mention() -> None:
    result = entities(("موسكو", "LOC"), ("بوتين", "PERS"), ("فلاديمير بوتين", "PERS"), ("روسيا", "LOC"))
    assert [e.text for e in result] == ["موسكو", "فلاديمير بوتين", "روسيا"]


def test_no_mentions_no_entities() -> None:
    assert merge_mentions([]) == ()
