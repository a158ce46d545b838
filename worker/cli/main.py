"""``khabar``: run the pipeline in-process, run workers, submit and inspect articles.

Commands that need no broker (``process``, ``tag``, ``train-ner``) never import the
Celery app, so they work on a machine with no Redis at all.  Read-only commands
(``status``, ``get``, ``failed list|show|stuck``) never start the embedded Redis
either: they talk to the Redis that runs, or say none does.

Exit codes, for every command: 0 success; 1 something failed (an article, a
retry); 2 usage or configuration error (an invalid ``KHABAR_*`` value, a file that
cannot be read); 3 ``get``: the article failed; 69 no Redis to talk to (the
configured one is unreachable, or none runs for a read-only command); 130
interrupted.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError

from khabar.config.settings import Settings, load_settings
from khabar.config.version import package_version
from khabar.worker.batching import submit_payloads

app = typer.Typer(help="khabar: Arabic news articles through normalise, section, entities, summarise.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

EXIT_FAILED, EXIT_USAGE, EXIT_NO_REDIS = 1, 2, 69
ACCEPTED_SUFFIXES = (".txt", ".html", ".htm")
# The Redis URL the running command talks to, for the one-line error if it goes away mid-command.
_current = {"url": ""}


def fail(message: str, code: int) -> NoReturn:
    """Print one line on stderr and exit with ``code``."""
    typer.echo(message, err=True)
    raise typer.Exit(code)


def settings_error(exc: ValidationError) -> str:
    """One line naming each invalid variable and its problem (no pydantic traceback)."""
    aliases = {"redis_url": "REDIS_URL", "sentry_dsn": "SENTRY_DSN"}
    problems = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        name = aliases.get(field, f"KHABAR_{field.upper()}") if field else "settings"
        message = error["msg"].removeprefix("Value error, ")
        given = error.get("input")
        shown = f" (got {given!r})" if field and isinstance(given, str) and len(given) < 60 else ""
        problems.append(f"{name}: {message}{shown}")
    return "khabar: invalid setting: " + "; ".join(problems)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"khabar {package_version()}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="Print the installed khabar's version and exit.")] = False,
) -> None:
    pass


def _settings(ctx: typer.Context) -> Settings:
    obj = ctx.ensure_object(dict)
    if "settings" not in obj:
        try:
            obj["settings"] = load_settings()
        except ValidationError as exc:
            fail(settings_error(exc), EXIT_USAGE)
    return obj["settings"]  # type: ignore[no-any-return]


def redis_url(ctx: typer.Context, start: bool = False, wait: float = 0.0) -> str:
    """The Redis URL this command talks to, checked to answer; exits with one line when there is none.

    ``start``: a command that writes may start the embedded Redis (in the data directory);
    a read-only one may not, and says that nothing runs.  ``wait``: seconds to wait for a
    configured Redis that does not answer (``submit`` rides out a restart).
    """
    from khabar.worker.embedded_redis import find_url, redact, start_embedded, unreachable

    obj = ctx.ensure_object(dict)
    if "redis_url" in obj:
        return obj["redis_url"]  # type: ignore[no-any-return]
    settings = _settings(ctx)
    configured = settings.redis_url.get_secret_value() if settings.redis_url else None
    url = find_url(configured, settings.data_dir, settings.use_local_redis)
    if url is None and not start:
        fail(f"khabar: no Redis running: REDIS_URL is unset, nothing answers on 127.0.0.1:6379 and no embedded "
             f"Redis runs in {settings.data_dir} (`khabar worker` or `khabar submit` starts one)", EXIT_NO_REDIS)
    if url is None:
        try:
            url = start_embedded(settings.data_dir)
        except (OSError, RuntimeError, ImportError) as exc:
            fail(f"khabar: could not start the embedded Redis in {settings.data_dir}: {exc}", EXIT_NO_REDIS)
    deadline = time.monotonic() + wait
    told = False
    while (reason := unreachable(url)) is not None:
        if time.monotonic() >= deadline:
            waited = f" after waiting {wait:g} s" if wait else ""
            fail(f"khabar: Redis at {redact(url)} is unreachable{waited}: {reason}", EXIT_NO_REDIS)
        if not told:
            typer.echo(f"khabar: Redis at {redact(url)} is unreachable ({reason}); waiting up to {wait:g} s",
                       err=True)
            told = True
        time.sleep(1.0)
    obj["redis_url"] = _current["url"] = url
    return url


def emit(obj: Any) -> None:
    """Print one JSON object on one line, UTF-8, Arabic unescaped."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def expand_inputs(files: list[str]) -> list[str]:
    """The files to read: each argument, with a directory replaced by its .txt/.html/.htm files (sorted)."""
    out = []
    for name in files:
        path = Path(name)
        if name != "-" and path.is_dir():
            found = sorted(str(p) for p in path.rglob("*") if p.suffix.lower() in ACCEPTED_SUFFIXES and p.is_file())
            if not found:
                fail(f"khabar: {name} is a directory with no .txt, .html or .htm file in it (those are the "
                     "articles read from a directory)", EXIT_USAGE)
            out.extend(found)
        else:
            out.append(name)
    return out


