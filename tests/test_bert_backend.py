"""The BERT backend on a tiny BERT built here: loading offline, batching, word-piece alignment, offsets.

The tiny model is made to answer predictably: its layers add nothing (their output
projections are zero, so each residual passes the embedding through), each word piece's
embedding points at one label, and the classifier reads that label back.  So every
word piece has a known label, and a word split into pieces shows which piece's label
the word gets.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from khabar.tasks.entities import find_entities, load_recogniser
from khabar.tasks.entities.bert import INSTALL_COMMAND, BertRecogniser, ModelNotFound, load_bert
from tests.stages.entities_support import build

LABELS = ["B-LOC", "B-ORG", "B-PERS", "B-MISC", "I-LOC", "I-ORG", "I-PERS", "I-MISC", "O"]
# Word piece -> the label the tiny model gives it.
PIECES = {
    "[PAD]": "O", "[UNK]": "O", "[CLS]": "O", "[SEP]": "O", "[MASK]": "O",
    "زار": "O", "في": "O", ".": "O",
    "دونالد": "B-PERS", "ترامب": "I-PERS", "بوتين": "B-PERS", "موسكو": "B-LOC",
    # Washington is two pieces whose labels differ: only the first piece's may reach the word.
    "واش": "B-LOC", "وواش": "B-LOC", "##نطن": "I-ORG",
}  # fmt: skip


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch = pytest.importorskip("torch", reason="the BERT backend needs torch")
    transformers = pytest.importorskip("transformers", reason="the BERT backend needs transformers")
    path = tmp_path_factory.mktemp("tiny-bert")
    vocab = list(PIECES)
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    config = transformers.BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=512,
        id2label=dict(enumerate(LABELS)), label2id={label: i for i, label in enumerate(LABELS)},
    )  # fmt: skip
    model = transformers.BertForTokenClassification(config)
    with torch.no_grad():
        emb = model.bert.embeddings
        emb.position_embeddings.weight.zero_()
        emb.token_type_embeddings.weight.zero_()
        emb.word_embeddings.weight.zero_()
        for i, piece in enumerate(vocab):
            emb.word_embeddings.weight[i, LABELS.index(PIECES[piece])] = 10.0
        for layer in model.bert.encoder.layer:
            for dense in (layer.attention.output.dense, layer.output.dense):
                dense.weight.zero_()
                dense.bias.zero_()
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
        for i in range(len(LABELS)):
            model.classifier.weight[i, i] = 1.0
    model.save_pretrained(path)
    # CAMeL's model keeps case and marks: lower-casing would strip the hamza from alef.
    transformers.BertTokenizer(str(path / "vocab.txt"), do_lower_case=False).save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def bert(tiny_model: Path) -> BertRecogniser:
    return load_bert(
        str(tiny_model), batch_size=2, use_gpu=False, environ={"CAMELTOOLS_DATA": str(tiny_model)}
    )


def test_loads_offline_without_leaving_a_stand_in_catalogue(bert: BertRecogniser) -> None:
    assert bert.name == "bert"
    data = sys.modules.get("camel_tools.data")
    assert data is None or hasattr(data, "Catalogue")  # the real module or none, never the stand-in


def test_load_recogniser_loads_bert_once(tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMELTOOLS_DATA", str(tiny_model))  # no catalogue there: nothing is fetched
    first = load_recogniser("bert", str(tiny_model))
    assert first is load_recogniser("bert", str(tiny_model))
    assert first.tag([["زار", "بوتين"]]) == [["O", "B-PERS"]]


def test_one_label_per_word_from_its_first_piece(bert: BertRecogniser) -> None:
    tokenizer: Any = bert._recognizer.tokenizer
    assert tokenizer.tokenize("واشنطن") == ["واش", "##نطن"]
    sentences = [
        ["زار", "دونالد", "ترامب", "واشنطن", "."],
        ["وواشنطن", "في", "موسكو"],
        ["\u200c", "بوتين", "xyz"],  # a word with no piece at all, and an unknown word
        [],
        ["بوتين"],
    ]
    assert bert.tag(sentences) == [  # five sentences in batches of two
        ["O", "B-PERS", "I-PERS", "B-LOC", "O"],
        ["B-LOC", "O", "B-LOC"],
        ["O", "B-PERS", "O"],
        [],
        ["B-PERS"],
    ]


def test_sentences_longer_than_one_segment_keep_every_label(bert: BertRecogniser) -> None:
    # 3 words in 4 pieces, 120 times: 480 pieces, where a segment holds 254.
    long = ["بوتين", "زار", "واشنطن"] * 120
    tagged = bert.tag([long, ["موسكو"]])
    assert len(tagged[0]) == len(long)
    assert tagged[0] == ["B-PERS", "O", "B-LOC"] * 120
    assert tagged[1] == ["B-LOC"]


def test_offsets_through_find_entities(bert: BertRecogniser) -> None:
    sec = build(
        ("title", "ترامب في موسكو"),
        ("paragraph", "زار دونالد ترامب وواشنطن. بوتين في موسكو. زار واشنطن."),
    )
    ents = find_entities(sec, bert, batch_size=3)
    got = [(e.text, e.type, [m.text for m in e.mentions]) for e in ents.entities]
    assert got == [
        ("دونالد ترامب", "PERS", ["ترامب", "دونالد ترامب"]),
        ("موسكو", "LOC", ["موسكو", "موسكو"]),
        ("واشنطن", "LOC", ["واشنطن", "واشنطن"]),
        ("بوتين", "PERS", ["بوتين"]),
    ]
    for e in ents.entities:
        for m in e.mentions:
            assert sec.text[m.start : m.end] == m.text
    assert ents.backend == "bert"


def test_missing_model_names_the_path_and_the_install_command(tmp_path: Path) -> None:
    missing = tmp_path / "no-model"
    with pytest.raises(ModelNotFound) as err:
        load_recogniser("bert", str(missing))
    assert str(missing) in str(err.value) and INSTALL_COMMAND in str(err.value)


def test_default_model_is_looked_for_in_camel_data(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound) as err:
        load_bert(None, environ={"CAMELTOOLS_DATA": str(tmp_path)})
    assert str(tmp_path / "data" / "ner" / "arabert") in str(err.value)
    assert INSTALL_COMMAND in str(err.value)
