"""Backfill logic on a real Redis, sends recorded instead of published, a thread standing in for workers.

The whole path with real workers is in test_backfill_end_to_end.py; these pin down
the rules (sources, the in-flight bound, resume, skips) in well under a second each.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from khabar.tasks.pipeline import PIPELINE_VERSION
from khabar.tasks.records import Budget
from khabar.tasks.validate import Limits
from khabar.worker.backfill import Backfill, CheckpointExists, SourceBusy, SourceError, open_source
from khabar.worker.store import ArticleStore
from tests.ops.helpers import short_payloads
from tests.support import RedisServer

ARABIC_LINE = "أعلن وزير المالية اليوم خطة جديدة لخفض عجز الموازنة خلال العامين المقبلين"


def write_jsonl(path: Path, payloads: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in payloads), encoding="utf-8")
    return path


class FakeWorkers:
    """Marks sent articles done after a short while, the way workers would; counts what is in flight."""

    def __init__(self, store: ArticleStore, delay: float = 0.002) -> None:
        self.store = store
        self.delay = delay
        self.sent: list[str] = []
        self.pending: list[str] = []
        self.most_in_flight = 0
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._work, daemon=True)
        self.thread.start()

    def send(self, payloads: Any) -> None:
        with self.lock:
            self.sent += [p["id"] for p in payloads]
            self.pending += [p["id"] for p in payloads]
            self.most_in_flight = max(self.most_in_flight, len(self.pending))

    def _work(self) -> None:
        while self.running:
            with self.lock:
                article_id = self.pending.pop(0) if self.pending else None
            if article_id:
                self.store.r.hset(self.store.key(article_id),
                                  mapping={"status": "done", "pipeline_version": PIPELINE_VERSION})
            time.sleep(self.delay)

    def stop(self) -> None:
        self.running = False
        self.thread.join()


@pytest.fixture()
def store(clean_redis: RedisServer) -> ArticleStore:
    return ArticleStore(clean_redis.client())


def job(store: ArticleStore, source: Path, send: Any, **options: Any) -> Backfill:
    return Backfill(open_source(source), store, send, limits=Limits(), budget=Budget(),
                    pipeline_version=PIPELINE_VERSION, poll_interval=0.005, **options)


def test_sources_give_line_numbers_payloads_and_reasons(tmp_path: Path) -> None:
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text('\ufeff{"text": "x"}\n\n{"id": 5,\n[1, 2]\n', encoding="utf-8")
    records = list(open_source(jsonl).records())
    assert [(r.where, r.payload, r.error is not None) for r in records] == [
        ("line 1", {"text": "x"}, False), ("line 2", None, False), ("line 3", None, True),
        ("line 4", [1, 2], False)]
    assert open_source(jsonl).count() == 4
    assert [r.where for r in open_source(jsonl).records(start=2)] == ["line 3", "line 4"]

    csv_file = tmp_path / "b.csv"
    csv_file.write_text(f'id,text,url,section\nc1,"{ARABIC_LINE}\nسطر ثان",http://x/1,politics\n'
                        f'c2,,,\nc3,one,two,three,four\n', encoding="utf-8")
    rows = list(open_source(csv_file).records())
    assert rows[0].where == "line 2"
    assert rows[0].payload == {"id": "c1", "text": f"{ARABIC_LINE}\nسطر ثان", "url": "http://x/1",
                               "metadata": {"section": "politics"}}
    assert (rows[1].where, rows[1].payload) == ("line 4", {"id": "c2", "text": ""})
    assert rows[2].where == "line 5" and "5 fields" in str(rows[2].error)
    assert open_source(csv_file).count() == 3
    (tmp_path / "c.csv").write_text("id,body\n1,x\n", encoding="utf-8")
    with pytest.raises(SourceError, match="no 'text' or 'html' column"):
        open_source(tmp_path / "c.csv")

    folder = tmp_path / "site"
    (folder / "2024" / "05").mkdir(parents=True)
    (folder / "2024" / "05" / "a b.html").write_text("<p>x</p>", encoding="utf-8")
    (folder / "top.txt").write_text("y", encoding="utf-8")
    (folder / "notes.md").write_text("ignored", encoding="utf-8")
    files = list(open_source(folder).records())
    assert [(r.where, r.payload) for r in files] == [
        ("2024/05/a b.html", {"id": "2024/05/a_b.html", "html": "<p>x</p>"}),
        ("top.txt", {"id": "top.txt", "text": "y"})]


def test_never_more_than_max_in_flight_and_each_sent_once(store: ArticleStore, tmp_path: Path) -> None:
    payloads = short_payloads(300)
    workers = FakeWorkers(store)
    try:
        report = job(store, write_jsonl(tmp_path / "a.jsonl", payloads), workers.send,
                     max_in_flight=20, round_size=7).run()
    finally:
        workers.stop()
    assert report.state == "finished" and report.ok
    assert sorted(workers.sent) == sorted(p["id"] for p in payloads)
    assert 0 < workers.most_in_flight <= 20
    assert (report.stats.sent, report.stats.done, report.stats.finished) == (300, 300, 300)


def test_stopped_then_resumed_sends_each_article_once(store: ArticleStore, tmp_path: Path) -> None:
    payloads = short_payloads(120)
    source = write_jsonl(tmp_path / "a.jsonl", payloads)
    sent: list[str] = []

    def send_then_stop(batch: Any) -> None:
        sent.extend(p["id"] for p in batch)
        if len(sent) >= 30:
            first.stop()  # what SIGINT does: the batch being sent is finished, then the run stops

    first = job(store, source, send_then_stop, max_in_flight=50, round_size=10)
    report = first.run()
    assert report.state == "interrupted" and report.stats.sent == 30 and report.stats.in_flight == 30
    with pytest.raises(CheckpointExists):
        job(store, source, sent.extend).run()  # neither --resume nor --restart

    workers = FakeWorkers(store)
    workers.pending += sent  # the messages the first run sent are still queued for the workers
    try:
        report = job(store, source, workers.send, max_in_flight=50, round_size=10).run(resume=True)
    finally:
        workers.stop()
    # The 30 left in flight were waited for, not sent again; the rest were sent once.
    assert sorted(sent + workers.sent) == sorted(p["id"] for p in payloads)
    assert report.ok and (report.stats.sent, report.stats.done) == (120, 120)


def test_killed_mid_batch_resends_only_what_no_worker_started(store: ArticleStore, tmp_path: Path) -> None:
    payloads = short_payloads(20)
    source = write_jsonl(tmp_path / "a.jsonl", payloads)
    sent: list[str] = []

    def crash_on_second_batch(batch: Any) -> None:
        if sent:
            raise KeyboardInterrupt  # killed after marking the batch, before (or while) publishing
        sent.extend(p["id"] for p in batch)

    with pytest.raises(KeyboardInterrupt):
        job(store, source, crash_on_second_batch, round_size=10).run()
    started = [p["id"] for p in payloads[10:15]]  # say the first half of the batch reached a worker
    for article_id in started:
        store.r.hset(store.key(article_id), "status", "running")
    store.r.delete(f"{store.prefix}:backfill:{open_source(source).key}:lock")  # a killed run's lock expires

    workers = FakeWorkers(store)
    workers.pending += sent + started  # what the killed run had sent, and the two it started
    try:
        report = job(store, source, workers.send, round_size=10).run(resume=True)
    finally:
        workers.stop()
    assert sorted(workers.sent) == sorted(p["id"] for p in payloads[15:])
    assert report.ok and report.stats.done == 20


def test_unchanged_skipped_changed_sent_outdated_on_request(store: ArticleStore, tmp_path: Path) -> None:
    payloads = short_payloads(6)
    source = write_jsonl(tmp_path / "a.jsonl", payloads)
    workers = FakeWorkers(store)
    try:
        assert job(store, source, workers.send).run().stats.sent == 6
        again = job(store, source, workers.send).run()
        assert (again.stats.sent, again.stats.skipped) == (0, 6)

        payloads[0]["text"] += "\nوأضاف الوزير أن الخطة ستعرض على البرلمان."
        write_jsonl(source, payloads)
        store.r.hset(store.key("art-00001"), "pipeline_version", "normalise-0+section-0")
        changed = job(store, source, workers.send).run()
        assert (changed.stats.sent, changed.stats.skipped, changed.stats.outdated) == (1, 4, 1)
        assert workers.sent[-1] == "art-00000"

        store.r.hset(store.key("art-00001"), "pipeline_version", "normalise-0+section-0")
        rerun = job(store, source, workers.send, reprocess_outdated=True).run()
        assert (rerun.stats.sent, rerun.stats.outdated) == (1, 0) and workers.sent[-1] == "art-00001"
    finally:
        workers.stop()


def test_bad_records_reported_by_line_and_the_run_goes_on(store: ArticleStore, tmp_path: Path) -> None:
    good = short_payloads(3)
    source = tmp_path / "a.jsonl"
    rows = [good[0], '{"id": "x", "text": ', {"id": "n", "text": 7}, good[1],
            {"id": "en", "text": "English words only, here."},
            {"id": "u", "text": ARABIC_LINE, "colour": "red"}, good[2]]
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    workers = FakeWorkers(store)
    try:
        report = job(store, source, workers.send).run()
    finally:
        workers.stop()
    assert [b["where"] for b in report.bad] == ["line 2", "line 3", "line 5", "line 6"]
    assert [b["reason"].split(":")[0] for b in report.bad] == ["malformed JSON", "wrong_type", "not_arabic",
                                                              "malformed_payload"]
    assert report.stats.done == 3 and not report.ok


def test_one_run_per_source_at_a_time(store: ArticleStore, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "a.jsonl", short_payloads(2))
    store.r.set(f"{store.prefix}:backfill:{open_source(source).key}:lock", "someone else")
    with pytest.raises(SourceBusy):
        job(store, source, lambda batch: None).run()
