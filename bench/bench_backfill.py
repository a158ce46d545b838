"""Enqueue rate, and what a waiting article costs Redis.

On a private redis-server with no worker running: times
``khabar.worker.batching.submit_payloads`` (what ``khabar submit`` uses) sending
articles in ``khabar.process_batch`` messages of ``KHABAR_BATCH_SIZE`` (and, for
comparison, one ``khabar.process_article`` message per article), and ``khabar
backfill``, interleaved over rounds; then measures ``INFO memory`` used_memory
before and after enqueueing, per article, against the article's UTF-8 size
(goal: under 2x), for both kinds of message.

    python bench/bench_backfill.py                  # 5,000 articles x 3 rounds
    python bench/bench_backfill.py --articles 20000 --rounds 2
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import articles
from measure import command_stats, median, private_redis, stats_delta, table


def submit_round(mod: Any, payloads: list[dict[str, Any]]) -> float:
    from khabar.worker.batching import submit_payloads

    started = time.perf_counter()
    submit_payloads(mod, payloads)
    return time.perf_counter() - started


def per_article(mod: Any) -> Any:
    """``mod`` with batch_size 1: one khabar.process_article message per article."""
    from types import SimpleNamespace

    return SimpleNamespace(settings=mod.settings.model_copy(update={"batch_size": 1}), app=mod.app)


def backfill_round(env: dict[str, str], source: Path, n: int) -> tuple[float, float] | str:
    """Run ``khabar backfill SOURCE`` in its own process, not waiting for a worker.

    Returns (its own enqueue rate from ``--json``, articles/s over the whole process
    run, start-up included), or a string saying why it could not run.
    """
    import json

    started = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "worker",
            "backfill",
            str(source),
            "--max-in-flight",
            str(n + 1),
            "--no-wait",
            "--no-progress",
            "--json",
        ],
        env=env,
        cwd=articles.ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        return (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1][:160]
    report = json.loads(lines[-1])
    if report["counts"]["sent"] != n:
        return f"sent {report['counts']['sent']} of {n}: {report['state']}"
    return float(report["enqueue_rate"]), n / seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=5000, help="articles per round (default 5000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument(
        "--memory-articles",
        type=int,
        default=2000,
        help="articles enqueued for the memory measurement (default 2000)",
    )
    articles.add_shared_option(parser)
    args = parser.parse_args()

    texts = articles.load_texts(args.shared)
    has_backfill = importlib.util.find_spec("khabar.worker.backfill") is not None
    print(f"articles: {texts.source}")
    print(
        f"{args.articles} articles per round, {args.rounds} rounds; no worker running; "
        f"khabar backfill: {'present' if has_backfill else 'absent (worker/backfill.py not on this branch)'}"
    )

    with private_redis() as server, tempfile.TemporaryDirectory(prefix="khabar-bench-") as tmp:
        from tests.support import worker_env

        env = worker_env(server.url, Path(tmp) / "data")
        os.environ.update(REDIS_URL=server.url, KHABAR_DATA_DIR=str(Path(tmp) / "data"))
        from khabar.worker import app as mod

        client = server.client()
        source = Path(tmp) / "articles.jsonl"
        if has_backfill:
            with source.open("w", encoding="utf-8") as f:
                for p in articles.payloads(texts, args.articles, "file"):
                    f.write(json.dumps(p, ensure_ascii=False) + "\n")

        submit_round(mod, articles.payloads(texts, 50, "warm"))  # connections, imports
        single = per_article(mod)
        rates: dict[str, list[float | str]] = {
            "submit_payloads": [],
            "submit_payloads, a message per article": [],
            "khabar backfill": [],
            "khabar backfill, whole process": [],
        }
        cmds: dict[str, int] = {}
        for r in range(args.rounds):
            client.flushall()
            before = command_stats(client)
            seconds = submit_round(mod, articles.payloads(texts, args.articles, f"r{r}"))
            delta = stats_delta(before, command_stats(client))
            cmds = {k: cmds.get(k, 0) + v for k, v in delta.items() if k != "info"}
            rates["submit_payloads"].append(args.articles / seconds)
            client.flushall()
            rates["submit_payloads, a message per article"].append(
                args.articles / submit_round(single, articles.payloads(texts, args.articles, f"s{r}"))
            )
            if has_backfill:
                client.flushall()
                result = backfill_round(env, source, args.articles)
                rates["khabar backfill"].append(result if isinstance(result, str) else result[0])
                rates["khabar backfill, whole process"].append(
                    result if isinstance(result, str) else result[1]
                )

        rows = []
        for name, values in rates.items():
            if not values:
                continue
            numbers = [v for v in values if isinstance(v, float)]
            rows.append(
                [
                    name,
                    *(v if isinstance(v, float) else "failed" for v in values),
                    median(numbers) if numbers else float("nan"),
                ]
            )
        print()
        print(
            table(
                ["enqueue path", *(f"round {i + 1} art/s" for i in range(args.rounds)), "median art/s"], rows
            )
        )
        print(
            "(goal: at least 2,000 articles/s. `khabar backfill` reads a JSON Lines file and validates each\n"
            " article before sending; its own rate is from its --json report; the whole-process one\n"
            " includes Python start-up)"
        )
        for name, values in rates.items():
            for v in values:
                if isinstance(v, str):
                    print(f"{name} failed: {v}")
        n = args.articles * args.rounds
        print(f"\nRedis commands per article enqueued by submit_payloads ({n} articles):")
        print(
            table(
                ["command", "per article"],
                [[k, v / n] for k, v in sorted(cmds.items(), key=lambda kv: -kv[1])],
            )
        )

        # Memory: what a waiting article holds in Redis (queue message + article hash).
        for label, sender in (("batches", mod), ("a message per article", single)):
            client.flushall()
            payloads = articles.payloads(texts, args.memory_articles, "mem")
            text_bytes = sum(len(str(p["text"]).encode("utf-8")) for p in payloads) / len(payloads)
            used_before = int(client.info("memory")["used_memory"])
            submit_round(sender, payloads)
            used_after = int(client.info("memory")["used_memory"])
            per_article_bytes = (used_after - used_before) / len(payloads)
            queued = client.llen(mod.settings.queue_prefix)
            sample = client.lindex(mod.settings.queue_prefix, 0) or b""
            print(f"\nRedis memory per waiting article, {label} ({len(payloads)} articles, {queued} messages "
                  "queued):")
            print(
                table(
                    ["what", "bytes"],
                    [
                        ["article text, UTF-8 (mean)", text_bytes],
                        ["used_memory delta per article", per_article_bytes],
                        ["one queued message (LINDEX, serialised)", len(sample)],
                    ],
                )
            )
            print(f"ratio memory / text, {label}: {per_article_bytes / text_bytes:.2f}  (goal < 2)")


if __name__ == "__main__":
    main()