def read_inputs(files: list[str]) -> list[tuple[str, str, str]]:
    """Return (name, kind, content) for each file; ``-`` is stdin; .html/.htm are HTML; a directory: its files."""
    out = []
    for name in expand_inputs(files):
        if name == "-":
            content = sys.stdin.read()
            kind = "html" if content.lstrip().lower().startswith(("<!doctype", "<html")) else "text"
        else:
            path = Path(name)
            try:
                content = path.read_text(encoding="utf-8-sig")
            except FileNotFoundError:
                fail(f"khabar: no such file: {name}", EXIT_USAGE)
            except UnicodeDecodeError as exc:
                fail(f"khabar: {name} is not UTF-8 text ({exc.reason} at byte {exc.start})", EXIT_USAGE)
            except OSError as exc:
                fail(f"khabar: cannot read {name}: {exc.strerror or exc}", EXIT_USAGE)
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
    files: Annotated[list[str], typer.Argument(
        help="Article files (.html/.htm read as HTML), directories (their .txt/.html/.htm files); - for stdin.")],
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


def _celery(ctx: typer.Context, check: bool = True, wait: float = 0.0) -> Any:
    """Import the Celery app (resolving Redis, starting the embedded one if needed).

    ``check``: first make sure Redis answers (one line and exit 69 if not; ``wait``
    seconds for it).  ``khabar worker`` does not: a worker waits for its broker.
    """
    _settings(ctx)
    if check:
        redis_url(ctx, start=True, wait=wait)
    from khabar.worker import app as app_module

    _current["url"] = app_module.app.conf.broker_url
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
    from khabar.worker.cpus import available_cpus
    from khabar.worker.routing import all_queue_names

    mod = _celery(ctx, check=False)
    settings = mod.settings
    qs = queues or ",".join(all_queue_names(settings.queue_prefix))
    # Mingle makes a starting worker wait a second for neighbours' revoked-task lists;
    # khabar revokes nothing, so it only delays the first task.
    argv = ["worker", "--loglevel", loglevel or settings.log_level, "-Q", qs, "-E", "--without-mingle"]
    if settings.log_json:
        argv.insert(0, "--quiet")  # no banner: every line is JSON (worker/logs.py logs its facts as one)
    # Not Celery's default (the host's CPU count): a container's CPU quota (worker/cpus.py).
    argv += ["--concurrency", str(concurrency or settings.concurrency or available_cpus())]
    if hostname:
        argv += ["--hostname", hostname]
    mod.app.worker_main(argv)


@app.command()
def submit(
    ctx: typer.Context,
    files: Annotated[list[str], typer.Argument(
        help="Article files (.html/.htm read as HTML), directories (their .txt/.html/.htm files); - for stdin.")],
    summary_words: SummaryWords = None,
    summary_sentences: SummarySentences = None,
    summary_ratio: SummaryRatio = None,
    redis_wait: Annotated[float, typer.Option(
        "--redis-wait", min=0, help="Seconds to wait for an unreachable Redis before giving up (exit 69).")] = 60.0,
) -> None:
    """Enqueue articles through khabar.process_article and print their ids."""
    named = file_payloads(files, summary_words, summary_sentences, summary_ratio)
    mod = _celery(ctx, wait=redis_wait)
    names, payloads = [n for n, _ in named], [p for _, p in named]
    from khabar.tasks.errors import InvalidArticle

    try:
        ids = submit_payloads(mod, payloads, names)
    except InvalidArticle as exc:
        typer.echo(f"rejected, nothing sent: {exc}", err=True)
        raise typer.Exit(2) from None
    for article_id in ids:
        typer.echo(article_id)


