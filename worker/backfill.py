"""Bulk backfills: enqueue a file or a directory of articles, a bounded number at a time.

A source is read record by record (``open_source``): a JSON Lines file (one
payload per line), a CSV file with a ``text`` or ``html`` column, or a directory
of ``.txt``/``.html`` files.  Each record is validated here, before anything is
sent (``khabar.tasks.validate.parse_payload``), and skipped when Redis already holds a
``done`` document of the same content made by the current pipeline.  The rest is
sent in batches through one producer, with never more than ``max_in_flight``
articles of the backfill queued or running: the run watches the articles'
``status`` fields in Redis and sends more as they finish.

The checkpoint is one Redis hash per source, ``<prefix>:backfill:<hash of the
absolute path>``: the position after the last record handled, the counters and,
when a run stops, the ids still in flight.  A resumed run starts from it and
sends no record twice (see ``Backfill.run``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from itertools import islice
from pathlib import Path
from typing import Any

from khabar.tasks.errors import InvalidArticle
from khabar.tasks.records import Budget
from khabar.tasks.validate import Limits, content_hash, parse_payload
from khabar.worker.store import ArticleStore

FILE_KINDS = {".txt": "text", ".html": "html", ".htm": "html"}
CSV_FIELDS = ("id", "url", "source", "published_at")
KEEP_BAD = 10_000  # bad records and failed ids remembered per source, for the report

Send = Callable[[Sequence[dict[str, Any]]], None]


class SourceError(Exception):
    """The source cannot be read at all (missing, unknown format, no text column)."""


class CheckpointExists(Exception):
    """An unfinished backfill of this source exists: resume it or restart it."""


class SourceBusy(Exception):
    """Another backfill of this source is running."""


# --- sources ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """One record of a source: a payload, a reason it is unreadable, or nothing (a blank line)."""

    ordinal: int  # position in the source; the checkpoint counts these
    where: str  # how a person finds it: "line 12", "2024/05/a.txt"
    payload: dict[str, Any] | None = None
    error: str | None = None


class Source:
    """A JSON Lines file, a CSV file or a directory of text and HTML files."""

    def __init__(self, path: Path, kind: str) -> None:
        self.path = path
        self.kind = kind
        self._files: list[Path] | None = None

    @property
    def key(self) -> str:
        """What identifies the source across runs: a hash of its absolute path."""
        return hashlib.sha256(str(self.path).encode()).hexdigest()[:24]

    def count(self) -> int:
        """The number of records (lines, rows or files), for the progress bar."""
        if self.kind == "dir":
            return len(self.files())
        if self.kind == "csv":
            with self._open_csv() as f:
                return max(0, sum(1 for _ in csv.reader(f)) - 1)  # less the header
        lines, last = 0, b"\n"
        with self.path.open("rb") as f:
            while chunk := f.read(1 << 20):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
        return lines + (last != b"\n")

    def records(self, start: int = 0) -> Iterator[Record]:
        """The records from ordinal ``start`` on."""
        if self.kind == "dir":
            return self._dir_records(start)
        if self.kind == "csv":
            return self._csv_records(start)
        return self._jsonl_records(start)

    def files(self) -> list[Path]:
        if self._files is None:
            found = (p for p in self.path.rglob("*") if p.suffix.lower() in FILE_KINDS and p.is_file())
            self._files = sorted(found, key=lambda p: p.relative_to(self.path).as_posix())
        return self._files

    def _jsonl_records(self, start: int) -> Iterator[Record]:
        with self.path.open("rb") as f:
            for ordinal, raw in enumerate(f):
                if ordinal < start:
                    continue
                where = f"line {ordinal + 1}"
                try:
                    line = raw.decode("utf-8-sig" if ordinal == 0 else "utf-8").strip()
                except UnicodeDecodeError as exc:
                    yield Record(ordinal, where, error=f"not UTF-8 ({exc.reason} at byte {exc.start})")
                    continue
                if not line:
                    yield Record(ordinal, where)
                    continue
                try:
                    payload = json.loads(line)
                except ValueError as exc:
                    yield Record(ordinal, where, error=f"malformed JSON: {exc}")
                    continue
                yield Record(ordinal, where, payload=payload)

    def _open_csv(self) -> Any:
        return self.path.open(encoding="utf-8-sig", newline="")

    def _csv_records(self, start: int) -> Iterator[Record]:
        with self._open_csv() as f:
            reader = csv.reader(f)
            header = [h.strip().lower() for h in next(reader, [])]
            content = [k for k in ("text", "html") if k in header]
            if not content:
                raise SourceError(f"{self.path}: the CSV header has no 'text' or 'html' column: {header}")
            first_line = reader.line_num + 1
            for ordinal, row in enumerate(reader):
                where, first_line = f"line {first_line}", reader.line_num + 1
                if ordinal < start:
                    continue
                if len(row) != len(header):
                    error = f"row has {len(row)} fields; the header has {len(header)}"
                    yield Record(ordinal, where, error=error)
                    continue
                values = {k: v for k, v in zip(header, row, strict=True) if v != ""}
                payload: dict[str, Any] = {k: values[k] for k in CSV_FIELDS if k in values}
                kinds = [k for k in content if k in values] or content[:1]
                for kind in kinds:
                    payload[kind] = values.get(kind, "")
                extra = {k: v for k, v in values.items() if k not in (*CSV_FIELDS, "text", "html")}
                if extra:
                    payload["metadata"] = extra
                yield Record(ordinal, where, payload=payload)

    def _dir_records(self, start: int) -> Iterator[Record]:
        for ordinal, path in enumerate(self.files()):
            if ordinal < start:
                continue
            name = path.relative_to(self.path).as_posix()
            try:
                text = path.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError as exc:
                yield Record(ordinal, name, error=f"not UTF-8 ({exc.reason} at byte {exc.start})")
                continue
            except OSError as exc:
                yield Record(ordinal, name, error=f"unreadable: {exc.strerror}")
                continue
            yield Record(ordinal, name, payload={"id": file_id(name), FILE_KINDS[path.suffix.lower()]: text})


def file_id(relative: str) -> str:
    """The article id of a file in a directory source: its relative path (a valid id)."""
    cleaned = re.sub(r"[\s\x00-\x1f\x7f]", "_", relative)
    return cleaned if len(cleaned) <= 200 else hashlib.sha256(relative.encode()).hexdigest()[:32]


FORMATS = ("jsonl", "csv", "dir")


def open_source(path: str | Path, kind: str | None = None) -> Source:
    """The source at ``path``; its kind from the suffix (.jsonl/.ndjson/.json, .csv) unless given."""
    p = Path(path).expanduser().resolve()
    if not p.exists():
        raise SourceError(f"no such file or directory: {path}")
    if kind is None:
        suffix = p.suffix.lower()
        kind = "dir" if p.is_dir() else "csv" if suffix == ".csv" else "jsonl" if suffix in (
            ".jsonl", ".ndjson", ".json") else None
        if kind is None:
            raise SourceError(f"{path}: unknown format; name it .jsonl or .csv, or give --format")
    if kind not in FORMATS:
        raise SourceError(f"unknown format {kind!r}; give one of {', '.join(FORMATS)}")
    if (kind == "dir") != p.is_dir():
        raise SourceError(f"{path}: format {kind} needs {'a directory' if kind == 'dir' else 'a file'}")
    source = Source(p, kind)
    if kind == "csv":
        # Articles are longer than the csv module's default field limit (128 KiB).
        csv.field_size_limit(2**31 - 1)
        next(source.records(), None)  # a header with no text column is an error now, not mid-run
    return source


# --- sending ---------------------------------------------------------------------------


@contextmanager
def celery_sender(app: Any, queue: str, batch_size: int = 64, batch_bytes: int = 1_000_000) -> Iterator[Send]:
    """A ``send(payloads)`` that publishes through one producer, a Redis pipeline per call.

    Payloads go in ``khabar.process_batch`` messages of ``batch_size`` articles
    (``khabar.worker.batching``; 1: a ``khabar.process_article`` each).  Results are not
    kept (the article hash says how it went) and the messages' ``argsrepr``, which
    Flower and the worker's events show, names articles instead of quoting text.
    """
    from khabar.worker.batching import send_payloads

    with app.producer_or_acquire() as producer:
        # Declared once here rather than checked before each message (a quarter of the cost).
        producer.maybe_declare(app.amqp.queues[queue])

        def send(payloads: Sequence[dict[str, Any]]) -> None:
            with producer.batch():
                send_payloads(app, queue, payloads, batch_size=batch_size, batch_bytes=batch_bytes,
                              producer=producer)

        yield send


# --- the run ---------------------------------------------------------------------------


@dataclass
class Stats:
    """Counters of one backfill of one source (kept in the checkpoint across resumed runs)."""

    total: int = 0  # records in the source
    position: int = 0  # records read
    sent: int = 0
    skipped: int = 0  # done before, same content and pipeline version (or a duplicate id)
    outdated: int = 0  # done before by an older pipeline version, not sent
    bad: int = 0  # unreadable or invalid records
    blank: int = 0
    done: int = 0
    failed: int = 0
    in_flight: int = 0
    send_seconds: float = 0.0  # time spent reading, validating and sending

    @property
    def finished(self) -> int:
        """Records that need nothing more: the progress bar's count."""
        return self.skipped + self.outdated + self.bad + self.blank + self.done + self.failed

    def to_redis(self) -> dict[str, str]:
        skip = ("total", "in_flight")
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if f.name not in skip}

    @classmethod
    def from_redis(cls, raw: dict[str, str]) -> Stats:
        out = cls()
        for f in fields(cls):
            if f.name in raw:
                setattr(out, f.name, float(raw[f.name]) if f.name == "send_seconds" else int(raw[f.name]))
        return out


