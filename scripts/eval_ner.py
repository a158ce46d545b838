"""Score an NER backend on a CoNLL file: exact-span micro and per-type precision, recall and F1.

    PYTHONPATH=. python scripts/eval_ner.py FILE [--backend crf] [--model PATH] [--dev-split F]

FILE is CoNLL (one token per line, label in the last column, blank lines between sentences) or
ANERcorp's blank-line-free layout (sentences inferred at ``.``).  ``--dev-split 0.12`` scores only
the final 12% of FILE, the dev block that ``khabar train-ner --dev-split`` held out.
Exits 0 with a message when FILE is absent (a clone without ``../shared``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tasks.entities.crf.corpus import read_file, split_dev  # noqa: E402
from tasks.entities.crf.metrics import evaluate  # noqa: E402


def main(
    file: Annotated[Path, typer.Argument(help="CoNLL or ANERcorp-layout file with gold labels")],
    backend: Annotated[str, typer.Option(help="recogniser backend")] = "crf",
    model: Annotated[Path | None, typer.Option(help="model folder (default: the committed model)")] = None,
    dev_split: Annotated[float | None, typer.Option(help="score only this final fraction of FILE")] = None,
) -> None:
    """Print the scores table of one backend on one file."""
    if not file.exists():
        typer.echo(f"skipped: {file} not found (evaluation data lives in ../shared)")
        raise typer.Exit(0)
    sentences = read_file(file)
    if dev_split:
        sentences = split_dev(sentences, dev_split)[1]
    if backend == "crf":
        from tasks.entities.crf import load_crf

        recogniser = load_crf(str(model) if model else None)
    else:
        from tasks.entities import load_recogniser

        recogniser = load_recogniser(backend, str(model) if model else None)
    tokens = [[t for t, _ in s] for s in sentences]
    start = time.perf_counter()
    pred = recogniser.tag(tokens)
    seconds = time.perf_counter() - start
    scores = evaluate([[lab for _, lab in s] for s in sentences], pred)
    n = sum(len(s) for s in tokens)
    typer.echo(f"{file.name}: {len(tokens)} sentences, {n} tokens, backend {recogniser.name}, "
               f"{n / seconds:,.0f} tokens/s")
    typer.echo(scores.table())


if __name__ == "__main__":
    typer.run(main)
