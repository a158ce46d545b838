"""``khabar tag`` on a Typer app built here, through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from khabar.worker.cli.ner_tag import register


def make_app(**defaults: str) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Keeps ``tag`` a subcommand."""

    register(app, **defaults)
    return app


def test_conll_tokens_in_labels_out_with_blank_lines_kept() -> None:
    conll = "زار\tO\nدونالد\tB-PERS\nترامب\tI-PERS\n\n\nوموسكو x y\nجميلة\n\n"
    result = CliRunner().invoke(make_app(), ["tag", "--conll", "-", "--backend", "gazetteer"], input=conll)
    assert result.exit_code == 0, result.output
    assert result.stdout == "زار\tO\nدونالد\tB-PERS\nترامب\tI-PERS\n\n\nوموسكو\tB-LOC\nجميلة\tO\n\n"


def test_conll_from_a_file_with_the_default_backend_given_by_the_caller(tmp_path: Path) -> None:
    path = tmp_path / "tokens.conll"
    path.write_text("بوتين\n.\n", encoding="utf-8")
    result = CliRunner().invoke(make_app(backend="gazetteer"), ["tag", "--conll", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "بوتين\tB-PERS\n.\tO\n"


def test_plain_text_prints_entities_as_json() -> None:
    text = "بوتين يلتقي ترامب\n\nزار دونالد ترامب موسكو. وقال بوتين إن موسكو ترحب."
    result = CliRunner().invoke(make_app(), ["tag", "-", "--backend", "gazetteer"], input=text)
    assert result.exit_code == 0, result.output
    assert "\\u" not in result.stdout  # Arabic as UTF-8, not escaped
    doc = json.loads(result.stdout)
    assert doc["backend"] == "gazetteer"
    got = [(e["text"], e["type"], len(e["mentions"])) for e in doc["entities"]]
    assert got == [("بوتين", "PERS", 2), ("دونالد ترامب", "PERS", 2), ("موسكو", "LOC", 2)]
    for e in doc["entities"]:
        for m in e["mentions"]:
            assert doc["text"][m["start"] : m["end"]] == m["text"]


def test_unknown_backend_is_a_usage_error() -> None:
    result = CliRunner().invoke(make_app(), ["tag", "--conll", "-", "--backend", "spacy"], input="x\n")
    assert result.exit_code == 2
    assert "crf, bert, gazetteer" in result.output


def test_missing_bert_model_says_how_to_install_it(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        make_app(),
        ["tag", "--conll", "-", "--backend", "bert", "--model", str(tmp_path / "none")],
        input="x\n",
    )
    assert result.exit_code == 1
    assert "camel_data -i ner-arabert" in result.output


def test_needs_exactly_one_input() -> None:
    assert CliRunner().invoke(make_app(), ["tag"]).exit_code == 2
    assert CliRunner().invoke(make_app(), ["tag", "a.txt", "--conll", "b.conll"]).exit_code == 2


def test_khabar_has_the_tag_command() -> None:
    from khabar.worker.cli.main import app

    result = CliRunner().invoke(app, ["tag", "--help"])
    assert result.exit_code == 0 and "--conll" in result.output
