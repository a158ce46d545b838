"""Benchmark of the embedded CRF: tagging speed on one core and the memory of a loaded process.

    PYTHONPATH=. python bench/bench_ner.py [--model PATH] [--data FILE] [--repeat N]

Text: the dev block (final 12%) of ``--data``, by default ``../shared/data/ner/anercorp-train.txt``,
when present, else a small fixture repeated.  Tagging runs in this one process (one core); RSS is read with
psutil right after loading, in a fresh child process, so the figure is the model's alone.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "data" / "ner" / "anercorp-train.txt"
FIXTURE = ROOT / "tests" / "stages" / "fixtures" / "ner_sentences.txt"

_RSS_CHILD = """
import sys, psutil
sys.path.insert(0, {root!r})
before = psutil.Process().memory_info().rss
from khabar.tasks.entities.crf import load_crf
model = load_crf({model!r})
model.tag([["x"]])
after = psutil.Process().memory_info().rss
print(before, after)
"""


def _sentences(data: Path) -> tuple[str, list[list[str]]]:
    from khabar.tasks.entities.crf.corpus import read_file, split_dev

    if data.exists():
        return f"dev block of {data.name}", [[t for t, _ in s] for s in split_dev(read_file(data), 0.12)[1]]
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    return "fixture x50", [line.split() for line in lines if line.strip()] * 50


def main(
    model: Annotated[Path | None, typer.Option(help="model folder (default: the committed model)")] = None,
    data: Annotated[Path, typer.Option(help="ANERcorp-layout file whose dev block is tagged")] = SHARED,
    repeat: Annotated[int, typer.Option(help="timed passes over the text")] = 3,
) -> None:
    """Print tokens/s of ``tag()`` and the RSS of a process holding the loaded model."""
    from khabar.tasks.entities.crf import load_crf

    start = time.perf_counter()
    recogniser = load_crf(str(model) if model else None)
    load_s = time.perf_counter() - start
    name, sentences = _sentences(data)
    n = sum(len(s) for s in sentences)
    cold_start = time.perf_counter()
    recogniser.tag(sentences)
    cold = n / (time.perf_counter() - cold_start)
    best = 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        recogniser.tag(sentences)
        best = max(best, n / (time.perf_counter() - t0))
    child = _RSS_CHILD.format(root=str(ROOT), model=str(model) if model else None)
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True)
    before, after = (int(x) for x in out.stdout.split())
    folder = Path(model) if model else ROOT / "tasks" / "entities" / "crf" / "model"
    size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
    typer.echo(f"text: {name}, {len(sentences)} sentences, {n} tokens")
    typer.echo(f"load: {load_s:.2f} s; model folder {size / 1e6:.1f} MB")
    typer.echo(f"tag, first pass (empty word cache): {cold:,.0f} tokens/s")
    typer.echo(f"tag, best of {repeat} warm passes: {best:,.0f} tokens/s")
    typer.echo(f"RSS: {before / 1e6:.0f} MB bare interpreter, {after / 1e6:.0f} MB after load and one tag()")


if __name__ == "__main__":
    typer.run(main)
