"""The Redis document store: every article's input, stage outputs, status and document.

One Redis hash per article, ``<prefix>:article:<id>``, with these fields:

=================  ==============================================================
``status``         ``queued`` | ``running`` | ``done`` | ``failed``
``stage``          the stage running, or the last one that ran
``article``        the validated input (JSON)
``out:<stage>``    a stage's output record (JSON), kept until the document is done
``run:<stage>``    ``{"seconds": float, "version": str}`` for each stage that ran
``document``       the finished document (JSON, see schemas/document.schema.json)
``error``          ``{"stage", "reason", "message", "attempts", "at"}`` when failed
``retry:<stage>:<n>`` ``{"delay", "error", "at"}`` for the n-th transient retry of a stage
``redeliveries``   how many times a stage was delivered again after a worker died on it
``died:<stage>``   why the last death during a stage happened, when known (``timeout``)
``gen``            the submission this hash belongs to (a token made at intake); every stage
                   write names the submission it ran for and is dropped if that is not this one
``submitted``      when that submission was received (ns, zero-padded): an older one never replaces it
``content_hash``   hash of the input, to skip unchanged articles in backfills
``pipeline_version`` the pipeline that produced ``document``
``updated_at``     Unix time of the last change
=================  ==============================================================

Failed articles are also listed in the sorted set ``<prefix>:failed`` (score: time),
and articles in progress (queued or running) in ``<prefix>:active`` (score: the time
of their last change), where ``khabar.worker.sweeper`` looks for lost messages.
Every article stored or failed is listed in ``<prefix>:recent`` (score: the time it was
stored or failed), and each source's in ``<prefix>:recent:source:<source>``, with the
sources in the set ``<prefix>:sources``: the console pages through these (newest first)
instead of scanning the keyspace.  With a document TTL, entries older than it are trimmed.
``<prefix>:attempts:<id>:<stage>`` counts deliveries of a stage that have not ended
(a worker died during them); it is cleared when the stage's output is stored, when a retry is
scheduled, and when the delivery that recorded a failure ends (not by the failure record itself:
a delivery that records a failure and then dies is counted, so the redelivery cap still ends it).
Anyone can read a document with ``HGET <prefix>:article:<id> document``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import redis

from khabar.tasks.records import Article


def as_json(value: Any) -> bytes:
    """A record or document as stored: UTF-8 JSON, not escaped (msgspec: the same JSON as
    json.dumps, several times faster).  Bytes are taken as JSON encoded already: a batch
    encodes each article's output as soon as it is made, so that a batch's object
    graphs do not live on through the garbage collector's passes (docs/PERFORMANCE.md)."""
    return value if isinstance(value, bytes) else msgspec.json.encode(value)


_STATUSES = ("queued", "running", "done", "failed")


@dataclass(frozen=True)
class Failure:
    id: str
    stage: str
    reason: str
    message: str
    attempts: int
    at: float


