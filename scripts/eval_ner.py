"""Score an NER backend on a CoNLL file: exact-span micro and per-type precision, recall and F1.

    PYTHONPATH=. python scripts/eval_ner.py FILE [--backend crf] [--model PATH] [--dev-split F]
    PYTHONPATH=. python scripts/eval_ner.py FILE --stage [--article-sentences 20] ...

FILE is CoNLL (one token per line, label in the last column, blank lines between sentences) or
ANERcorp's blank-line-free layout (sentences inferred at ``.``).  ``--dev-split 0.12`` scores only
the final 12% of FILE, the dev block that ``khabar train-ner --dev-split`` held out; score it with
a model trained without that block::

    PYTHONPATH=. python -m khabar.worker.cli.ner_train --train ../shared/data/ner/anercorp-train.txt \\
        --dev-split 0.12 --out /tmp/ner-dev
    PYTHONPATH=. python scripts/eval_ner.py ../shared/data/ner/anercorp-train.txt --dev-split 0.12 \\
        --model /tmp/ner-dev --stage

Without ``--stage`` the recogniser's raw labels are scored, all sentences tagged in one call.
With it, what users get is scored too: the entities stage (``find_entities``: clitic cutting,
the ka- filter, propagation, merging) run on pseudo-articles of ``--article-sentences``
consecutive sentences, its mentions put back on the gold tokens, printed beside the raw labels of
the same articles.  How articles, tokens and mentions are matched: ``khabar.tasks.entities.scoring``.
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

from khabar.tasks.entities.crf.corpus import read_file, split_dev  # noqa: E402
from khabar.tasks.entities.crf.metrics import Prf, Scores, evaluate  # noqa: E402
from khabar.tasks.entities.recogniser import Recogniser  # noqa: E402
from khabar.tasks.entities.scoring import ARTICLE_SENTENCES, score_stage  # noqa: E402


def side_by_side(raw: Scores, stage: Scores) -> str:
    """Return the two scores as one table: per type, then micro; F1 difference and ratio last."""
    rows = [f"{'':<6} {'':>5} | {'raw labels':^27} | {'entities stage':^27} | {'stage - raw':^13}",
            f"{'type':<6} {'gold':>5} | {'P':>6} {'R':>6} {'F1':>6} {'pred':>6} | "
            f"{'P':>6} {'R':>6} {'F1':>6} {'pred':>6} | {'F1':>6} {'ratio':>6}"]
    empty = Prf(0, 0, 0)
    kinds = sorted(set(raw.per_type) | set(stage.per_type))
    for name, r, s in [*((k, raw.per_type.get(k, empty), stage.per_type.get(k, empty)) for k in kinds),
                       ("micro", raw.micro, stage.micro)]:
        ratio = f"{s.f1 / r.f1:6.3f}" if r.f1 else f"{'-':>6}"
        rows.append(f"{name:<6} {r.n_gold:5d} | {r.precision:6.4f} {r.recall:6.4f} {r.f1:6.4f} {r.n_pred:6d} | "
                    f"{s.precision:6.4f} {s.recall:6.4f} {s.f1:6.4f} {s.n_pred:6d} | {s.f1 - r.f1:+6.4f} {ratio}")
    return "\n".join(rows)


def main(
    file: Annotated[Path, typer.Argument(help="CoNLL or ANERcorp-layout file with gold labels")],
    backend: Annotated[str, typer.Option(help="recogniser backend")] = "crf",
    model: Annotated[Path | None, typer.Option(help="model folder (default: the committed model)")] = None,
    dev_split: Annotated[float | None, typer.Option(help="score only this final fraction of FILE")] = None,
    dev_at: Annotated[str, typer.Option(help="with --dev-split: the 'end' (default) or 'start' block")] = "end",
    stage: Annotated[bool, typer.Option(help="also score the entities stage's output, beside the raw labels")] = False,
    repair: Annotated[bool, typer.Option(help="with --stage: mend spans (--no-repair measures what it gives)")] = True,
    article_sentences: Annotated[
        int, typer.Option(min=1, help="with --stage: consecutive sentences taken as one article")
    ] = ARTICLE_SENTENCES,
) -> None:
    """Print the scores table of one backend on one file."""
    if not file.exists():
        typer.echo(f"skipped: {file} not found (evaluation data lives in ../shared)")
        raise typer.Exit(0)
    sentences = read_file(file)
    if dev_split:
        sentences = split_dev(sentences, dev_split, dev_at)[1]
    recogniser: Recogniser
    if backend == "crf":
        from khabar.tasks.entities.crf import load_crf

        recogniser = load_crf(str(model) if model else None)
    else:
        from khabar.tasks.entities import load_recogniser

        recogniser = load_recogniser(backend, str(model) if model else None)
    tokens = [[t for t, _ in s] for s in sentences]
    n = sum(len(s) for s in tokens)
    start = time.perf_counter()
    if stage:
        both = score_stage(sentences, recogniser, article_sentences, repair=repair)
        seconds = time.perf_counter() - start
        typer.echo(f"{file.name}: {len(tokens)} sentences, {n} tokens, backend {recogniser.name}, "
                   f"{seconds:.1f} s for tagging twice and the stage")
        typer.echo(f"articles: {both.articles} blocks of {article_sentences} consecutive sentences "
                   f"(the file marks no article boundaries); raw labels tagged one article a call, as the stage does")
        typer.echo("stage: a mention that covers a token's stem (clitics cut) counts as that token; "
                   "labelled with its entity's (merged) type")
        typer.echo(side_by_side(both.raw, both.stage))
        return
    pred = recogniser.tag(tokens)
    seconds = time.perf_counter() - start
    scores = evaluate([[lab for _, lab in s] for s in sentences], pred)
    typer.echo(f"{file.name}: {len(tokens)} sentences, {n} tokens, backend {recogniser.name}, "
               f"{n / seconds:,.0f} tokens/s")
    typer.echo(scores.table())


if __name__ == "__main__":
    typer.run(main)
