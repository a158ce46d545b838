"""Hostile but legal articles (tests/hostile.py) through a real worker on a real Redis, and through
``khabar process``: each ends ``done`` or ``failed`` with an input reason within the soft time limit,
no worker process exits, no child grows past 1 GB, and a good article sent after them completes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from khabar.config.settings import Settings
from khabar.worker.store import ArticleStore
from tests import corpus, hostile
from tests.conftest import celery_client
from tests.reliability.helpers import FAST, comparable, expected_document, wait_for
from tests.support import ROOT, worker_env

# FAST's limits, widened so that a loaded 2-core CI machine cannot turn slowness into a timeout:
# what is checked is that every stage ends well inside them.
SOFT = 20.0
SETTINGS = {**FAST, "soft_time_limit": str(SOFT), "hard_time_limit": "30", "visibility_timeout": "70"}
GIGABYTE = 1 << 30


class PeakRss:
    """Samples the RSS of a worker's children until stopped; remembers every child seen and its peak."""

    def __init__(self, main_pid: int) -> None:
        self.main = psutil.Process(main_pid)
        self.peak: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                children = self.main.children()
            except psutil.NoSuchProcess:
                return
            for child in children:
                try:
                    rss = child.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
                self.peak[child.pid] = max(self.peak.get(child.pid, 0), rss)
            self._stop.wait(0.05)


def test_hostile_articles_end_with_a_document_or_an_input_reason_and_hurt_no_worker(
    clean_redis, make_worker
) -> None:
    worker = make_worker(clean_redis.url, concurrency=2, **SETTINGS)
    first_children = set(worker.children())
    payloads = {k.name: hostile.payload(k, article_id=f"hostile-{k.name}") for k in hostile.KINDS}
    good = corpus.payloads(1, start=4242)[0]
    client = celery_client(clean_redis.url)
    store = ArticleStore(clean_redis.client())
    started = time.monotonic()
    with PeakRss(worker.proc.pid) as rss:
        for p in payloads.values():
            client.send_task("khabar.process_article", args=[p], queue="khabar")
        client.send_task("khabar.process_article", args=[good], queue="khabar")
        docs = wait_for(store, [str(p["id"]) for p in payloads.values()] + [str(good["id"])], timeout=150)
    took = time.monotonic() - started

    outcomes = {}
    for kind in hostile.KINDS:
        doc = docs[f"hostile-{kind.name}"]
        outcomes[kind.name] = doc["status"] if doc["status"] == "done" else doc["error"]["reason"]
        if kind.reason is None:
            assert doc["status"] == "done", (kind.name, doc.get("error"))
            assert doc["text"].strip() and doc["summary"]["text"], kind.name
            slowest = max(run["seconds"] for run in doc["stages"].values())
            assert slowest < SOFT, (kind.name, doc["stages"])
        else:
            assert doc["status"] == "failed" and doc["error"]["reason"] == kind.reason, (kind.name, doc["error"])
    assert comparable(docs[str(good["id"])]) == comparable(expected_document(good))
    # The caps travel through Redis with the stage records and reach the document.
    assert [c["name"] for c in docs["hostile-dots-900000"]["caps"]] == ["symbol_run"]
    # 180,000 tokens, 20,000 sentences: both caps of the later stages bind.
    assert [c["name"] for c in docs["hostile-sentence-x20000"]["caps"]] == ["tagged_tokens", "ranked_sentences"]
    assert docs[str(good["id"])]["caps"] == []

    # No process exited: the main process runs and its children are the ones it started with.
    assert worker.proc.poll() is None
    assert set(worker.children()) == first_children
    assert set(rss.peak) == first_children, "a child was replaced"
    peaks = {pid: round(v / 2**20) for pid, v in rss.peak.items()}
    print(f"hostile suite: {len(payloads)} kinds + 1 good article in {took:.1f} s; child peak RSS MB {peaks}; "
          f"outcomes {outcomes}")
    assert max(rss.peak.values()) < GIGABYTE


def test_khabar_process_returns_within_the_soft_time_limit_on_every_hostile_input(tmp_path: Path) -> None:
    """The command line, with the default recogniser (the CRF), each input in its own process, two at a time.

    Checked on the CPU seconds of each process (from ``wait4``): on a shared machine other work
    stretches wall-clock time by a factor that says nothing of the input; wall time is printed.
    """
    soft = Settings().soft_time_limit
    env = worker_env("redis://127.0.0.1:1/0", tmp_path / "data")  # process needs no Redis
    files = []
    for kind in hostile.KINDS:
        path = tmp_path / f"{kind.name}.{'html' if kind.kind == 'html' else 'txt'}"
        path.write_text(kind.make(1.0), encoding="utf-8")
        files.append((kind, path))
    results: dict[str, tuple[float, float, int, str, str]] = {}
    pending = list(files)
    running: dict[str, tuple[subprocess.Popen[bytes], float, Path]] = {}
    while pending or running:
        while pending and len(running) < 2:
            kind, path = pending.pop(0)
            with open(path.with_suffix(".out"), "wb") as out, open(path.with_suffix(".err"), "wb") as err:
                proc = subprocess.Popen([sys.executable, "-m", "khabar.worker", "process", str(path)], env=env,
                                        cwd=ROOT, stdout=out, stderr=err)
            running[kind.name] = (proc, time.monotonic(), path)
        for name, (proc, began, path) in list(running.items()):
            if time.monotonic() - began > 4 * soft:
                proc.kill()
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                del running[name]
                results[name] = (usage.ru_utime + usage.ru_stime, time.monotonic() - began, proc.returncode,
                                 path.with_suffix(".out").read_text(encoding="utf-8")[:100],
                                 path.with_suffix(".err").read_text(encoding="utf-8"))
        time.sleep(0.05)
    print({name: (round(r[0], 1), round(r[1], 1)) for name, r in results.items()}, "(CPU s, wall s)")
    for kind in hostile.KINDS:
        cpu, _, code, out, err = results[kind.name]
        assert cpu < soft, (kind.name, cpu)
        if kind.reason is None:
            assert code == 0 and out.startswith("{"), (kind.name, err[-500:])
        else:
            assert code == 1 and f"rejected: {kind.reason}:" in err, (kind.name, err[-500:])