def _store(ctx: typer.Context, start: bool = False) -> Any:
    """The article store on the Redis that runs (``start``: the embedded one may be started)."""
    from khabar.worker.runtime import store_for

    return store_for(_settings(ctx), redis_url(ctx, start=start))


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
    from khabar.worker.sweeper import queue_depth

    store = _store(ctx)
    settings = _settings(ctx)
    # "celery" is Celery's default queue: where a sender that omits queue= puts its message.
    queues = [*all_queue_names(settings.queue_prefix), DEFAULT_QUEUE]
    depth = {q: queue_depth(store.r, q) for q in queues}
    out: dict[str, Any] = {"redis": redact(redis_url(ctx)), "queues": depth, "articles": store.counts(),
                           "failed": store.r.zcard(store.failed_key)}
    if depth[DEFAULT_QUEUE]:
        out["warning"] = (f"{depth[DEFAULT_QUEUE]} message(s) wait in Celery's default queue {DEFAULT_QUEUE!r}: "
                          f"sent without queue={settings.queue_prefix!r}; khabar workers do not read it "
                          f"(send to {settings.queue_prefix!r}, or run `khabar worker -Q {DEFAULT_QUEUE}`)")
    emit(out)


DEFAULT_QUEUE = "celery"


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
    from khabar.tasks.pipeline import STAGE_NAMES
    from khabar.worker.retry import retry_failed

    if not article_id and not all_:
        raise typer.BadParameter("give an article id or --all")
    _celery(ctx)  # sends tasks: may start the embedded Redis
    store = _store(ctx, start=True)
    ids = [article_id] if article_id else [f.id for f in store.failures(limit=10**9)]
    # Unretryable: nothing recorded, or rejected before the payload was stored (retry_failed says which).
    unretryable = 0
    for i in ids:
        failure = store.failure(i)
        unretryable += failure is None or failure.stage not in STAGE_NAMES
    not_sent = 0
    for line in retry_failed(store, ids, _celery(ctx).app):
        not_sent += ": not requeued" in line
        typer.echo(line)
    raise typer.Exit(EXIT_FAILED if unretryable or not_sent else 0)


@failed_app.command("stuck")
def failed_stuck(
    ctx: typer.Context,
    older_than: Annotated[float, typer.Option(help="Seconds without change.")] = 3600.0,
    requeue: Annotated[bool, typer.Option(help="Send their stage chains again.")] = False,
) -> None:
    """List articles queued or running with no change for a while; --requeue sends them on again."""
    from khabar.worker.sweeper import sweep

    store = _store(ctx, start=requeue)
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
def failed_purge(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Forget every failed article (asks first, unless --yes)."""
    store = _store(ctx)
    count = store.r.zcard(store.failed_key)
    if not count:
        typer.echo("no failed articles")
        return
    if not yes:
        if not sys.stdin.isatty():
            fail(f"khabar: would forget {count} failed article(s); give --yes to purge without a terminal to ask on",
                 EXIT_USAGE)
        if not typer.confirm(f"Forget {count} failed article(s) (documents, errors, attempt counts)?"):
            fail("nothing purged", EXIT_FAILED)
    typer.echo(f"purged {store.purge_failed()} failed article(s)")


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

    if _settings(ctx).redis_url:
        redis_url(ctx)  # a configured Redis must answer (one line and exit 69 if not)
    raise typer.Exit(run_demo(_settings(ctx)))


# Commands that live in their own modules register themselves here when present.
for _module in (
    "khabar.worker.cli.ner_train", "khabar.worker.cli.ner_tag", "khabar.worker.cli.backfill", "khabar.worker.cli.ops",
    "khabar.worker.cli.console",
):
    try:
        _mod = importlib.import_module(_module)
    except ModuleNotFoundError as _exc:
        if _exc.name != _module:
            raise
        continue
    _mod.register(app)


def main() -> None:
    import redis
    from kombu.exceptions import OperationalError

    from khabar.worker.embedded_redis import _reason, redact

    try:
        app()
    except (redis.ConnectionError, redis.TimeoutError, OperationalError) as exc:
        # Redis went away mid-command (it answered when the command began): one line, no traceback.
        where = f" at {redact(_current['url'])}" if _current["url"] else ""
        typer.echo(f"khabar: lost Redis{where}: {_reason(exc)}", err=True)
        sys.exit(EXIT_NO_REDIS)
