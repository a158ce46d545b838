"""A worker's resident memory after warm-up, and how long it takes to start taking tasks.

On a private redis-server: starts ``khabar worker -c N`` with one article already
waiting, and times (a) Popen to the ``ready.`` log line, (b) Popen to that first
article being ``done``, and (c) (b) minus the article's own stage time from its
document: the start-up cost (goal: under 5 s).  Then sends more articles to warm
the worker up and reads RSS (and USS, the pages a process does not share) of the
main process and each child with psutil (goal: each under 300 MB); it also says
whether torch was loaded (from /proc/PID/maps) and how long ``import
khabar.worker.tasks`` takes.

    python bench/bench_worker.py                 # 3 start-ups, 100 warm-up articles, -c 2
    python bench/bench_worker.py --starts 5 --warmup 300 --concurrency 1
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import articles
from measure import median, private_redis, table

from tests.support import Worker, worker_env


class TimedWorker(Worker):
    """``khabar worker`` started with ``launch()`` (no waiting), so the caller can time it."""


def wait_done(store: Any, ids: list[str], timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    pending = list(ids)
    while pending:
        if time.monotonic() > deadline:
            raise SystemExit(f"{len(pending)} article(s) not done after {timeout:g} s")
        status = store.status(pending[0])
        if status == "failed":
            raise SystemExit(f"article {pending[0]} failed: {store.document(pending[0])}")
        if status == "done":
            pending.pop(0)
        else:
            time.sleep(0.01)


def one_start(
    client: Any, store: Any, env: dict[str, str], log: Path, concurrency: int, run: str, texts: articles.Texts
) -> tuple[dict[str, float], TimedWorker]:
    from khabar.worker.batching import submit_payloads

    [first] = submit_payloads(client, articles.payloads(texts, 1, f"{run}-first"))
    worker = TimedWorker(env, log, concurrency=concurrency, name=f"bench-{run}")
    started = worker.launch()
    ready = done = None
    while done is None:
        now = time.monotonic()
        if now - started > 120:
            worker.stop()
            raise SystemExit(f"no article done 120 s after start; log: {log.read_text()[-2000:]}")
        if worker.proc is not None and worker.proc.poll() is not None:
            raise SystemExit(f"worker exited with {worker.proc.returncode}; log: {log.read_text()[-2000:]}")
        if ready is None and b"ready." in log.read_bytes():
            ready = now - started
        if store.status(first) == "done":
            done = now - started
        time.sleep(0.005)
    doc = store.document(first)
    processing = sum(s["seconds"] for s in doc["stages"].values())
    return {
        "ready": ready if ready is not None else done,
        "first done": done,
        "start-up": done - processing,
        "article": processing,
    }, worker


def torch_loaded(pid: int) -> bool:
    try:
        return "libtorch" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def import_seconds() -> float:
    """Seconds ``import khabar.worker.tasks`` takes in a fresh interpreter (python -X importtime)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import khabar.worker.tasks"],
        cwd=articles.ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(articles.ROOT)},
    )
    totals = [
        int(m.group(1))
        for m in re.finditer(r"import time:\s+\d+ \|\s+(\d+) \| +khabar\.worker\.tasks$", proc.stderr, re.M)
    ]
    return totals[-1] / 1e6 if totals else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--starts", type=int, default=3, help="worker start-ups to time (default 3)")
    parser.add_argument("--warmup", type=int, default=100, help="articles processed before reading RSS")
    parser.add_argument("--concurrency", "-c", type=int, default=2, help="worker processes (default 2)")
    articles.add_shared_option(parser)
    args = parser.parse_args()

    from khabar.config.settings import Settings

    texts = articles.load_texts(args.shared)
    settings = Settings()
    print(f"articles: {texts.source}")
    print(f"NER backend configured: {settings.ner_backend!r}; khabar worker -c {args.concurrency}")

    with private_redis() as server, tempfile.TemporaryDirectory(prefix="khabar-bench-") as tmp:
        os.environ.update(REDIS_URL=server.url, KHABAR_DATA_DIR=str(Path(tmp) / "data"))
        from khabar.worker import app as client
        from khabar.worker.runtime import store_for

        env = worker_env(server.url, Path(tmp) / "data")
        store = store_for(client.settings, server.url)
        starts = []
        worker = None
        for i in range(args.starts):
            if worker is not None:
                worker.stop()
            figures, worker = one_start(
                client, store, env, Path(tmp) / f"worker-{i}.log", args.concurrency, f"s{i}", texts
            )
            starts.append(figures)
        rows = [
            [i + 1, s["ready"], s["first done"], s["article"] * 1000, s["start-up"]]
            for i, s in enumerate(starts)
        ]
        rows.append(
            [
                "median",
                *(median([s[k] for s in starts]) for k in ("ready", "first done")),
                median([s["article"] for s in starts]) * 1000,
                median([s["start-up"] for s in starts]),
            ]
        )
        print("\nStart-up (first article waiting in the queue before the worker starts):")
        print(table(["start", "s to 'ready.'", "s to first done", "article stage ms", "start-up s"], rows))
        print(
            f"(goal: taking tasks within 5 s: "
            f"{'met' if median([s['start-up'] for s in starts]) < 5 else 'NOT met'})"
        )

        assert worker is not None and worker.proc is not None
        from khabar.worker.batching import submit_payloads

        try:
            wait_done(store, submit_payloads(client, articles.payloads(texts, args.warmup, "warm")))
            import psutil

            main_proc = psutil.Process(worker.proc.pid)
            procs = [("main", main_proc)] + [
                (f"child {i + 1}", c) for i, c in enumerate(main_proc.children())
            ]
            mem_rows = []
            for name, p in procs:
                info = p.memory_full_info()
                mem_rows.append(
                    [name, p.pid, info.rss / 2**20, info.uss / 2**20, "yes" if torch_loaded(p.pid) else "no"]
                )
        finally:
            worker.stop()
        print(f"\nResident memory after {args.warmup} warm-up articles (MiB):")
        print(table(["process", "pid", "RSS", "USS (own pages)", "torch loaded"], mem_rows))
        worst = max(r[2] for r in mem_rows)
        print(
            f"(goal: each process under 300 MB resident: largest {worst * 2**20 / 1e6:.0f} MB, "
            f"{'met' if worst * 2**20 < 300e6 else 'NOT met'})"
        )
    seconds = import_seconds()
    print(f"\n`import khabar.worker.tasks` in a fresh interpreter: {seconds:.2f} s (python -X importtime)")


if __name__ == "__main__":
    main()
