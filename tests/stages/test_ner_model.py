"""The committed CRF NER model: it loads, tags plausibly, and its features are deterministic."""

from __future__ import annotations

from pathlib import Path

import pytest

from khabar.tasks.entities.crf import CrfRecogniser, load_crf
from khabar.tasks.entities.crf.features import FeatureExtractor
from khabar.tasks.entities.crf.lexicon import Lexicon, clitic_variants
from khabar.tasks.entities.crf.model import DEFAULT_MODEL_DIR

FIXTURE = Path(__file__).parent / "fixtures" / "ner_sentences.txt"


@pytest.fixture(scope="module")
def sentences() -> list[list[str]]:
    return [line.split() for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def crf() -> CrfRecogniser:
    return load_crf()


def _spans(tokens: list[str], labels: list[str]) -> dict[str, str]:
    """Return {entity text: type} of one tagged sentence."""
    out: dict[str, str] = {}
    words: list[str] = []
    kind = ""
    for tok, lab in [*zip(tokens, labels, strict=True), ("", "O")]:
        if words and not lab.startswith("I-"):
            out[" ".join(words)] = kind
            words = []
        if lab != "O":
            if lab.startswith("B-"):
                kind = lab[2:]
            words.append(tok)
    return out


def test_committed_model_tags_a_person_and_places(crf, sentences):
    assert crf.name == "crf"
    labels = crf.tag(sentences)
    assert [len(x) for x in labels] == [len(s) for s in sentences]
    first = _spans(sentences[0], labels[0])
    # "George Bush" is a person; Washington and Europe are places.
    assert first.get("\u062c\u0648\u0631\u062c \u0628\u0648\u0634") == "PERS", first
    assert first.get("\u0648\u0627\u0634\u0646\u0637\u0646") == "LOC", first
    second = _spans(sentences[1], labels[1])
    assert second.get("\u0627\u0644\u0642\u0627\u0647\u0631\u0629") == "LOC", second  # Cairo
    every = {k: v for s, lab in zip(sentences, labels, strict=True) for k, v in _spans(s, lab).items()}
    assert set(every.values()) <= {"PERS", "LOC", "ORG", "MISC"}


def test_tag_handles_empty_input(crf):
    assert crf.tag([]) == []
    assert crf.tag([[]]) == [[]]
    assert crf.tag([["."]]) == [["O"]]


def test_labels_are_valid_iob2(crf, sentences):
    for labels in crf.tag(sentences):
        prev = "O"
        for lab in labels:
            assert lab == "O" or lab[:2] in ("B-", "I-")
            if lab.startswith("I-"):
                assert prev[2:] == lab[2:]
            prev = lab


def test_features_are_deterministic(sentences):
    lexicon = Lexicon.load(DEFAULT_MODEL_DIR)
    a = FeatureExtractor(lexicon).sentence(sentences[1])
    b = FeatureExtractor(Lexicon.load(DEFAULT_MODEL_DIR)).sentence(sentences[1])
    assert a == b
    assert FeatureExtractor(lexicon).sentence(sentences[1]) == a  # the cache changes nothing


def test_clitics_are_stripped_in_arabic_order():
    wa_al_urdun = "\u0648\u0627\u0644\u0627\u0631\u062f\u0646"  # "and Jordan", in match form
    readings = [rest for _, rest in clitic_variants(wa_al_urdun)]
    assert readings == [wa_al_urdun, wa_al_urdun[1:], wa_al_urdun[3:]]


def test_gazetteer_knows_countries_with_clitics():
    lexicon = Lexicon.load(DEFAULT_MODEL_DIR)
    bil_urdun = "\u0628\u0627\u0644\u0627\u0631\u062f\u0646"  # "in Jordan"
    assert "COUNTRY" in lexicon.word_categories(bil_urdun)


def test_a_lexicon_without_a_category_keeps_everything_else() -> None:
    """``train-ner --without-category GIVEN`` measures what a gazetteer category is worth (MODEL_CARD.md)."""
    lexicon = Lexicon.load(DEFAULT_MODEL_DIR)
    given = {p for p, cats in lexicon.phrases.items() if "GIVEN" in cats}
    assert len(given) > 1000
    kept = lexicon.without(["GIVEN"])
    assert all("GIVEN" not in cats for cats in kept.phrases.values())
    assert {p: cats - {"GIVEN"} for p, cats in lexicon.phrases.items() if cats - {"GIVEN"}} == kept.phrases
    assert len(kept.phrases) < len(lexicon.phrases)
    assert kept.freq is lexicon.freq
    assert lexicon.without([]) is lexicon
