"""`khabar process` runs the stages in-process with no broker and prints schema-valid documents."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema

from tests.support import ROOT

SCHEMA = json.loads((ROOT / "schemas" / "document.schema.json").read_text())


def run_process(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "REDIS_URL": "redis://127.0.0.1:1/0"}
    return subprocess.run([sys.executable, "-m", "khabar.worker", "process", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, input=stdin, timeout=120)


def test_process_example_page_prints_a_valid_document(example_page: str, tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(example_page, encoding="utf-8")
    out = run_process(str(page))
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    jsonschema.validate(doc, SCHEMA)
    for field in ("id", "status", "text", "title", "sections", "boilerplate", "sentences", "entities", "summary",
                  "stages"):
        assert field in doc
    assert doc["status"] == "done"
    for s in doc["sentences"]:
        assert doc["text"][s["start"] : s["end"]] == s["text"]
    for e in doc["entities"]:
        for m in e["mentions"]:
            assert doc["text"][m["start"] : m["end"]] == m["text"]


def test_process_several_files_one_json_per_line_and_stdin() -> None:
    example = ROOT / "examples" / "article-001.txt"
    out = run_process(str(example), "-", stdin=example.read_text(encoding="utf-8"))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 2
    a, b = (json.loads(x) for x in lines)
    assert a["text"] == b["text"] and a["id"] == b["id"]


def test_process_rejects_bad_input_with_the_reason(tmp_path: Path) -> None:
    latin = tmp_path / "en.txt"
    latin.write_text("This page is written in English only, with no Arabic at all.", encoding="utf-8")
    out = run_process(str(latin))
    assert out.returncode == 1
    assert "not_arabic" in out.stderr


def test_process_budget_in_words(tmp_path: Path) -> None:
    out = run_process(str(ROOT / "examples" / "article-001.txt"), "--summary-words", "20")
    doc = json.loads(out.stdout)
    assert 0 < len(doc["summary"]["text"].split()) <= 20
