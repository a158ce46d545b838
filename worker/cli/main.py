"""``khabar``: run the pipeline in-process, run workers, submit and inspect articles.

Commands that need no broker (``process``, ``tag``, ``train-ner``) never import the
Celery app, so they work on a machine with no Redis at all.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from khabar.config.settings import Settings, load_settings
from khabar.worker.batching import submit_payloads

app = typer.Typer(help="khabar: Arabic news articles through normalise, section, entities, summarise.",
                  no_args_is_help=True, add_completion=False)


def _settings(ctx: typer.Context) -> Settings:
    obj = ctx.ensure_object(dict)
    if "settings" not in obj:
        obj["settings"] = load_settings()
    return obj["settings"]  # type: ignore[no-any-return]


def emit(obj: Any) -> None:
    """Print one JSON object on one line, UTF-8, Arabic unescaped."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def read_inputs(files: list[str]) -> list[tuple[str, str, str]]:
    """Return (name, kind, content) for each file; ``-`` is stdin; .html/.htm are HTML."""
    out = []
    for name in files:
        if name == "-":
            content = sys.stdin.read()
            kind = "html" if content.lstrip().lower().startswith(("<!doctype", "<html")) else "text"
        else:
            path = Path(name)
            try:
                content = path.read_text(encoding="utf-8-sig")
            except FileNotFoundError:
                raise typer.BadParameter(f"no such file: {name}") from None
            except UnicodeDecodeError as exc:
                raise typer.BadParameter(f"{name} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
            kind = "html" if path.suffix.lower() in (".html", ".htm") else "text"
        out.append((name, kind, content))
    return out


def file_payloads(
    files: list[str], words: int | None, sentences: int | None, ratio: float | None
) -> list[tuple[str, dict[str, Any]]]:
    """Return (name, task payload) for each input file, with the summary budget the options give."""
    summary = {k: v for k, v in (("words", words), ("sentences", sentences), ("ratio", ratio)) if v is not None}
    out = []
    for name, kind, content in read_inputs(files):
        payload: dict[str, Any] = {kind: content}
        if summary:
            payload["summary"] = dict(summary)
        out.append((name, payload))
    return out


SummaryWords = Annotated[int | None, typer.Option("--summary-words", min=1, help="Summary budget in words.")]
SummarySentences = Annotated[
    int | None, typer.Option("--summary-sentences", min=1, help="Summary budget in sentences.")
]
SummaryRatio = Annotated[
    float | None, typer.Option("--summary-ratio", min=0.01, max=1.0, help="Summary budget as a share of the words.")
]


@app.command()
def process(
    ctx: typer.Context,
    files: Annotated[list[str], typer.Argument(help="Article files (.html/.htm read as HTML); - for stdin.")],
    summary_words: SummaryWords = None,
    summary_sentences: SummarySentences = None,
    summary_ratio: SummaryRatio = None,
) -> None:
    """Run every stage in this process (no broker) and print one document JSON per file."""
    from khabar.tasks.errors import InvalidArticle
    from khabar.tasks.pipeline import process_payload
    from khabar.worker.runtime import budget_from, limits_from, resources_from

    settings = _settings(ctx)
    resources = resources_from(settings)
    failed = 0
    for name, payload in file_payloads(files, summary_words, summary_sentences, summary_ratio):
        try:
            emit(process_payload(payload, limits_from(settings), budget_from(settings), resources))
        except InvalidArticle as exc:
            failed += 1
            typer.echo(f"{name}: rejected: {exc}", err=True)
    raise typer.Exit(1 if failed else 0)


def _celery(ctx: typer.Context) -> Any:
    """Import the Celery app (resolving Redis, starting the embedded one if needed)."""
    from khabar.worker import app as app_module

    return app_module


@app.command()
def worker(
    ctx: typer.Context,
    concurrency: Annotated[int | None, typer.Option("--concurrency", "-c", help="Worker processes.")] = None,
    queues: Annotated[
        str | None, typer.Option("--queues", "-Q", help="Comma-separated queues (default: intake and all stages).")
    ] = None,
    loglevel: Annotated[str | None, typer.Option("--loglevel", "-l")] = None,
    hostname: Annotated[str | None, typer.Option("--hostname", "-n")] = None,
) -> None:
    """Start a Celery worker with khabar's options."""
    from khabar.worker.routing import all_queue_names

    mod = _celery(ctx)
    settings = mod.settings
    qs = queues or ",".join(all_queue_names(settings.queue_prefix))
    # Mingle makes a starting worker wait a second for neighbours' revoked-task lists;
    # khabar revokes nothing, so it only delays the first task.
    argv = ["worker", "--loglevel", loglevel or settings.log_level, "-Q", qs, "-E", "--without-mingle"]
    if concurrency or settings.concurrency:
        argv += ["--concurrency", str(concurrency or settings.concurrency)]
    if hostname:
        argv += ["--hostname", hostname]
    mod.app.worker_main(argv)


@app.command()
def submit(
    ctx: typer.Context,
    files: Annotated[list[str], typer.Argument(help="Article files (.html/.htm read as HTML); - for stdin.")],
    summary_words: SummaryWords = None,
    summary_sentences: SummarySentences = None,
    summary_ratio: SummaryRatio = None,
) -> None:
    """Enqueue articles through khabar.process_article and print their ids."""
    mod = _celery(ctx)
    named = file_payloads(files, summary_words, summary_sentences, summary_ratio)
    names, payloads = [n for n, _ in named], [p for _, p in named]
    from khabar.tasks.errors import InvalidArticle

    try:
        ids = submit_payloads(mod, payloads, names)
    except InvalidArticle as exc:
        typer.echo(f"rejected, nothing sent: {exc}", err=True)
        raise typer.Exit(2) from None
    for article_id in ids:
        typer.echo(article_id)


def _store(ctx: typer.Context) -> Any:
    from khabar.worker.runtime import store_for

    mod = _celery(ctx)
    return store_for(mod.settings, mod.app.conf.broker_url)


@app.command()
def get(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(help="Article id.")],
    wait: Annotated[float, typer.Option(help="Seconds to wait for the article to be done or failed.")] = 0.0,
) -> None:
    """Print an article's document (or its status while it is not done)."""
    store = _store(ctx)
    deadline = time.monotonic() + wait
    while True:
        doc = store.document(article_id)
        if doc is not None and doc["status"] in ("done", "failed") or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    if doc is None:
        typer.echo(f"no article with id {article_id!r}", err=True)
        raise typer.Exit(1)
    emit(doc)
    raise typer.Exit(0 if doc["status"] == "done" else 3 if doc["status"] == "failed" else 0)


