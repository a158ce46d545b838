"""``khabar tag``: label tokens in CoNLL form, or list the entities of a plain-text article.

``khabar tag --conll FILE|-`` reads one token per line (the first column; other
columns are ignored) with a blank line between sentences, and writes
``token<TAB>label`` lines in IOB2 with the same blank lines.  ``khabar tag FILE|-``
runs normalise, section and entities on an article and prints one JSON object: the
recogniser, the article's display text, and its entities with their mentions (offsets
into that text).  Neither needs a broker.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import Annotated, Any

import typer

from khabar.tasks.entities import BACKENDS, Recogniser, load_recogniser


def conll_tokens(content: str) -> list[str | None]:
    """Return each line's token (its first column), None for a blank line."""
    return [line.split()[0] if line.strip() else None for line in content.splitlines()]


def tag_conll(recogniser: Recogniser, content: str) -> str:
    """Return ``token<TAB>label`` lines (IOB2) for CoNLL-style ``content``, blank lines kept."""
    from khabar.tasks.entities.mentions import to_iob2
    from khabar.tasks.entities.recogniser import tag_all

    rows = conll_tokens(content)
    sentences: list[list[str]] = []
    for i, token in enumerate(rows):
        if token is not None:
            if i == 0 or rows[i - 1] is None:
                sentences.append([])
            sentences[-1].append(token)
    labels = iter(label for tagged in tag_all(recogniser, sentences) for label in to_iob2(tagged))
    return "".join("\n" if token is None else f"{token}\t{next(labels)}\n" for token in rows)


def _recogniser(backend: str, model: str | None) -> Recogniser:
    try:
        return load_recogniser(backend, model)
    except ValueError as exc:  # an unknown backend, or a model with labels we cannot read
        raise typer.BadParameter(str(exc), param_hint="--backend/--model") from None
    except (FileNotFoundError, ImportError) as exc:
        typer.echo(f"tag: {exc}", err=True)
        raise typer.Exit(1) from None


def register(app: typer.Typer, *, backend: str | None = None, model_path: str | None = None) -> None:
    """Add ``tag`` to ``app``; ``backend`` and ``model_path`` are its options' defaults."""

    @app.command("tag")
    def tag(
        source: Annotated[
            str | None, typer.Argument(metavar="[TEXTFILE|-]", help="Plain Arabic text to find entities in.")
        ] = None,
        conll: Annotated[
            str | None,
            typer.Option(
                "--conll", metavar="FILE|-", help="Tag tokens: one per line, blank line between sentences."
            ),
        ] = None,
        backend_name: Annotated[
            str | None,
            typer.Option("--backend", help=f"Entity recogniser: {', '.join(BACKENDS)} (default: KHABAR_NER_BACKEND)."),
        ] = backend,
        model: Annotated[
            str | None, typer.Option("--model", help="Model path (default: KHABAR_NER_MODEL_PATH, else the backend's).")
        ] = model_path,
    ) -> None:
        """Label tokens (--conll) or print an article's entities as JSON."""
        from khabar.worker.cli.main import emit, read_inputs

        if backend_name is None:  # the deployment's configured backend, as the worker uses
            from khabar.config.settings import load_settings

            configured = load_settings()
            backend_name, model = configured.ner_backend, model or configured.ner_model_path

        if (source is None) == (conll is None):
            raise typer.BadParameter("give either a text file or --conll FILE (- for stdin)")
        recogniser = _recogniser(backend_name, model)
        if conll is not None:
            sys.stdout.write(tag_conll(recogniser, read_inputs([conll])[0][2]))
            return
        from khabar.tasks.pipeline import STAGES_BY_NAME, Resources, run_stage
        from khabar.tasks.records import Article, Entities, Sectioned

        _name, kind, content = read_inputs([source or "-"])[0]
        records: dict[str, Any] = {"article": Article(id="tag", content=content, kind=kind)}
        resources = Resources(recogniser=recogniser)
        for stage in ("normalise", "section", "entities"):
            records[stage], _run = run_stage(STAGES_BY_NAME[stage], resources, records)
        sectioned: Sectioned = records["section"]
        entities: Entities = records["entities"]
        emit({"backend": entities.backend, "text": sectioned.text, "entities": asdict(entities)["entities"]})
