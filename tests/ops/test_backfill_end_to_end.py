"""``khabar backfill`` on real parts: 2,000 articles, two worker processes, Ctrl-C, --resume, a re-run."""

from __future__ import annotations

import json
import signal
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import redis

from khabar.worker.backfill import open_source
from tests.ops.helpers import khabar, khabar_popen, queued, short_payloads, stage_lines, wait_until
from tests.support import RedisServer, worker_env

BAD_KINDS = ('{"id": "broken", "text": ', '{"id": "typed", "text": 5}',
             '{"id": "english", "text": "Only English words in this one."}',
             '{"id": "extra", "text": "نص عربي قصير عن الاقتصاد والسياسة في المنطقة", "colour": "red"}')
BAD_REASONS = ("malformed JSON", "wrong_type", "not_arabic", "malformed_payload")


def write_source(path: Path, payloads: list[dict[str, Any]], bad_every: int = 100) -> list[int]:
    """Write JSON Lines with a bad line after every ``bad_every`` payloads; return the bad lines' numbers."""
    lines, bad = [], []
    for i, p in enumerate(payloads, 1):
        lines.append(json.dumps(p, ensure_ascii=False))
        if i % bad_every == 0:
            lines.append(BAD_KINDS[len(bad) % len(BAD_KINDS)])
            bad.append(len(lines))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return bad


class QueueSampler(threading.Thread):
    """Samples how many messages wait in khabar's queues, every 50 ms, until stopped."""

    def __init__(self, client: redis.Redis) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.most = 0
        self.samples = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.most = max(self.most, queued(self.client))
            self.samples += 1

    def stop(self) -> None:
        self.done.set()
        self.join()


def test_backfill_interrupted_resumed_rerun(
    clean_redis: RedisServer, make_worker: Any, tmp_path: Path
) -> None:
    n, bound = 2000, 100
    payloads = short_payloads(n)
    ids = [str(p["id"]) for p in payloads]
    source = tmp_path / "articles.jsonl"
    bad_lines = write_source(source, payloads)
    worker = make_worker(clean_redis.url, concurrency=2)
    env = worker_env(clean_redis.url, tmp_path / "data") | {"COLUMNS": "160"}
    client = clean_redis.client()
    checkpoint = f"khabar:backfill:{open_source(source).key}"
    options = ("--max-in-flight", str(bound), "--round-size", "50")

    sampler = QueueSampler(client)
    sampler.start()
    progress_file = tmp_path / "progress.txt"
    with progress_file.open("w") as progress:
        first = khabar_popen(env, "backfill", str(source), *options, "--progress", stderr=progress)
        half = (n + len(bad_lines)) // 2
        wait_until(lambda: int(client.hget(checkpoint, "position") or 0) >= half or first.poll() is not None,
                   400, "the first run to read half the source")
        first.send_signal(signal.SIGINT)
        out, _ = first.communicate(timeout=120)
    assert first.returncode == 130, out
    assert "interrupted" in out and client.hget(checkpoint, "state") == b"interrupted"
    shown = progress_file.read_text()
    assert "backfill" in shown and "━" in shown and "in flight" in shown and "ETA" in shown
    assert "line 101: malformed JSON" in shown  # bad lines are reported as they are read
    read_before = int(client.hget(checkpoint, "position") or 0)
    assert half <= read_before < n

    second = khabar(env, "backfill", str(source), *options, "--resume", "--json", timeout=600)
    sampler.stop()
    assert second.returncode == 1, second.stderr[-2000:]  # the bad lines: "something failed"
    report = json.loads(second.stdout)
    assert report["state"] == "finished"
    assert {k: report["counts"][k] for k in ("total", "sent", "done", "failed", "bad", "in_flight")} == {
        "total": n + len(bad_lines), "sent": n, "done": n, "failed": 0, "bad": len(bad_lines), "in_flight": 0}
    assert [b["where"] for b in report["bad"]] == [f"line {i}" for i in bad_lines]
    assert [b["reason"].split(":")[0] for b in report["bad"]] == [
        BAD_REASONS[i % len(BAD_REASONS)] for i in range(len(bad_lines))]

    # Every good article is done, and none was enqueued twice: each passed the intake once.
    pipe = client.pipeline(transaction=False)
    for article_id in ids:
        pipe.hget(f"khabar:article:{article_id}", "status")
    assert Counter(pipe.execute()) == {b"done": n}
    intake = Counter(line["article_id"] for line in stage_lines(worker.log) if line["stage"] == "validate")
    assert set(intake) == set(ids) and set(intake.values()) == {1}
    # Redis never held more articles waiting than the bound (sampled every 50 ms through both runs).
    assert sampler.samples > 100 and 0 < sampler.most <= bound

    third = khabar(env, "backfill", str(source), "--json", timeout=300)
    again = json.loads(third.stdout)
    assert third.returncode == 1  # the same bad lines
    assert {k: again["counts"][k] for k in ("sent", "skipped", "bad")} == {"sent": 0, "skipped": n,
                                                                           "bad": len(bad_lines)}