@app.command()
def status(ctx: typer.Context) -> None:
    """Queue depths and article counts by status (secrets never printed)."""
    from khabar.worker.embedded_redis import redact
    from khabar.worker.routing import all_queue_names

    mod = _celery(ctx)
    store = _store(ctx)
    settings = mod.settings
    queues = all_queue_names(settings.queue_prefix)
    depth = {q: store.r.llen(q) for q in queues}
    emit({"redis": redact(mod.app.conf.broker_url), "queues": depth, "articles": store.counts(),
          "failed": store.r.zcard(store.failed_key)})


failed_app = typer.Typer(help="Failed articles (dead letters): list, show, retry, purge; stuck ones.",
                         no_args_is_help=True)
app.add_typer(failed_app, name="failed")


@failed_app.command("list")
def failed_list(ctx: typer.Context, limit: int = 100) -> None:
    """List failed articles: id, stage, reason, attempts, time."""
    for f in _store(ctx).failures(limit):
        emit({"id": f.id, "stage": f.stage, "reason": f.reason, "attempts": f.attempts, "at": f.at,
              "message": f.message.splitlines()[0] if f.message else ""})


@failed_app.command("show")
def failed_show(ctx: typer.Context, article_id: str) -> None:
    """Show one failure in full."""
    f = _store(ctx).failure(article_id)
    if f is None:
        typer.echo(f"no failure recorded for {article_id!r}", err=True)
        raise typer.Exit(1)
    emit(f.__dict__)


@failed_app.command("retry")
def failed_retry(
    ctx: typer.Context,
    article_id: Annotated[str | None, typer.Argument()] = None,
    all_: Annotated[bool, typer.Option("--all", help="Retry every failed article.")] = False,
) -> None:
    """Re-run failed articles from the stage that failed."""
    from khabar.worker.retry import retry_failed

    if not article_id and not all_:
        raise typer.BadParameter("give an article id or --all")
    store = _store(ctx)
    ids = [article_id] if article_id else [f.id for f in store.failures(limit=10**9)]
    for line in retry_failed(store, ids, _celery(ctx).app):
        typer.echo(line)


@failed_app.command("stuck")
def failed_stuck(
    ctx: typer.Context,
    older_than: Annotated[float, typer.Option(help="Seconds without change.")] = 3600.0,
    requeue: Annotated[bool, typer.Option(help="Send their stage chains again.")] = False,
) -> None:
    """List articles queued or running with no change for a while; --requeue sends them on again."""
    from khabar.worker.sweeper import sweep

    store = _store(ctx)
    if not requeue:
        for article_id, status, stage, updated in store.stale(older_than):
            emit({"id": article_id, "status": status, "stage": stage or None, "updated_at": updated})
        return
    from khabar.worker.execute import resend

    def send(article_id: str, stage: str) -> None:
        resend(_celery(ctx).app, store, [article_id], stage)

    for line in sweep(store, _celery(ctx).settings, send, older_than=older_than, check_queues=False):
        typer.echo(line)


@failed_app.command("purge")
def failed_purge(ctx: typer.Context) -> None:
    """Forget every failed article."""
    typer.echo(f"purged {_store(ctx).purge_failed()} failed article(s)")


redis_app = typer.Typer(help="The embedded Redis (used when no REDIS_URL is set and none runs locally).",
                        no_args_is_help=True)
app.add_typer(redis_app, name="redis")


@redis_app.command("stop")
def redis_stop(ctx: typer.Context) -> None:
    """Stop the embedded Redis, saving its data."""
    from khabar.worker.embedded_redis import stop_embedded

    stopped = stop_embedded(_settings(ctx).data_dir)
    typer.echo("embedded Redis stopped" if stopped else "no embedded Redis running")


@app.command()
def demo(ctx: typer.Context) -> None:
    """The main job on a fresh machine: start a worker, process the bundled example, print it, stop."""
    from khabar.worker.demo import run_demo

    raise typer.Exit(run_demo(_settings(ctx)))


# Commands that live in their own modules register themselves here when present.
for _module in (
    "khabar.worker.cli.ner_train", "khabar.worker.cli.ner_tag", "khabar.worker.cli.backfill", "khabar.worker.cli.ops"
):
    try:
        _mod = importlib.import_module(_module)
    except ModuleNotFoundError as _exc:
        if _exc.name != _module:
            raise
        continue
    _mod.register(app)


def main() -> None:
    app()
