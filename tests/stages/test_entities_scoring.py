"""Scoring the entities stage's output against gold labels (``scripts/eval_ner.py --stage``).

One small gold file, tagged by a two-name gazetteer, where the stage and the raw labels differ in
known ways: the surname Trump is missed by the recogniser and found by propagation, and
wa-Misr ("and Egypt") is one gold token that the stage's mention covers without its waw.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import typer
from typer.testing import CliRunner

from khabar.tasks.entities import find_entities
from khabar.tasks.entities.crf.corpus import read_file
from khabar.tasks.entities.crf.metrics import Scores
from khabar.tasks.entities.recogniser import GazetteerRecogniser
from khabar.tasks.entities.scoring import score_stage, sectioned_of, stage_labels
from khabar.tasks.records import Entities, Entity, Mention

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "eval_ner.py"

NAMES = {"دونالد ترامب": "PERS", "مصر": "LOC"}
# Said Donald Trump that Egypt (is) a partner. / And-added Trump that and-Egypt (is) important.
# / And-visited Trump Cairo. / Opened Bank Misr a branch.
GOLD = """\
قال O
دونالد B-PERS
ترامب I-PERS
إن O
مصر B-LOC
شريك O
. O

وأضاف O
ترامب B-PERS
أن O
ومصر B-LOC
مهمة O
. O

وزار O
ترامب B-PERS
القاهرة B-LOC
. O

افتتح O
بنك B-ORG
مصر I-ORG
فرعا O
. O
"""


@pytest.fixture()
def gold_file(tmp_path: Path) -> Path:
    path = tmp_path / "gold.conll"
    path.write_text(GOLD, encoding="utf-8")
    return path


def counts(scores: Scores) -> dict[str, tuple[int, int, int]]:
    """(true positives, predicted, gold) per type and micro."""
    every = {**scores.per_type, "micro": scores.micro}
    return {k: (p.tp, p.n_pred, p.n_gold) for k, p in every.items()}


def test_the_stage_finds_the_surname_and_keeps_the_clitic_token(gold_file: Path) -> None:
    both = score_stage(read_file(gold_file), GazetteerRecogniser(NAMES))
    assert both.articles == 1
    # Raw: Donald Trump, Misr, wa-Misr; the two bare Trumps and Cairo missed; Misr of Bank Misr is wrong.
    assert counts(both.raw) == {"PERS": (1, 1, 3), "LOC": (2, 3, 3), "ORG": (0, 0, 1), "micro": (3, 4, 7)}
    # Stage: the surname is found in sentences 2 and 3; wa-Misr still counts as its token.
    assert counts(both.stage) == {"PERS": (3, 3, 3), "LOC": (2, 3, 3), "ORG": (0, 0, 1), "micro": (5, 6, 7)}


def test_the_mention_of_wa_misr_leaves_the_waw_out_and_labels_the_token(gold_file: Path) -> None:
    tokens = [[t for t, _ in s] for s in read_file(gold_file)]
    sec = sectioned_of(tokens)
    ents = find_entities(sec, GazetteerRecogniser(NAMES))
    wa_misr = sec.tokens[sum(map(len, tokens[:1])) + 3]
    assert sec.text[wa_misr[0] : wa_misr[1]] == "ومصر"
    # The case the rule is for: the mention starts one letter into the gold token.
    misr = next(m for e in ents.entities for m in e.mentions if m.end == wa_misr[1])
    assert (misr.start, misr.text) == (wa_misr[0] + 1, "مصر")
    labels = stage_labels(sec, ents, [len(s) for s in tokens])
    assert labels[1] == ["O", "B-PERS", "O", "B-LOC", "O", "O"]
    assert labels[2] == ["O", "B-PERS", "O", "O"]


def test_names_are_not_spread_across_articles(gold_file: Path) -> None:
    # One sentence an article: the bare Trumps are in other articles than Donald Trump.
    both = score_stage(read_file(gold_file), GazetteerRecogniser(NAMES), size=1)
    assert both.articles == 4
    assert counts(both.stage)["PERS"] == (1, 1, 3)
    assert counts(both.stage)["micro"] == counts(both.raw)["micro"] == (3, 4, 7)


def test_labels_take_the_entitys_type_and_a_mention_inside_a_token_is_an_error() -> None:
    sec = sectioned_of([["زار", "وواشنطن", "أمس"]])
    washington = Mention("واشنطن", "ORG", 5, 11)  # tagged ORG here, merged into a LOC entity
    assert stage_labels(sec, Entities("x", (Entity("واشنطن", "LOC", (washington,)),)), [3]) == [
        ["O", "B-LOC", "O"]
    ]
    half = Mention("واش", "LOC", 4, 7)
    with pytest.raises(ValueError, match="token's end"):
        stage_labels(sec, Entities("x", (Entity("واش", "LOC", (half,)),)), [3])


@pytest.fixture(scope="module")
def eval_ner() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_ner", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_ner"] = module
    spec.loader.exec_module(module)
    return module


def test_script_prints_raw_and_stage_side_by_side(eval_ner: ModuleType, gold_file: Path, tmp_path: Path) -> None:
    gazetteer = tmp_path / "names.tsv"
    gazetteer.write_text("".join(f"{name}\t{kind}\n" for name, kind in NAMES.items()), encoding="utf-8")
    app = typer.Typer()
    app.command()(eval_ner.main)
    result = CliRunner().invoke(app, [str(gold_file), "--backend", "gazetteer", "--model", str(gazetteer), "--stage"])
    assert result.exit_code == 0, result.output
    assert "1 blocks of 20 consecutive sentences" in result.output
    rows = {line.split()[0]: line.split() for line in result.output.splitlines() if "|" in line}
    # type gold | P R F1 pred | P R F1 pred | dF1 ratio
    assert rows["PERS"] == ["PERS", "3", "|", "1.0000", "0.3333", "0.5000", "1", "|",
                            "1.0000", "1.0000", "1.0000", "3", "|", "+0.5000", "2.000"]  # fmt: skip
    assert rows["micro"][1:12:5] == ["7", "4", "6"]  # gold, raw pred, stage pred
    assert rows["micro"][13] == "+0.2238"
