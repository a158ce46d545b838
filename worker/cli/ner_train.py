"""``khabar train-ner``: train the embedded CRF NER model (see ``khabar.tasks.entities.crf.training``).

The lead wires this into the main CLI with ``register(app)``.  Training data lives in
``../shared``, which a fresh clone lacks: the command then says which file is missing and exits 0,
so scripted runs on a user's machine do not fail for want of data they were never given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def train_ner(
    train: Annotated[Path, typer.Option("--train", help="ANERcorp or CoNLL training file")],
    out: Annotated[Path, typer.Option("--out", help="model folder to write")],
    dev: Annotated[Path | None, typer.Option("--dev", help="CoNLL dev file scored after training")] = None,
    dev_split: Annotated[
        float | None, typer.Option("--dev-split", help="hold out this final fraction of --train as dev")
    ] = None,
    dev_at: Annotated[
        str, typer.Option("--dev-at", help="with --dev-split: hold out the 'end' (default) or the 'start' block")
    ] = "end",
    extra: Annotated[list[Path] | None, typer.Option("--extra", help="more training files (AQMAR)")] = None,
    c1: Annotated[float, typer.Option(help="L1 regularisation")] = 0.05,
    c2: Annotated[float, typer.Option(help="L2 regularisation")] = 0.01,
    max_iterations: Annotated[int, typer.Option(help="L-BFGS iterations")] = 200,
    clusters: Annotated[
        bool, typer.Option(help="word-cluster features (needs clusters.bin in the lexicon's folder)")
    ] = True,
    votes: Annotated[
        bool, typer.Option(help="nearest-neighbour type votes (needs the vectors cached by clusters_build)")
    ] = True,
    rebuild_lexicon: Annotated[
        bool, typer.Option(help="rebuild gazetteers and word frequencies from the packages")
    ] = False,
    without_category: Annotated[
        list[str] | None,
        typer.Option("--without-category", help="leave this gazetteer category out, e.g. GIVEN (repeatable)"),
    ] = None,
) -> None:
    """Train a CRF NER model and print its dev scores when there is dev data."""
    extra = extra or []
    for path in (train, dev, *extra):
        if path is not None and not path.exists():
            typer.echo(f"skipped: training data {path} not found (it lives in ../shared)")
            raise typer.Exit(0)
    from khabar.tasks.entities.crf.features import FeatureConfig
    from khabar.tasks.entities.crf.lexicon import Lexicon
    from khabar.tasks.entities.crf.model import DEFAULT_MODEL_DIR
    from khabar.tasks.entities.crf.training import TrainOptions, votes_available
    from khabar.tasks.entities.crf.training import train as run_train

    if votes and clusters:
        why_not = votes_available(Lexicon.load(DEFAULT_MODEL_DIR))
        if why_not:
            typer.echo(f"training without nearest-neighbour votes: {why_not}", err=True)
            votes = False
    features = FeatureConfig(clusters=clusters, votes=votes and clusters)
    options = TrainOptions(c1=c1, c2=c2, max_iterations=max_iterations, features=features)
    result = run_train(train, dev, out, extra_files=extra, dev_fraction=dev_split, dev_at=dev_at, options=options,
                       rebuild_lexicon=rebuild_lexicon, without_categories=without_category or ())
    typer.echo(f"model written to {result.out_path} ({result.n_train_tokens} training tokens, "
               f"{result.seconds:.0f} s)")
    if result.dev_scores is not None:
        typer.echo(result.dev_scores.table())


def register(app: typer.Typer) -> None:
    """Add the ``train-ner`` command to a Typer app."""
    app.command("train-ner")(train_ner)


if __name__ == "__main__":  # python -m khabar.worker.cli.ner_train, until the main CLI has it
    typer.run(train_ner)
