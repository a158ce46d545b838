"""What the console reads from the article store: pages of articles, counts, failures, one article.

Read-only.  An archive holds hundreds of thousands of articles, so lists walk the
store's sorted-set indexes (``recent``, ``recent:source:<s>``, ``failed``, ``active``)
a bounded number of entries per request, newest first, and only the rows shown have
their documents read.  The one keyspace scan (counts by status, as ``khabar status``
prints) is chunked, runs in a thread of its own at most once per ``counts_ttl`` seconds,
and pages show its last result.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from khabar.tasks.pipeline import STAGE_NAMES
from khabar.worker.store import ArticleStore

STATUSES = ("queued", "running", "done", "failed")


class _Head(msgspec.Struct):
    """The fields of a document, input or section record that a list row shows (the rest is skipped)."""

    title: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Row:
    id: str
    status: str
    stage: str
    updated_at: float | None
    title: str | None = None
    source: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Cursor:
    """Where a page ends in an index: the score of the last entry looked at, and how many entries
    with that very score were looked at (a batch of articles stored together shares one score)."""

    score: float = float("inf")
    skip: int = 0

    def __str__(self) -> str:
        return f"{self.score!r}:{self.skip}"

    @classmethod
    def parse(cls, value: str | None) -> Cursor:
        if not value:
            return cls()
        score, _, skip = value.partition(":")
        if float(score) != float(score):  # NaN: no place in an index
            raise ValueError(f"not a cursor: {value!r}")
        return cls(float(score), max(0, int(skip or 0)))


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    next: Cursor | None  # None: the index has no more
    examined: int  # index entries looked at for this page
    index: str  # which index was walked


@dataclass
class Counts:
    by_status: dict[str, int]
    keys: int
    at: float
    seconds: float


@dataclass
class ConsoleReader:
    store: ArticleStore
    queues: Sequence[str]
    counts_ttl: float = 60.0
    clock: Callable[[], float] = time.time
    _counts: Counts | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _counting: bool = field(default=False, init=False, repr=False)

    # --- the top of every page ---------------------------------------------------------
    def queue_depths(self) -> dict[str, int]:
        pipe = self.store.r.pipeline(transaction=False)
        for q in self.queues:
            pipe.llen(q)
        return dict(zip(self.queues, pipe.execute(), strict=True))

    def index_sizes(self) -> dict[str, int]:
        """Entries in the indexes: articles listed, in progress (queued or running), failed."""
        s = self.store
        pipe = s.r.pipeline(transaction=False)
        for key in (s.recent_key, s.active_key, s.failed_key):
            pipe.zcard(key)
        recent, active, failed = pipe.execute()
        return {"listed": recent, "in_progress": active, "failed": failed}

    def counts(self) -> Counts | None:
        """Articles by status as last counted (None before the first count ends), never waiting:
        when the count is older than ``counts_ttl`` a thread counts again (one at a time), so a page
        is never held up by the scan, which takes seconds on an archive of hundreds of thousands."""
        with self._lock:
            stale = self._counts is None or self.clock() - self._counts.at >= self.counts_ttl
            if stale and not self._counting:
                self._counting = True
                threading.Thread(target=self._recount, name="console-counts", daemon=True).start()
            return self._counts

    def _recount(self) -> None:
        try:
            self.count_now()
        finally:
            with self._lock:
                self._counting = False

    def count_now(self) -> Counts:
        """Count articles by status over the keyspace now (chunked SCAN, one pipelined HGET per chunk),
        as ``khabar status`` does, without holding every key name at once."""
        began = time.monotonic()
        by_status = dict.fromkeys(STATUSES, 0)
        keys = 0
        cursor = 0
        while True:
            cursor, chunk = self.store.r.scan(cursor, match=self.store.key("*"), count=1000)
            if chunk:
                pipe = self.store.r.pipeline(transaction=False)
                for k in chunk:
                    pipe.hget(k, "status")
                for value in pipe.execute():
                    if value:
                        by_status[value.decode()] = by_status.get(value.decode(), 0) + 1
                keys += len(chunk)
            if cursor == 0:
                break
        counts = Counts(by_status, keys, self.clock(), time.monotonic() - began)
        with self._lock:
            self._counts = counts
        return counts

    def sources(self, limit: int = 500) -> list[str]:
        """Known sources (for the filter), sorted; at most ``limit``."""
        found: list[str] = []
        for value in self.store.r.sscan_iter(self.store.sources_key, count=500):
            found.append(value.decode())
            if len(found) >= limit:
                break
        return sorted(found)

    # --- the list ---------------------------------------------------------------------
    def articles(self, status: str | None = None, source: str | None = None, cursor: Cursor | None = None,
                 page_size: int = 50, max_examined: int = 5000) -> Page:
        """One page of articles, newest first, filtered by status and source.

        The index walked is the narrowest that holds every match: the source's, else the
        dead letters for ``failed``, the in-progress set for ``queued``/``running``, else
        all recent articles; the status is then checked row by row, looking at no more
        than ``max_examined`` entries (the page may come back short, with a cursor to go on).
        """
        s = self.store
        if source:
            key = s.source_key(source)
        elif status == "failed":
            key = s.failed_key
        elif status in ("queued", "running"):
            key = s.active_key
        else:
            key = s.recent_key
        position = cursor or Cursor()
        rows: list[Row] = []
        examined = 0
        chunk = max(page_size * 2, 100)
        exhausted = False
        while not exhausted and len(rows) < page_size and examined < max_examined:
            high = "+inf" if position.score == float("inf") else repr(position.score)
            entries = s.r.zrevrangebyscore(key, high, "-inf", start=position.skip, num=chunk, withscores=True)
            pipe = s.r.pipeline(transaction=False)
            for member, _ in entries:
                pipe.hmget(s.key(member.decode()), ["status", "stage", "updated_at", "error"])
            looked = 0
            for (member, score), (st, stage, updated, error) in zip(entries, pipe.execute(), strict=True):
                looked += 1
                examined += 1
                position = Cursor(score, position.skip + 1 if score == position.score else 1)
                if st is not None and (not status or st.decode() == status):  # else gone, or filtered out
                    reason = json.loads(error).get("reason") if error else None
                    rows.append(Row(member.decode(), st.decode(), (stage or b"").decode(),
                                    float(updated) if updated else None, reason=reason))
                if len(rows) >= page_size or examined >= max_examined:
                    break
            exhausted = len(entries) < chunk and looked == len(entries)
        return Page(self._with_heads(rows), None if exhausted else position, examined, key)

    def _with_heads(self, rows: list[Row]) -> list[Row]:
        """Fill in title and source from the document (done), else the input and the section record."""
        pipe = self.store.r.pipeline(transaction=False)
        for row in rows:
            pipe.hmget(self.store.key(row.id), ["document", "article", "out:section"])
        out = []
        for row, values in zip(rows, pipe.execute(), strict=True):
            title = source = None
            for raw in values:
                if raw:
                    try:
                        head = msgspec.json.decode(raw, type=_Head)
                    except msgspec.DecodeError:
                        continue
                    title, source = title or head.title, source or head.source
            out.append(Row(row.id, row.status, row.stage, row.updated_at, title, source, row.reason))
        return out

    # --- failures ---------------------------------------------------------------------
    def failures_by_reason(self, limit: int = 5000) -> tuple[list[tuple[str, list[dict[str, Any]]]], int]:
        """The newest ``limit`` dead letters grouped by reason (largest group first), and how many there are."""
        s = self.store
        total = s.r.zcard(s.failed_key)
        ids = [i.decode() for i in s.r.zrevrange(s.failed_key, 0, limit - 1)]
        pipe = s.r.pipeline(transaction=False)
        for article_id in ids:
            pipe.hget(s.key(article_id), "error")
        groups: dict[str, list[dict[str, Any]]] = {}
        for article_id, raw in zip(ids, pipe.execute(), strict=True):
            if not raw:
                continue
            error = json.loads(raw)
            first = (error.get("message") or "").splitlines()
            groups.setdefault(error.get("reason") or "unknown", []).append(
                {"id": article_id, "stage": error.get("stage"), "attempts": error.get("attempts", 1),
                 "at": error.get("at"), "message": first[0] if first else ""})
        return sorted(groups.items(), key=lambda g: (-len(g[1]), g[0])), total

    # --- one article ------------------------------------------------------------------
    def article(self, article_id: str) -> dict[str, Any] | None:
        """Everything the article page shows, or None for an unknown id.

        Keys: ``status``, ``stage``, ``updated_at``, ``document`` (done), ``error``, ``retries``
        (stage -> records), ``runs`` (stage -> timing, before the document exists),
        ``redeliveries``, ``deaths`` (stage -> cause), ``input`` (the stored input, until done).
        """
        fields = {k.decode(): v for k, v in self.store.r.hgetall(self.store.key(article_id)).items()}
        if "status" not in fields:
            return None

        def text(name: str) -> str | None:
            value = fields.get(name)
            return value.decode() if value is not None else None

        updated = text("updated_at")
        out: dict[str, Any] = {
            "id": article_id,
            "status": text("status"),
            "stage": text("stage") or None,
            "updated_at": float(updated) if updated else None,
            "document": json.loads(fields["document"]) if "document" in fields else None,
            "error": json.loads(fields["error"]) if "error" in fields else None,
            "retries": self.store.retries(article_id),
            "runs": {s: json.loads(fields[f"run:{s}"]) for s in STAGE_NAMES if f"run:{s}" in fields},
            "redeliveries": int(text("redeliveries") or 0),
            "deaths": {k[5:]: v.decode() for k, v in fields.items() if k.startswith("died:")},
            "input": json.loads(fields["article"]) if "article" in fields else None,
        }
        return out
