"""The news archive at scale: every article of ``../shared/data/news/`` through the pipeline.

In process (``khabar.tasks.pipeline.process_payload``, the code ``khabar process`` runs) in
``--processes`` worker processes, then a sample through a real ``khabar worker`` on a private
Redis.  Each article is sent as the reader saw it: its title, a blank line, its text.  Prints:
articles, done, rejected by reason, the rejected articles that are plainly Arabic prose (the
target is none: each one is listed with its reason, to be read), the time per article
(p50/p99, the in-process stage time) and the slowest articles.

Plainly Arabic prose: at least 200 letters, 90% of them Arabic, in lines of running text
(the test is deliberately independent of the pipeline's own checks).

    python bench/bench_archive.py                         # all 27,708 articles in process, 300 via a worker
    python bench/bench_archive.py --limit 2000 --worker 0  # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import articles
from measure import percentile, private_redis, table

NEWS = Path("data") / "news" / "ant-v2.1-4-outlets.jsonl"
_ARABIC = re.compile(r"[\u0621-\u064a\u0671-\u06d3]")
_LETTER = re.compile(r"[^\W\d_]")

_state: dict[str, Any] = {}


def load(shared: Path, limit: int | None) -> list[dict[str, Any]]:
    path = shared / NEWS
    if not path.exists():
        raise SystemExit(f"{path} not found: this benchmark needs the team's shared data (../shared)")
    rows = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            rows.append(json.loads(line))
            if limit and len(rows) >= limit:
                break
    return rows


def payload(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "text": f"{row['title']}\n\n{row['text']}",
        "url": row["url"],
        "source": row["source"],
        "published_at": row["published_at"],
    }


def plainly_arabic(text: str) -> bool:
    """At least 200 letters, 90% Arabic, and a line of running text (ten words or more)."""
    letters = len(_LETTER.findall(text))
    arabic = len(_ARABIC.findall(text))
    return letters >= 200 and arabic >= 0.9 * letters and any(len(ln.split()) >= 10 for ln in text.splitlines())


def _init() -> None:
    from khabar.config.settings import Settings
    from khabar.worker.runtime import budget_from, limits_from, resources_from

    settings = Settings()
    _state.update(limits=limits_from(settings), budget=budget_from(settings), resources=resources_from(settings))


def _one(row: dict[str, Any]) -> tuple[str, str, float, str]:
    """(id, "done" or the reason, seconds in the pipeline, detail)."""
    from khabar.tasks.errors import InvalidArticle
    from khabar.tasks.pipeline import process_payload

    started = time.perf_counter()
    try:
        process_payload(payload(row), _state["limits"], _state["budget"], _state["resources"])
        outcome, detail = "done", ""
    except InvalidArticle as exc:
        outcome, detail = exc.reason.value, exc.detail
    except Exception as exc:  # a bug: counted and shown, never hidden
        outcome, detail = "error", f"{type(exc).__name__}: {exc}"
    return row["id"], outcome, time.perf_counter() - started, detail


def in_process(rows: list[dict[str, Any]], processes: int) -> list[tuple[str, str, float, str]]:
    with ProcessPoolExecutor(processes, initializer=_init) as pool:
        return list(pool.map(_one, rows, chunksize=64))


def through_worker(rows: list[dict[str, Any]], concurrency: int) -> tuple[Counter[str], float]:
    """Outcomes by reason of ``rows`` sent to a real worker, and the wall seconds it took."""
    from tests.support import Worker, worker_env

    with private_redis() as server, tempfile.TemporaryDirectory(prefix="khabar-archive-") as tmp:
        os.environ.update(REDIS_URL=server.url, KHABAR_DATA_DIR=str(Path(tmp) / "data"))
        from khabar.worker import app as client
        from khabar.worker.cli.main import submit_payloads
        from khabar.worker.runtime import store_for

        store = store_for(client.settings, server.url)
        worker = Worker(
            worker_env(server.url, Path(tmp) / "data"),
            Path(tmp) / "worker.log",
            concurrency=concurrency,
            name="archive",
        ).start()
        try:
            started = time.monotonic()
            ids = submit_payloads(client, [payload(r) for r in rows])
            outcomes: Counter[str] = Counter()
            pending = set(ids)
            deadline = time.monotonic() + 60 + 2 * len(ids)
            while pending and time.monotonic() < deadline:
                for article_id in list(pending):
                    status = store.status(article_id)
                    if status == "done":
                        outcomes["done"] += 1
                    elif status == "failed":
                        error = (store.document(article_id) or {}).get("error") or {}
                        outcomes[error.get("reason", "?")] += 1
                    else:
                        continue
                    pending.discard(article_id)
                time.sleep(0.2)
            outcomes["not finished"] += len(pending)
            return outcomes, time.monotonic() - started
        finally:
            worker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--processes", type=int, default=2, help="in-process worker processes (default 2)")
    parser.add_argument("--worker", type=int, default=300, help="articles sent through a real worker (0: none)")
    parser.add_argument("--slowest", type=int, default=10, help="slowest articles to list")
    articles.add_shared_option(parser)
    args = parser.parse_args()

    rows = load(args.shared, args.limit)
    by_id = {r["id"]: r for r in rows}
    started = time.monotonic()
    results = in_process(rows, args.processes)
    wall = time.monotonic() - started
    outcomes = Counter(outcome for _, outcome, _, _ in results)
    rejected = [(i, o, d) for i, o, _, d in results if o != "done"]
    arabic_rejected = [(i, o, d) for i, o, d in rejected if plainly_arabic(payload(by_id[i])["text"])]
    times = sorted(seconds * 1000 for _, _, seconds, _ in results)

    print(f"{len(rows):,} articles of {args.shared / NEWS}; {args.processes} processes; {wall:.0f} s wall")
    table_rows = [["articles", len(rows)], ["done", outcomes.pop("done", 0)]]
    table_rows += [[f"rejected: {reason}", n] for reason, n in sorted(outcomes.items())]
    table_rows += [
        ["rejected, plainly Arabic prose", len(arabic_rejected)],
        ["ms per article, p50", percentile(times, 50)],
        ["ms per article, p99", percentile(times, 99)],
        ["ms per article, max", times[-1] if times else 0.0],
    ]
    print(table(["in process (process_payload)", "value"], table_rows))
    for article_id, reason, detail in arabic_rejected:
        print(f"  PLAINLY ARABIC, REJECTED: {article_id} {reason}: {detail[:160]}")
    for article_id, reason, detail in rejected[:20]:
        print(f"  rejected: {article_id} {reason}: {detail[:160]}")
    slowest = sorted(results, key=lambda r: -r[2])[: args.slowest]
    print(
        table(
            ["slowest article", "ms", "characters", "outcome"],
            [[i, s * 1000, len(by_id[i]["text"]), o] for i, o, s, _ in slowest],
        )
    )

    if args.worker:
        sample = rows[:: max(1, len(rows) // args.worker)][: args.worker]
        worker_outcomes, seconds = through_worker(sample, args.processes)
        expected = Counter(o for i, o, _, _ in results if i in {r["id"] for r in sample})
        print(
            f"\nthrough a real worker (-c {args.processes}), every {max(1, len(rows) // args.worker)}th article: "
            f"{len(sample)} in {seconds:.0f} s"
        )
        print(
            table(
                ["outcome", "worker", "in process, same articles"],
                [
                    [k, worker_outcomes.get(k, 0), expected.get(k, 0)]
                    for k in sorted(set(worker_outcomes) | set(expected))
                ],
            )
        )
    sys.exit(1 if arabic_rejected or any(o == "error" for _, o, _, _ in results) else 0)


if __name__ == "__main__":
    main()