@dataclass
class Report:
    source: str
    state: str  # finished | interrupted | stalled
    stats: Stats
    seconds: float
    bad: list[dict[str, str]] = field(default_factory=list)  # {"where", "reason"}, at most KEEP_BAD
    failed: list[dict[str, Any]] = field(default_factory=list)  # {"id", "stage", "reason", "message"}
    unfinished: list[str] = field(default_factory=list)

    @property
    def enqueue_rate(self) -> float:
        return self.stats.sent / self.stats.send_seconds if self.stats.send_seconds else 0.0

    @property
    def ok(self) -> bool:
        return self.state == "finished" and not (self.stats.failed or self.stats.bad or self.unfinished)

    def to_json(self) -> dict[str, Any]:
        s = self.stats
        return {
            "source": self.source, "state": self.state, "ok": self.ok, "seconds": round(self.seconds, 3),
            "enqueue_rate": round(self.enqueue_rate, 1),
            "counts": {"total": s.total, "sent": s.sent, "done": s.done, "failed": s.failed,
                       "skipped": s.skipped, "outdated": s.outdated, "bad": s.bad, "in_flight": s.in_flight},
            "bad": self.bad, "failed": self.failed, "unfinished": self.unfinished,
        }


class Backfill:
    """Reads a source and enqueues its articles with at most ``max_in_flight`` unfinished.

    ``store`` is the article store (its client also holds the checkpoint) and
    ``send`` publishes a batch of payloads (``celery_sender``).  With ``wait=False``
    the run ends once the last record is sent, without waiting for the articles.
    """

    def __init__(self, source: Source, store: ArticleStore, send: Send, *, limits: Limits, budget: Budget,
                 pipeline_version: str, max_in_flight: int = 1000, round_size: int = 500,
                 reprocess_outdated: bool = False, wait: bool = True, poll_interval: float = 0.2,
                 stall_timeout: float = 600.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if max_in_flight < 1 or round_size < 1:
            raise ValueError("max_in_flight and round_size must be at least 1")
        self.source = source
        self.store = store
        self.r: Any = store.r  # redis-py types replies as bytes | str (see ArticleStore.r)
        self.send = send
        self.limits = limits
        self.budget = budget
        self.pipeline_version = pipeline_version
        self.max_in_flight = max_in_flight
        self.round_size = round_size  # articles read and sent per round (not the articles per message)
        self.reprocess_outdated = reprocess_outdated
        self.wait = wait
        self.poll_interval = poll_interval
        self.stall_timeout = stall_timeout
        self.clock = clock
        self.sleep = sleep
        self.key = f"{store.prefix}:backfill:{source.key}"
        # The ids sent and not yet done or failed: a set kept with the checkpoint, so a
        # resumed run knows them even when the stopped one was killed.
        self.in_flight_key = f"{self.key}:in_flight"
        self._stopping = False

    def stop(self) -> None:
        """Ask ``run`` to stop after the batch it is sending (safe from a signal handler)."""
        self._stopping = True

    def checkpoint(self) -> dict[str, str]:
        return {k.decode(): v.decode() for k, v in self.r.hgetall(self.key).items()}

    def forget(self) -> None:
        """Delete the checkpoint, so the next run starts from the first record."""
        self.r.delete(self.key, self.in_flight_key, f"{self.key}:bad", f"{self.key}:failed")

    def run(self, resume: bool = False, restart: bool = False,
            on_progress: Callable[[Stats], None] | None = None,
            on_bad: Callable[[Record, str], None] | None = None) -> Report:
        """Backfill the source; return the report.

        Without ``resume`` or ``restart`` an unfinished checkpoint is an error
        (``CheckpointExists``).  A resumed run starts after the last record the
        stopped run handled and waits for the articles it left in flight.  Records
        whose batch was being sent when the process was killed (not stopped) are
        sent again unless a worker has started them: the only case where an
        article can be sent twice.
        """
        lock, token = f"{self.key}:lock", uuid.uuid4().hex
        # Two runs on one source would both send its records; the lock expires
        # 30 s after a killed run's last refresh.
        if not self.r.set(lock, token, nx=True, ex=30):
            raise SourceBusy(f"another backfill of {self.source.path} is running (or was killed < 30 s ago)")
        try:
            return self._run(resume, restart, lock, token, on_progress or (lambda s: None), on_bad)
        finally:
            if self.r.get(lock) == token.encode():
                self.r.delete(lock)

    def _run(self, resume: bool, restart: bool, lock: str, token: str, on_progress: Callable[[Stats], None],
             on_bad: Callable[[Record, str], None] | None) -> Report:
        started = self.clock()
        previous = self.checkpoint()
        unfinished_before = previous.get("state") in ("running", "interrupted", "stalled")
        if unfinished_before and not (resume or restart):
            at = previous.get("position", 0)
            raise CheckpointExists(f"an unfinished backfill of {self.source.path} stopped at record {at}")
        outstanding: set[str] = set()
        uncertain_end = 0
        if resume and unfinished_before:
            stats = Stats.from_redis(previous)
            outstanding = {m.decode() for m in self.r.smembers(self.in_flight_key)}
            uncertain_end = int(previous.get("sending", 0))
        else:
            self.forget()
            stats = Stats()
        stats.total = self.source.count()
        self.r.hset(self.key, mapping={"source": str(self.source.path), "kind": self.source.kind,
                                       "state": "running", "started_at": time.time(),
                                       "pipeline_version": self.pipeline_version})
        records = self.source.records(stats.position)
        on_progress(stats)  # where this run starts: 0, or where a stopped one left off
        exhausted = False
        state = "finished"
        last_change = last_poll = last_lock = self.clock()
        poll_cost = 0.0
        while True:
            now = self.clock()
            if now - last_lock > 5:
                self.r.set(lock, token, ex=30)
                last_lock = now
            # A poll reads the status of every article in flight: while there are records
            # to send and room for them, poll about once a second (for the progress bar);
            # while waiting for room or for the last articles, every poll interval.
            waiting = exhausted or len(outstanding) >= self.max_in_flight
            gap = max(self.poll_interval, 2 * poll_cost) if waiting else max(1.0, 10 * poll_cost)
            if outstanding and now - last_poll >= gap:
                if self._poll(outstanding, stats):
                    last_change = now
                last_poll, poll_cost = now, self.clock() - now
            stats.in_flight = len(outstanding)
            if self._stopping:
                state = "interrupted"
                break
            room = self.max_in_flight - len(outstanding)
            if not exhausted and room > 0:
                batch = list(islice(records, min(room, self.round_size)))
                if not batch:
                    exhausted = True
                    continue
                t0 = self.clock()
                self._handle(batch, outstanding, stats, uncertain_end, on_bad)
                stats.send_seconds += self.clock() - t0
                stats.in_flight = len(outstanding)
                on_progress(stats)
                continue
            if exhausted and (not outstanding or not self.wait):
                break
            if now - last_change > self.stall_timeout:
                state = "stalled"
                break
            on_progress(stats)
            self.sleep(self.poll_interval)
        stats.in_flight = len(outstanding)
        self.r.hset(self.key, mapping={**stats.to_redis(), "state": state, "updated_at": time.time()})
        on_progress(stats)
        return Report(str(self.source.path), state, stats, self.clock() - started, self._bad_list(),
                      self._failed_list(), sorted(outstanding) if state == "stalled" else [])

    def _handle(self, batch: list[Record], outstanding: set[str], stats: Stats, uncertain_end: int,
                on_bad: Callable[[Record, str], None] | None) -> None:
        """Validate a batch of records, skip what needs no work, send the rest, move the checkpoint."""
        candidates: list[tuple[Record, dict[str, Any], str]] = []
        bad: list[tuple[Record, str]] = []
        for rec in batch:
            if rec.error is not None:
                bad.append((rec, rec.error))
                continue
            if rec.payload is None:
                stats.blank += 1
                continue
            try:
                article = parse_payload(rec.payload, self.limits, self.budget)
            except InvalidArticle as exc:
                bad.append((rec, str(exc)))
                continue
            payload = dict(rec.payload, id=article.id)
            candidates.append((rec, payload, content_hash(article.kind, article.content)))
        pipe = self.r.pipeline(transaction=False)
        for _, payload, _ in candidates:
            pipe.hmget(self.store.key(payload["id"]), ["status", "content_hash", "pipeline_version"])
        known = pipe.execute()
        to_send: list[tuple[dict[str, Any], str]] = []
        joined: list[str] = []
        for (rec, payload, digest), (status, stored_hash, version) in zip(candidates, known, strict=True):
            article_id = payload["id"]
            same = stored_hash is not None and stored_hash.decode() == digest
            if rec.ordinal < uncertain_end and article_id in outstanding:
                # Its batch was being sent when a run was killed: the message may not exist.
                # Send it again unless a worker has had it (one message at most is lost or doubled).
                if status == b"queued":
                    to_send.append((payload, digest))
            elif article_id in outstanding:
                stats.skipped += 1  # the same id twice in one source: the first is on its way
            elif status == b"done" and same:
                if version is not None and version.decode() == self.pipeline_version:
                    stats.skipped += 1
                elif self.reprocess_outdated:
                    to_send.append((payload, digest))
                else:
                    stats.outdated += 1
            elif status in (b"queued", b"running") and same:
                joined.append(article_id)  # already on its way (sent by someone else): wait for it
            else:
                to_send.append((payload, digest))
        end = batch[-1].ordinal + 1
        # Mark the articles queued (so a previous "done" is not read as this run's) and
        # note the batch being sent, in one transaction; then send; then move the position.
        pipe = self.r.pipeline(transaction=True)
        now = time.time()
        for payload, digest in to_send:
            pipe.hset(self.store.key(payload["id"]), mapping={"status": "queued", "content_hash": digest,
                                                             "updated_at": now})
        if to_send:
            # The store's in-progress index, as `khabar submit` (mark_queued) does: the sweeper
            # and `khabar failed stuck` find an article whose message was lost through it.
            pipe.zadd(self.store.active_key, {p["id"]: now for p, _ in to_send})
        ids = [p["id"] for p, _ in to_send] + joined
        if ids:
            pipe.sadd(self.in_flight_key, *ids)
        pipe.hset(self.key, "sending", end)
        for rec, reason in bad:
            entry = {"where": rec.where, "reason": reason}
            pipe.rpush(f"{self.key}:bad", json.dumps(entry, ensure_ascii=False))
        pipe.ltrim(f"{self.key}:bad", 0, KEEP_BAD - 1)
        pipe.execute()
        if to_send:
            self.send([p for p, _ in to_send])
        outstanding.update(ids)
        stats.sent += len(to_send)
        stats.bad += len(bad)
        stats.position = end
        self.r.hset(self.key, mapping={**stats.to_redis(), "updated_at": now})
        if on_bad:
            for rec, reason in bad:
                on_bad(rec, reason)

    def _poll(self, outstanding: set[str], stats: Stats) -> bool:
        """Count the articles that finished since the last poll; return whether any did."""
        ids = list(outstanding)
        pipe = self.r.pipeline(transaction=False)
        for article_id in ids:
            pipe.hget(self.store.key(article_id), "status")
        failed = []
        for article_id, status in zip(ids, pipe.execute(), strict=True):
            if status == b"done":
                stats.done += 1
            elif status == b"failed":
                stats.failed += 1
                failed.append(article_id)
            else:
                continue
            outstanding.discard(article_id)
        finished = set(ids) - outstanding
        if finished:
            pipe = self.r.pipeline(transaction=True)
            pipe.srem(self.in_flight_key, *finished)
            pipe.hset(self.key, mapping=stats.to_redis())
            if failed:
                pipe.rpush(f"{self.key}:failed", *failed)
                pipe.ltrim(f"{self.key}:failed", 0, KEEP_BAD - 1)
            pipe.execute()
        return bool(finished)

    def _bad_list(self) -> list[dict[str, str]]:
        return [json.loads(v) for v in self.r.lrange(f"{self.key}:bad", 0, -1)]

    def _failed_list(self, limit: int = 100) -> list[dict[str, Any]]:
        out = []
        for raw in self.r.lrange(f"{self.key}:failed", 0, limit - 1):
            article_id = raw.decode()
            f = self.store.failure(article_id)
            out.append({"id": article_id, "stage": f.stage if f else None, "reason": f.reason if f else None,
                        "message": f.message.splitlines()[0] if f and f.message else ""})
        return out
