"""The entities stage: sequences tagged, labels put back on the text, recognisers loaded."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.tasks.entities import BACKENDS, find_entities, load_recogniser
from khabar.tasks.entities.recogniser import GazetteerRecogniser, tag_all
from khabar.tasks.records import ENTITY_TYPES
from tests.stages.entities_support import Scripted, build

ROOT = Path(__file__).resolve().parents[2]


def test_title_headings_and_sentences_are_tagged_and_byline_is_not() -> None:
    sec = build(
        ("title", "ترامب يستقبل بوتين"),
        ("byline", "موسكو - وكالات"),
        ("paragraph", "زار دونالد ترامب موسكو. وقال إن روسيا شريك."),
        ("heading", "ترامب وبوتين"),
        ("paragraph", "التقى فلاديمير بوتين بترامب في الرياض."),
    )
    # I- alone starts a name, as in CoNLL: Trump is I-PERS everywhere.
    rec = Scripted(
        {"ترامب": "I-PERS", "بوتين": "I-PERS", "دونالد": "B-PERS", "فلاديمير": "B-PERS", "وبوتين": "B-PERS",
         "بترامب": "B-PERS", "موسكو": "B-LOC", "روسيا": "B-LOC", "الرياض": "B-LOC"}
    )  # fmt: skip
    ents = find_entities(sec, rec, batch_size=2)
    text = sec.text

    def block_of(start: int) -> int:
        return text[:start].count("\n\n")

    assert [(e.text, e.type, [(m.text, block_of(m.start)) for m in e.mentions]) for e in ents.entities] == [
        ("دونالد ترامب", "PERS", [("ترامب", 0), ("دونالد ترامب", 2), ("ترامب", 3), ("ترامب", 4)]),
        ("فلاديمير بوتين", "PERS", [("بوتين", 0), ("بوتين", 3), ("فلاديمير بوتين", 4)]),
        ("موسكو", "LOC", [("موسكو", 2)]),  # the byline's Moscow is not tagged
        ("روسيا", "LOC", [("روسيا", 2)]),
        ("الرياض", "LOC", [("الرياض", 4)]),
    ]
    assert ents.backend == "scripted"
    for e in ents.entities:
        for m in e.mentions:
            assert m.text == text[m.start : m.end]
    # title, 2 sentences, heading, 1 sentence: in reading order, in batches of two
    assert [len(call) for call in rec.calls] == [2, 2, 1]
    assert rec.calls[0][0] == ["ترامب", "يستقبل", "بوتين"]
    assert rec.calls[1][1] == ["ترامب", "وبوتين"]


def test_an_article_with_nothing_to_tag() -> None:
    assert find_entities(build(("title", "")), Scripted({})).entities == ()


class Miscounting(Scripted):
    def tag(self, sentences: list[list[str]]) -> list[list[str]]:
        return [s[1:] for s in super().tag(sentences)]


def test_a_recogniser_that_loses_labels_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="one label per token"):
        tag_all(Miscounting({}), [["زار", "موسكو"]])


WORDS = "ترامب وترامب بوتين وبوتين واشنطن بواشنطن الرياض بالرياض وللأمم زار « .".split()
LABELS = ["O", *(p + t for p in ("B-", "I-") for t in ENTITY_TYPES)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(LABELS)), max_size=30))
def test_mentions_always_point_at_their_text(tagged: list[tuple[str, str]]) -> None:
    sec = build(("paragraph", " ".join(w for w, _ in tagged)))
    labels = iter(lab for _, lab in tagged)

    class Replay:
        name = "replay"

        def tag(self, sentences: list[list[str]]) -> list[list[str]]:
            return [[next(labels) for _ in s] for s in sentences]

    ents = find_entities(sec, Replay())
    mentions = [m for e in ents.entities for m in e.mentions]
    assert len(mentions) == len({(m.start, m.end) for m in mentions})
    for m in mentions:
        assert m.text == sec.text[m.start : m.end] and m.text.strip() == m.text and m.text
    firsts = [e.mentions[0].start for e in ents.entities]
    assert firsts == sorted(firsts)


def test_unknown_backend_names_the_choices() -> None:
    with pytest.raises(ValueError, match="crf, bert, gazetteer"):
        load_recogniser("spacy", None)
    assert BACKENDS == ("crf", "bert", "gazetteer")


def test_recognisers_are_loaded_once_per_backend_and_path(tmp_path: Path) -> None:
    assert load_recogniser("gazetteer", None) is load_recogniser("gazetteer", None)
    names = tmp_path / "names.tsv"
    names.write_text("القاهرة\tLOC\n", encoding="utf-8")
    own = load_recogniser("gazetteer", str(names))
    assert own is not load_recogniser("gazetteer", None)
    assert own.tag([["زار", "القاهرة", "وبالقاهرة"]]) == [["O", "B-LOC", "O"]]


def test_gazetteer_reads_multiword_names_and_one_clitic_letter() -> None:
    rec = GazetteerRecogniser({"دونالد ترامب": "PERS", "موسكو": "LOC"})
    assert rec.tag([["زار", "ودونالد", "ترامب", "موسكو"]]) == [["O", "B-PERS", "I-PERS", "B-LOC"]]


def test_default_backend_never_imports_torch() -> None:
    script = textwrap.dedent(
        """
        import sys
        from khabar.tasks.entities import find_entities, load_recogniser
        from khabar.tasks.normalise import normalise
        from khabar.tasks.records import Article
        from khabar.tasks.section import section

        rec = load_recogniser("crf", None)
        assert rec.name in ("crf", "gazetteer"), rec.name
        rec.tag([["زار", "ترامب", "موسكو"]])
        sec = section(normalise(Article("a", "عنوان\\n\\nزار ترامب موسكو.", "text")))
        find_entities(sec, rec)
        loaded = sorted(m for m in ("torch", "transformers") if m in sys.modules)
        assert not loaded, loaded
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
