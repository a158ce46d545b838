"""``khabar train-ner`` through a Typer app: trains a loadable model, or skips without data."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from khabar.tasks.entities.crf import load_crf
from khabar.worker.cli.ner_train import register

# Synthetic sentences: a title word, then a person; a preposition, then a place.
_SAYS, _PRES, _IN = "\u0642\u0627\u0644", "\u0627\u0644\u0631\u0626\u064a\u0633", "\u0641\u064a"
_PEOPLE = ["\u0632\u064a\u062f", "\u0639\u0645\u0631\u0648", "\u0633\u0627\u0645\u064a"]
_PLACES = ["\u062f\u0645\u0634\u0642", "\u0628\u063a\u062f\u0627\u062f", "\u0639\u0645\u0627\u0646"]


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:  # keeps "train-ner" a named subcommand
        """khabar"""

    return app


def _write_conll(path: Path) -> None:
    lines = []
    for i in range(30):
        person, place = _PEOPLE[i % 3], _PLACES[(i + 1) % 3]
        lines += [f"{_SAYS} O", f"{_PRES} O", f"{person} B-PERS", f"{_IN} O", f"{place} B-LOC", ". O", ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_train_ner_writes_a_loadable_model(tmp_path):
    data = tmp_path / "tiny.conll"
    _write_conll(data)
    out = tmp_path / "model"
    result = CliRunner().invoke(
        _app(), ["train-ner", "--train", str(data), "--dev", str(data), "--out", str(out),
                 "--max-iterations", "30"]
    )
    assert result.exit_code == 0, result.output
    assert "micro" in result.output
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["train_tokens"] == 180 and meta["dev_micro_f1"] > 0.9
    tagger = load_crf(str(out))
    assert tagger.tag([[_SAYS, _PRES, _PEOPLE[0], _IN, _PLACES[0], "."]]) == [
        ["O", "O", "B-PERS", "O", "B-LOC", "O"]
    ]


def test_train_ner_skips_clearly_without_data(tmp_path):
    missing = tmp_path / "absent" / "anercorp-train.txt"
    result = CliRunner().invoke(_app(), ["train-ner", "--train", str(missing), "--out", str(tmp_path / "m")])
    assert result.exit_code == 0
    assert "skipped" in result.output and str(missing) in result.output
    assert not (tmp_path / "m").exists()
