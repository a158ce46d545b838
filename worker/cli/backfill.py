"""``khabar backfill SOURCE``: enqueue a JSON Lines file, a CSV file or a directory of articles."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from types import FrameType
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from khabar.worker.backfill import FORMATS, Record, Report, Stats

SourceFormat = Enum("SourceFormat", {f: f for f in FORMATS}, type=str)  # type: ignore[misc]
EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130
SHOW = 50  # bad records listed in the text report
COUNTS = "done {task.fields[done]}  failed {task.fields[failed]}  skipped {task.fields[skipped]}  " \
         "bad {task.fields[bad]}  in flight {task.fields[in_flight]}"


class RateColumn(ProgressColumn):
    """Records finished per second (rich's speed over its recent samples)."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f}/s" if task.speed else "-/s", style="progress.data.speed")


def _fields(stats: Stats) -> dict[str, Any]:
    return {"done": stats.done, "failed": stats.failed, "skipped": stats.skipped + stats.outdated,
            "bad": stats.bad, "in_flight": stats.in_flight}


class PlainProgress:
    """A progress line every few seconds, for logs and pipes (no terminal to draw a bar in)."""

    def __init__(self, console: Console, every: float = 5.0) -> None:
        self.console = console
        self.every = every
        self.last = 0.0
        self.started = time.monotonic()
        self.base: int | None = None  # records finished before this run (a resumed one)
        self.shown = ""

    def update(self, stats: Stats, final: bool = False) -> None:
        if self.base is None:
            self.base = stats.finished
        now = time.monotonic()
        if not final and now - self.last < self.every:
            return
        self.last = now
        rate = (stats.finished - self.base) / max(now - self.started, 1e-9)
        left = stats.total - stats.finished
        eta = f"{left / rate:,.0f} s" if rate and left > 0 else "-"
        counts = "  ".join(f"{k.replace('_', ' ')} {v}" for k, v in _fields(stats).items())
        if final and counts == self.shown:
            return  # the last line said it already
        self.shown = counts
        self.console.print(f"backfill {stats.finished}/{stats.total}  {rate:,.0f}/s  ETA {eta}  {counts}",
                           highlight=False)


class CompactCounts(ProgressColumn):
    """The counts in few columns: done and in flight always, failed, skipped and bad when not zero."""

    def render(self, task: Task) -> Text:
        f = task.fields
        parts = [f"done {f['done']}"]
        parts += [f"{label} {f[key]}" for key, label in (("failed", "fail"), ("skipped", "skip"), ("bad", "bad"))
                  if f[key]]
        parts.append(f"flight {f['in_flight']}")
        return Text(" ".join(parts))


WIDE = 120  # columns the full bar needs; narrower terminals get the compact line


def progress_columns(width: int) -> tuple[ProgressColumn | str, ...]:
    """The bar's columns for a terminal ``width`` wide: counts, rate and ETA always fit in 80 columns."""
    if width >= WIDE:
        return (TextColumn("[bold]backfill"), BarColumn(bar_width=24), MofNCompleteColumn(),
                TaskProgressColumn(), RateColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                TextColumn(COUNTS))
    # No bar, no label, short count names: "50000/100000 1,234/s ETA 0:00:49 done 49000 fail 12 ..." (< 80).
    return (MofNCompleteColumn(), RateColumn(), TextColumn("ETA"), TimeRemainingColumn(), CompactCounts())


@contextmanager
def progress_bar(console: Console) -> Iterator[Callable[[Stats], None]]:
    """A rich progress bar with rate and ETA; yields the function that updates it."""
    with Progress(*progress_columns(console.width), console=console, refresh_per_second=4) as bar:
        task = bar.add_task("backfill", total=None, done=0, failed=0, skipped=0, bad=0, in_flight=0)

        def update(stats: Stats) -> None:
            if bar.tasks[0].total is None:  # the first news: a resumed run starts part-way, at no speed
                bar.reset(task, total=stats.total, completed=stats.finished, **_fields(stats))
            bar.update(task, total=stats.total, completed=stats.finished, **_fields(stats))

        yield update


def print_report(report: Report, out: Console) -> None:
    s = report.stats
    out.print(f"backfill {report.source}: {report.state} in {report.seconds:,.1f} s", highlight=False)
    out.print(f"  records {s.total:,}  sent {s.sent:,}  done {s.done:,}  failed {s.failed:,}  "
              f"skipped {s.skipped:,}  outdated {s.outdated:,}  bad {s.bad:,}  in flight {s.in_flight:,}",
              highlight=False)
    out.print(f"  enqueue rate {report.enqueue_rate:,.0f} articles/s (reading, validating and sending)",
              highlight=False)
    if s.outdated:
        out.print(f"  {s.outdated:,} article(s) done by an older pipeline were not sent: "
                  "use --reprocess-outdated to re-run them", highlight=False)
    if report.bad:
        out.print(f"  bad records ({s.bad:,}):", highlight=False)
        for entry in report.bad[:SHOW]:
            out.print(f"    {entry['where']}: {entry['reason']}", highlight=False, markup=False)
        if s.bad > SHOW:
            out.print(f"    ... {s.bad - SHOW:,} more (printed as they were read; --json lists them)",
                      highlight=False)
    if report.failed:
        out.print(f"  failed articles ({s.failed:,}; `khabar failed list` has them all):", highlight=False)
        for f in report.failed:
            line = f"    {f['id']}: {f['stage']} {f['reason']}: {f['message']}"
            out.print(line, highlight=False, markup=False)
    if report.unfinished:
        out.print(f"  {len(report.unfinished):,} article(s) did not finish; first: {report.unfinished[:5]}",
                  highlight=False)
    if report.state == "interrupted":
        out.print("  interrupted: run again with --resume to go on", highlight=False)


def backfill(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="A .jsonl file, a .csv file, or a directory of .txt/.html.")],
    max_in_flight: Annotated[int, typer.Option(min=1, help="Most articles queued or running.")] = 1000,
    round_size: Annotated[int, typer.Option(
        "--round-size", "--batch-size", min=1,
        help="Articles read and sent per round; each message holds KHABAR_BATCH_SIZE of them "
             "(--batch-size: the old name of this option).")] = 500,
    resume: Annotated[bool, typer.Option("--resume", help="Go on from where the last run stopped.")] = False,
    restart: Annotated[bool, typer.Option("--restart", help="Forget an unfinished run; start over.")] = False,
    reprocess_outdated: Annotated[
        bool, typer.Option("--reprocess-outdated", help="Re-run articles done by an older pipeline version.")
    ] = False,
    source_format: Annotated[
        SourceFormat | None, typer.Option("--format", help="jsonl, csv or dir (default: from the name).")
    ] = None,
    progress: Annotated[
        bool | None, typer.Option("--progress/--no-progress", help="Draw a progress bar (default: on a tty).")
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Wait for the last articles to be done or failed.")
    ] = True,
    json_report: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
    stall_timeout: Annotated[
        float, typer.Option(help="Give up when no article finished for this many seconds.")
    ] = 600.0,
) -> None:
    """Enqueue every article of SOURCE, a bounded number at a time; report, exit 1 if any failed.

    Exit codes: 0 all done; 1 some article failed, was bad or did not finish;
    2 the source cannot be read, or an unfinished run exists (--resume or --restart);
    69 Redis is unreachable; 130 interrupted (Ctrl-C: the batch being sent is finished first; --resume goes on).
    """
    from khabar.tasks.pipeline import PIPELINE_VERSION
    from khabar.worker.backfill import (
        Backfill,
        CheckpointExists,
        SourceBusy,
        SourceError,
        celery_sender,
        open_source,
    )
    from khabar.worker.cli.main import _celery, emit
    from khabar.worker.runtime import budget_from, limits_from, store_for

    if resume and restart:
        raise typer.BadParameter("give --resume or --restart, not both")
    # soft_wrap: a line longer than the terminal (or the 80 columns assumed in a pipe) is not cut.
    err = Console(stderr=True, force_terminal=True if progress else None, highlight=False, soft_wrap=True)
    try:
        src = open_source(source, source_format.value if source_format else None)
    except SourceError as exc:
        err.print(f"backfill: {exc}", markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    mod = _celery(ctx)
    settings = mod.settings
    # A task-sent event per article would double the cost of sending; workers still
    # send received/started/succeeded events, so Flower shows every backfilled task.
    mod.app.conf.task_send_sent_event = False
    store = store_for(settings, mod.app.conf.broker_url)
    draw_bar = progress if progress is not None else err.is_terminal

    def on_bad(record: Record, reason: str) -> None:
        err.print(f"{record.where}: {reason}", markup=False)

    with celery_sender(mod.app, settings.queue_prefix, settings.batch_size, settings.batch_bytes) as send:
        job = Backfill(src, store, send, limits=limits_from(settings), budget=budget_from(settings),
                       pipeline_version=PIPELINE_VERSION, max_in_flight=max_in_flight, round_size=round_size,
                       reprocess_outdated=reprocess_outdated, wait=wait, stall_timeout=stall_timeout)

        def on_signal(signum: int, frame: FrameType | None) -> None:
            err.print("backfill: stopping after the batch being sent (Ctrl-C again to quit at once)")
            signal.signal(signal.SIGINT, signal.default_int_handler)
            job.stop()

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        try:
            if draw_bar:
                with progress_bar(err) as on_progress:
                    report = job.run(resume=resume, restart=restart, on_progress=on_progress, on_bad=on_bad)
            else:
                plain = PlainProgress(err)
                report = job.run(resume=resume, restart=restart, on_progress=plain.update, on_bad=on_bad)
                plain.update(report.stats, final=True)
        except (CheckpointExists, SourceBusy) as exc:
            err.print(f"backfill: {exc}", markup=False)
            if isinstance(exc, CheckpointExists):
                err.print("  --resume to go on from there, --restart to start over")
            raise typer.Exit(EXIT_USAGE) from None
        finally:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if json_report:
        emit(report.to_json())
    else:
        print_report(report, Console(file=sys.stdout, highlight=False, soft_wrap=True))
    raise typer.Exit(0 if report.ok else EXIT_INTERRUPTED if report.state == "interrupted" else EXIT_FAILED)


def register(app: typer.Typer) -> None:
    app.command("backfill")(backfill)


