"""A name found in one sentence is found in the others."""

from __future__ import annotations

from khabar.tasks.entities import find_entities
from tests.stages.entities_support import Scripted, build


def names(paragraph: str, labels: dict[str, str]) -> list[tuple[str, str, list[str]]]:
    """Entities of a one-paragraph article whose words the recogniser labels as ``labels`` says."""

    class OnlyFirst(Scripted):
        """Labels only the first sentence, as a tagger that misses a name elsewhere would."""

        def tag(self, sentences: list[list[str]]) -> list[list[str]]:
            out = super().tag(sentences)
            return [out[0], *(["O"] * len(s) for s in sentences[1:])]

    sec = build(("paragraph", paragraph))
    ents = find_entities(sec, OnlyFirst(labels), batch_size=100)
    for e in ents.entities:
        for m in e.mentions:
            assert sec.text[m.start : m.end] == m.text
    return [(e.text, e.type, [m.text for m in e.mentions]) for e in ents.entities]


def test_surname_of_a_full_name_is_found_elsewhere_clitics_and_all() -> None:
    got = names("قال دونالد ترامب شيئا. ثم قال ترامب. وقال وترامب.", {"دونالد": "B-PERS", "ترامب": "I-PERS"})
    assert got == [("دونالد ترامب", "PERS", ["دونالد ترامب", "ترامب", "ترامب"])]


def test_multiword_name_is_found_elsewhere() -> None:
    got = names(
        "دعت الأمم المتحدة إلى الهدوء. وقال وللأمم المتحدة دور.",
        {"الأمم": "B-ORG", "المتحدة": "I-ORG"},
    )
    assert got == [("الأمم المتحدة", "ORG", ["الأمم المتحدة", "لأمم المتحدة"])]


def test_one_word_name_found_once_is_not_looked_for() -> None:
    got = names("زار موسكو أمس. ثم غادر موسكو.", {"موسكو": "B-LOC"})
    assert got == [("موسكو", "LOC", ["موسكو"])]


def test_one_word_name_found_twice_is_looked_for() -> None:
    got = names("زار موسكو ثم موسكو. ثم غادر موسكو.", {"موسكو": "B-LOC"})
    assert got == [("موسكو", "LOC", ["موسكو", "موسكو", "موسكو"])]


def test_first_names_are_not_looked_for() -> None:
    got = names("قال محمد علي. ثم قال محمد.", {"محمد": "B-PERS", "علي": "I-PERS"})
    assert got == [("محمد علي", "PERS", ["محمد علي"])]


def test_names_found_with_two_types_are_not_looked_for() -> None:
    got = names("واشنطن واشنطن بواشنطن بواشنطن. ثم واشنطن.", {"واشنطن": "B-LOC", "بواشنطن": "B-ORG"})
    assert [(t, k, len(ms)) for t, k, ms in got] == [("واشنطن", "LOC", 2), ("واشنطن", "ORG", 2)]