class ArticleStore:
    """Reads and writes article state in Redis; the client is injected."""

    def __init__(self, client: redis.Redis, prefix: str = "khabar", ttl: int = 0) -> None:
        self.r: Any = client  # redis-py types replies as bytes | str whatever decode_responses says
        self.prefix = prefix
        self.ttl = ttl
        self.failed_key = f"{prefix}:failed"
        self.active_key = f"{prefix}:active"
        self.recent_key = f"{prefix}:recent"
        self.sources_key = f"{prefix}:sources"
        self._begin: Any = None
        self._put: Any = None
        self._end: Any = None
        self._finish: Any = None
        self._reject: Any = None
        self._fail: Any = None
        self._mark_queued: Any = None
        self._uncount: Any = None

    def key(self, article_id: str) -> str:
        return f"{self.prefix}:article:{article_id}"

    def attempts_key(self, article_id: str, stage: str) -> str:
        return f"{self.prefix}:attempts:{article_id}:{stage}"

    # --- writing -------------------------------------------------------------------
    # Marks each key queued unless it already has a status: one command per batch
    # instead of two per article (a 3,000-article submit: 156 ms -> 23 ms).
    _MARK_QUEUED = """
    local active = KEYS[#KEYS]
    for i = 1, #KEYS - 1 do
      local key = KEYS[i]
      if redis.call('HSETNX', key, 'status', 'queued') == 1 then
        redis.call('HSET', key, 'updated_at', ARGV[1])
        redis.call('ZADD', active, ARGV[1], string.sub(key, tonumber(ARGV[2]) + 1))
      end
    end
    return #KEYS - 1
    """

    def mark_queued(self, article_ids: Iterable[str], batch: int = 1000) -> None:
        """Record that articles were sent, unless they are already known."""
        if self._mark_queued is None:
            self._mark_queued = self.r.register_script(self._MARK_QUEUED)
        keys = [self.key(article_id) for article_id in article_ids]
        now = time.time()
        for i in range(0, len(keys), batch):  # bounded, so Redis is never blocked for long
            self._mark_queued(keys=[*keys[i : i + batch], self.active_key], args=[now, len(self.key(""))])

    # Stores a submission unless a later one of the same id is stored already (``submitted``
    # compares as a zero-padded string), dropping what an earlier one left, attempt counters too.
    _PUT = """
    local held = redis.call('HGET', KEYS[1], 'submitted')
    if held and held > ARGV[3] then
      return 0
    end
    redis.call('DEL', KEYS[1])
    for i = 4, #KEYS do
      redis.call('DEL', KEYS[i])
    end
    redis.call('HSET', KEYS[1], 'status', 'queued', 'stage', '', 'article', ARGV[4], 'content_hash', ARGV[5],
               'updated_at', ARGV[6], 'gen', ARGV[2], 'submitted', ARGV[3])
    redis.call('ZREM', KEYS[2], ARGV[1])
    redis.call('ZADD', KEYS[3], ARGV[6], ARGV[1])
    return 1
    """

    def put_articles(
        self, items: Sequence[tuple[Article, str, str, str]], stages: Sequence[str] = ()
    ) -> list[bool]:
        """Store validated submissions (article, content hash, gen, submitted); return which were stored.

        A submission is not stored when one of the same id submitted later is there already
        (it was superseded while it waited).  ``stages``: whose attempt counters to clear.
        """
        if self._put is None:
            self._put = self.r.register_script(self._PUT)
        now = repr(time.time())
        pipe = self.r.pipeline(transaction=False)
        for article, content_hash, gen, submitted in items:
            counters = [self.attempts_key(article.id, s) for s in stages]
            self._put(keys=[self.key(article.id), self.failed_key, self.active_key, *counters],
                      args=[article.id, gen, submitted, msgspec.json.encode(article), content_hash, now],
                      client=pipe)
        stored = [bool(kept) for kept in pipe.execute()] if items else []
        kept = [(article.id, article.source) for (article, _, _, _), ok in zip(items, stored, strict=True) if ok]
        if kept:
            self.index_recent(self.r, kept, float(now))
        return stored

    # Counts the attempt, reads status and inputs, and marks the stage running unless
    # the article is already done (a duplicate delivery must not reopen it): one
    # round trip, atomic.
    # A delivery for a superseded submission (ARGV[4], its gen, not the stored one) does nothing.
    _BEGIN = """
    if ARGV[4] ~= '' and redis.call('HGET', KEYS[1], 'gen') ~= ARGV[4] then
      return {0, 'superseded', {}}
    end
    local attempts = redis.call('INCR', KEYS[2])
    redis.call('EXPIRE', KEYS[2], 604800)
    if attempts > 1 then
      redis.call('HINCRBY', KEYS[1], 'redeliveries', 1)
    end
    local status = redis.call('HGET', KEYS[1], 'status')
    if status ~= 'done' then
      redis.call('HSET', KEYS[1], 'status', 'running', 'stage', ARGV[1], 'updated_at', ARGV[2])
      redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
    end
    return {attempts, status or '', redis.call('HMGET', KEYS[1], unpack(ARGV, 5))}
    """

    def begin_stages(
        self, refs: Sequence[tuple[str, str]], stage: str, fields: Sequence[str]
    ) -> list[tuple[int, str, list[bytes | None]]]:
        """Count this delivery of ``stage`` for each (article id, gen), mark it running, read ``fields``.

        Returns per article the attempt number (1 on first delivery; higher when a worker
        died during earlier ones), the status before this call (``superseded`` when the
        gen is not the stored one: nothing was counted or read), and the raw values.
        An empty gen skips the check.  One round trip for all.
        """
        if self._begin is None:
            self._begin = self.r.register_script(self._BEGIN)
        now = time.time()
        pipe = self.r.pipeline(transaction=False)
        for article_id, gen in refs:
            self._begin(
                keys=[self.key(article_id), self.attempts_key(article_id, stage), self.active_key],
                args=[stage, now, article_id, gen, *fields],
                client=pipe,
            )
        return [
            (int(attempts), status.decode() if isinstance(status, bytes) else str(status), list(values))
            for attempts, status, values in pipe.execute()
        ]

    # Stores a stage's output if the article is still the submission the stage ran for.
    _END = """
    if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], 'gen') ~= ARGV[1] then
      return 0
    end
    redis.call('HSET', KEYS[1], 'out:' .. ARGV[2], ARGV[3], 'run:' .. ARGV[2], ARGV[4], 'updated_at', ARGV[5])
    redis.call('DEL', KEYS[2])
    redis.call('ZADD', KEYS[3], ARGV[5], ARGV[6])
    return 1
    """

    def end_stages(self, stage: str, items: Sequence[tuple[tuple[str, str], Any, Mapping[str, Any]]]) -> list[bool]:
        """Store stage outputs ((id, gen), output, run); return which were stored (not superseded)."""
        if self._end is None:
            self._end = self.r.register_script(self._END)
        now = repr(time.time())
        pipe = self.r.pipeline(transaction=False)
        for (article_id, gen), output, run in items:
            self._end(keys=[self.key(article_id), self.attempts_key(article_id, stage), self.active_key],
                      args=[gen, stage, as_json(output), json.dumps(dict(run)), now, article_id], client=pipe)
        return [bool(stored) for stored in pipe.execute()] if items else []

    def clear_attempts(self, article_id: str, stage: str) -> None:
        self.clear_attempts_of([article_id], stage)

    def clear_attempts_of(self, article_ids: Sequence[str], stage: str) -> None:
        self.r.delete(*(self.attempts_key(i, stage) for i in article_ids))

    # Takes back what _BEGIN counted: the attempt and, if that attempt was a redelivery,
    # the redelivery (the single-article run that follows counts it again).  A counter
    # back at 0, or below (a duplicate delivery cleared it meanwhile), is deleted.
    _UNCOUNT = """
    for i = 1, #KEYS, 2 do
      local attempts = redis.call('DECR', KEYS[i])
      if attempts >= 1 then
        redis.call('HINCRBY', KEYS[i + 1], 'redeliveries', -1)
      else
        redis.call('DEL', KEYS[i])
      end
    end
    """

    def uncount_attempts(self, article_ids: Sequence[str], stage: str) -> None:
        """Take back what begin_stages counted (a batch split into single articles, none run)."""
        if self._uncount is None:
            self._uncount = self.r.register_script(self._UNCOUNT)
        keys = [k for i in article_ids for k in (self.attempts_key(i, stage), self.key(i))]
        self._uncount(keys=keys, args=[])

    def note_death(self, article_id: str, stage: str, cause: str) -> None:
        """Note why a delivery of a stage died (``timeout``: killed at the hard time limit)."""
        self.r.hset(self.key(article_id), f"died:{stage}", cause)

    def death(self, article_id: str, stage: str) -> str | None:
        """Why the last delivery of a stage that died did (see note_death), if noted."""
        value = self.r.hget(self.key(article_id), f"died:{stage}")
        return value.decode() if value else None

    def count_attempts(self, names: Sequence[str], stage: str) -> list[int]:
        """Count one delivery of a step that has no begin_stages (intake, per message); return the counts."""
        pipe = self.r.pipeline(transaction=False)
        for name in names:
            pipe.incr(self.attempts_key(name, stage))
            pipe.expire(self.attempts_key(name, stage), 604800)
        return [int(n) for n in pipe.execute()[::2]]

    def record_retry(self, article_id: str, stage: str, retry: int, delay: float, error: str) -> None:
        """Note that a stage's ``retry``-th retry was scheduled ``delay`` seconds ahead (idempotent).

        The delivery that scheduled it ended normally, so it no longer counts as a possible crash.
        """
        self.record_retries([article_id], stage, retry, delay, error)

    def record_retries(self, article_ids: Sequence[str], stage: str, retry: int, delay: float, error: str) -> None:
        """record_retry for several articles retried together."""
        record = json.dumps({"delay": round(delay, 4), "error": error, "at": time.time()})
        pipe = self.r.pipeline(transaction=True)
        for article_id in article_ids:
            pipe.hset(self.key(article_id), f"retry:{stage}:{retry}", record)
            pipe.delete(self.attempts_key(article_id, stage))
        pipe.execute()

    def retries(self, article_id: str) -> dict[str, list[dict[str, Any]]]:
        """Return the retries recorded for an article: stage -> records in retry order."""
        out: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for field, value in self.r.hgetall(self.key(article_id)).items():
            name = field.decode()
            if name.startswith("retry:"):
                _, stage, n = name.split(":")
                out.setdefault(stage, []).append((int(n), json.loads(value)))
        return {stage: [r | {"retry": n} for n, r in sorted(records)] for stage, records in out.items()}

    # Stores the document (if the article is still the submission it was made for) and drops
    # the intermediate outputs nobody reads any more.
    _FINISH = """
    if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], 'gen') ~= ARGV[1] then
      return 0
    end
    redis.call('HSET', KEYS[1], 'status', 'done', 'stage', ARGV[2], 'document', ARGV[3],
               'pipeline_version', ARGV[4], 'updated_at', ARGV[5])
    redis.call('HDEL', KEYS[1], 'article', 'error', unpack(ARGV, 8))
    if tonumber(ARGV[7]) > 0 then
      redis.call('EXPIRE', KEYS[1], ARGV[7])
    end
    redis.call('DEL', KEYS[2])
    redis.call('ZREM', KEYS[3], ARGV[6])
    redis.call('ZREM', KEYS[4], ARGV[6])
    return 1
    """

    def finish_many(
        self, stage: str, items: Sequence[tuple[tuple[str, str], bytes]], stages: Sequence[str],
        pipeline_version: str,
    ) -> list[bool]:
        """Store finished documents ((id, gen), encoded document); return which were stored."""
        if self._finish is None:
            self._finish = self.r.register_script(self._FINISH)
        now = repr(time.time())
        dropped = [f"out:{s}" for s in stages] + [f"run:{s}" for s in stages]
        pipe = self.r.pipeline(transaction=False)
        for (article_id, gen), document in items:
            self._finish(
                keys=[self.key(article_id), self.attempts_key(article_id, stage), self.failed_key, self.active_key],
                args=[gen, stage, as_json(document), pipeline_version, now, article_id, self.ttl, *dropped],
                client=pipe,
            )
        return [bool(stored) for stored in pipe.execute()] if items else []

    # A late duplicate of a stage must not turn a finished article into a failed one, nor
    # a stage of a superseded submission (ARGV[6], its gen) fail the current one.  The
    # attempt counter is left: the delivery clears it as it ends (see the module docstring).
    _FAIL = """
    if ARGV[6] ~= '' and redis.call('HGET', KEYS[1], 'gen') ~= ARGV[6] then
      return 0
    end
    if ARGV[5] ~= '1' and redis.call('HGET', KEYS[1], 'status') == 'done' then
      return 0
    end
    redis.call('HSET', KEYS[1], 'status', 'failed', 'stage', ARGV[1], 'error', ARGV[2], 'updated_at', ARGV[3])
    redis.call('HDEL', KEYS[1], 'died:' .. ARGV[1])
    redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
    redis.call('ZREM', KEYS[3], ARGV[4])
    return 1
    """

    def fail(self, article_id: str, stage: str, reason: str, message: str, attempts: int = 1,
             overwrite_done: bool = False, gen: str = "") -> bool:
        """Record a failure and list the article among the dead letters.

        A done article stays done unless ``overwrite_done``; with ``gen``, nothing is
        recorded unless the article is still that submission.  Returns whether it was recorded.
        """
        if self._fail is None:
            self._fail = self.r.register_script(self._FAIL)
        now = time.time()
        error = {"stage": stage, "reason": reason, "message": message, "attempts": attempts, "at": now}
        recorded = self._fail(
            keys=[self.key(article_id), self.failed_key, self.active_key],
            args=[stage, json.dumps(error, ensure_ascii=False), repr(now), article_id, int(overwrite_done), gen],
        )
        if recorded and stage == "validate":  # never stored, so not indexed yet
            self.index_recent(self.r, [(article_id, None)], now)
        return bool(recorded)

    # A rejected submission replaces what the id had (the sender's latest word), unless a
    # later submission of the id is stored already.
    _REJECT = """
    local held = redis.call('HGET', KEYS[1], 'submitted')
    if held and held > ARGV[5] then
      return 0
    end
    redis.call('DEL', KEYS[1])
    redis.call('HSET', KEYS[1], 'status', 'failed', 'stage', ARGV[1], 'error', ARGV[2], 'updated_at', ARGV[3],
               'gen', ARGV[6], 'submitted', ARGV[5])
    redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
    redis.call('ZREM', KEYS[3], ARGV[4])
    return 1
    """

    def reject(self, article_id: str, stage: str, reason: str, message: str, gen: str, submitted: str) -> bool:
        """Record a submission refused at intake in place of whatever the id had; return whether recorded."""
        if self._reject is None:
            self._reject = self.r.register_script(self._REJECT)
        now = time.time()
        error = {"stage": stage, "reason": reason, "message": message, "attempts": 1, "at": now}
        recorded = bool(self._reject(
            keys=[self.key(article_id), self.failed_key, self.active_key],
            args=[stage, json.dumps(error, ensure_ascii=False), repr(now), article_id, submitted, gen],
        ))
        if recorded:  # never stored, so not indexed yet
            self.index_recent(self.r, [(article_id, None)], now)
        return recorded

    def gens(self, article_ids: Sequence[str]) -> list[str]:
        """The stored submission token of each article ('' when none)."""
        pipe = self.r.pipeline(transaction=False)
        for article_id in article_ids:
            pipe.hget(self.key(article_id), "gen")
        return [v.decode() if v else "" for v in pipe.execute()]

    def counters(self, article_id: str) -> list[str]:
        """The attempt-counter keys of every step of an article."""
        from khabar.tasks.pipeline import INTAKE, STAGE_NAMES

        return [self.attempts_key(article_id, s) for s in (INTAKE, *STAGE_NAMES)]

    def purge_failed(self) -> int:
        """Forget every failed article (hash, attempt counters, registry entry); return how many."""
        ids = [i.decode() for i in self.r.zrange(self.failed_key, 0, -1)]
        pipe = self.r.pipeline(transaction=False)
        for article_id in ids:
            counters = self.counters(article_id)
            pipe.delete(self.key(article_id), *counters)
            pipe.zrem(self.failed_key, article_id)
        pipe.execute()
        return len(ids)

    def requeue(self, article_id: str) -> None:
        """Mark a failed article queued again and take it off the dead-letter list."""
        pipe = self.r.pipeline(transaction=True)
        now = time.time()
        pipe.hset(self.key(article_id), mapping={"status": "queued", "updated_at": now})
        pipe.hdel(self.key(article_id), "error")
        pipe.delete(*self.counters(article_id))
        pipe.zrem(self.failed_key, article_id)
        pipe.zadd(self.active_key, {article_id: now})
        pipe.execute()

    # --- the recency index (read by the console) ------------------------------------
    def source_key(self, source: str) -> str:
        return f"{self.prefix}:recent:source:{source}"

    def index_recent(self, client: Any, items: Sequence[tuple[str, str | None]], now: float) -> None:
        """List articles (id, source) as written ``now`` in the recency indexes, on ``client``
        (a pipeline, to go with the write it indexes).  With a TTL, drops entries older than it:
        the indexes then stay about as large as what Redis still holds."""
        # The articles of one message (a batch, or single messages coalesced at intake) are stored
        # in one write: a microsecond apart, in the order they came, so the newest-first list keeps it.
        at = {article_id: now + i * 1e-6 for i, (article_id, _) in enumerate(items)}
        client.zadd(self.recent_key, at)
        sources: dict[str, dict[str, float]] = {}
        for article_id, source in items:
            if source:
                sources.setdefault(source, {})[article_id] = at[article_id]
        for source, ids in sources.items():
            client.zadd(self.source_key(source), ids)
            client.sadd(self.sources_key, source)
            if self.ttl:
                client.zremrangebyscore(self.source_key(source), "-inf", f"({now - self.ttl}")
        if self.ttl:
            client.zremrangebyscore(self.recent_key, "-inf", f"({now - self.ttl}")

    # --- reading -------------------------------------------------------------------
    def status(self, article_id: str) -> str | None:
        value = self.r.hget(self.key(article_id), "status")
        return value.decode() if value else None

    def document(self, article_id: str) -> dict[str, Any] | None:
        """Return the document if done, else a status record; None when unknown."""
        values = self.r.hmget(self.key(article_id), ["status", "document", "stage", "error", "updated_at"])
        status, document, stage, error, updated = (v.decode() if v else None for v in values)
        if status is None:
            return None
        if status == "done" and document:
            return dict(json.loads(document))
        return {
            "id": article_id,
            "status": status,
            "stage": stage or None,
            "error": json.loads(error) if error else None,
            "updated_at": float(updated) if updated else None,
        }

    def failures(self, limit: int = 100) -> list[Failure]:
        ids = [i.decode() for i in self.r.zrange(self.failed_key, 0, limit - 1)]
        return [f for f in (self.failure(i) for i in ids) if f is not None]

    def failure(self, article_id: str) -> Failure | None:
        raw = self.r.hget(self.key(article_id), "error")
        if not raw:
            return None
        err = json.loads(raw)
        return Failure(
            article_id, err["stage"], err["reason"], err["message"], err.get("attempts", 1), err["at"]
        )

    def stale(self, older_than: float, limit: int = 1000) -> list[tuple[str, str, str, float]]:
        """Articles queued or running and unchanged for ``older_than`` seconds, oldest first.

        Returns (id, status, stage, updated_at).  Ids in the index that are no longer in
        progress (done, failed, expired) are dropped from it on the way.  An article
        waiting behind a long queue is stale by this measure too.
        """
        ids = [i.decode() for i in self.r.zrangebyscore(self.active_key, "-inf", time.time() - older_than,
                                                         start=0, num=limit)]
        pipe = self.r.pipeline(transaction=False)
        for article_id in ids:
            pipe.hmget(self.key(article_id), ["status", "stage", "updated_at"])
        out, gone = [], []
        for article_id, (status, stage, updated) in zip(ids, pipe.execute(), strict=True):
            if status in (b"queued", b"running"):
                out.append((article_id, status.decode(), (stage or b"").decode(), float(updated or 0)))
            else:
                gone.append(article_id)
        if gone:
            self.r.zrem(self.active_key, *gone)
        return out

    def touch(self, article_id: str) -> None:
        """Mark an article changed now (it was sent on again)."""
        now = time.time()
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(self.key(article_id), "updated_at", now)
        pipe.zadd(self.active_key, {article_id: now})
        pipe.execute()

    def first_unfinished_stage(self, article_id: str, stages: Sequence[str]) -> str | None:
        """The first of ``stages`` with no stored output, if the article's input is stored; else None."""
        values = self.r.hmget(self.key(article_id), ["article", *(f"out:{s}" for s in stages)])
        if values[0] is None:
            return None
        return next((s for s, v in zip(stages, values[1:], strict=True) if v is None), stages[-1])

    def counts(self) -> dict[str, int]:
        """Count articles by status (scans the keyspace; for operators, not hot paths)."""
        counts = dict.fromkeys(_STATUSES, 0)
        keys = list(self.r.scan_iter(match=self.key("*"), count=1000))
        pipe = self.r.pipeline(transaction=False)
        for k in keys:
            pipe.hget(k, "status")
        for value in pipe.execute():
            if value:
                counts[value.decode()] = counts.get(value.decode(), 0) + 1
        return counts
