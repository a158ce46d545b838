"""Benchmark of the embedded CRF: tagging speed on one core and the memory of a loaded process.

    PYTHONPATH=. taskset -c 1 python bench/bench_ner.py [--model PATH ...] [--data FILE] [--repeat N]

Text: the dev block (final 12%) of ``--data``, by default ``../shared/data/ner/anercorp-train.txt``,
when present, else a small fixture repeated.  Each ``--model`` (default: the committed model) is
measured in the same run, side by side, so that their ratio means something on a busy machine:

* ``tag()``: the recogniser alone, all sentences in one call (first pass with an empty word cache,
  then the best of ``--repeat`` warm passes);
* ``khabar tag --conll``: the command's own code (``tag_conll``) on the dev block as CoNLL text;
* stage: ``find_entities`` (what ``khabar tag TEXTFILE`` and the worker run after sectioning) on
  pseudo-articles of 20 sentences;
* RSS of a fresh child process right after loading the model and tagging one word (psutil), as a
  forked worker child holds it.

Times are CPU seconds of this process (``time.process_time``), not wall-clock: on a shared machine
other processes' load would otherwise decide the figure.  Tokens per CPU-second is what one core
tags when it is this process's alone.
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


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>9,.0f} tokens per CPU-second"


def _measure(model: str | None, sentences: list[list[str]], repeat: int) -> list[str]:
    from khabar.tasks.entities import find_entities
    from khabar.tasks.entities.crf import load_crf
    from khabar.tasks.entities.scoring import pseudo_articles, sectioned_of
    from khabar.worker.cli.ner_tag import tag_conll

    start = time.process_time()
    recogniser = load_crf(str(model) if model else None)
    load_s = time.process_time() - start
    n = sum(len(s) for s in sentences)
    t0 = time.process_time()
    recogniser.tag(sentences)
    cold = time.process_time() - t0
    warm = min(_timed(lambda: recogniser.tag(sentences)) for _ in range(repeat))
    conll = "\n".join("\n".join(s) + "\n" for s in sentences)
    conll_s = min(_timed(lambda: tag_conll(recogniser, conll)) for _ in range(repeat))
    articles = [sectioned_of(block) for block in pseudo_articles(sentences, 20)]
    stage_s = min(_timed(lambda: [find_entities(a, recogniser) for a in articles]) for _ in range(repeat))
    child = _RSS_CHILD.format(root=str(ROOT), model=str(model) if model else None)
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True)
    before, after = (int(x) for x in out.stdout.split())
    from khabar.tasks.entities.crf import model_dir

    folder = model_dir(model)
    size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
    return [
        f"model {model or 'committed'}: load {load_s:.2f} CPU s, folder {size / 1e6:.1f} MB",
        f"  tag(), first pass (empty word cache): {_rate(n, cold)}",
        f"  tag(), best of {repeat} warm passes:    {_rate(n, warm)}",
        f"  khabar tag --conll (tag_conll):        {_rate(n, conll_s)}",
        f"  entities stage (find_entities):        {_rate(n, stage_s)}",
        f"  RSS: {before / 1e6:.0f} MB bare interpreter, {after / 1e6:.0f} MB after load and one tag()",
    ]


def _timed(fn: object) -> float:
    t0 = time.process_time()
    fn()  # type: ignore[operator]
    return time.process_time() - t0


def main(
    model: Annotated[list[str] | None, typer.Option(help="model folder or 'fast', repeatable")] = None,
    data: Annotated[Path, typer.Option(help="ANERcorp-layout file whose dev block is tagged")] = SHARED,
    repeat: Annotated[int, typer.Option(help="timed passes over the text")] = 3,
) -> None:
    """Print tokens/s of each model through tag(), ``khabar tag --conll`` and the stage, and its RSS."""
    name, sentences = _sentences(data)
    n = sum(len(s) for s in sentences)
    typer.echo(f"text: {name}, {len(sentences)} sentences, {n} tokens")
    for m in model or [None]:
        for line in _measure(m, sentences, repeat):
            typer.echo(line)


if __name__ == "__main__":
    typer.run(main)
