"""Celery pipeline against the same stages in-process, on the same articles and cores.

Starts a private redis-server and one ``khabar worker -c N`` (prefork), and a
multiprocessing pool of N in-process runners (``tasks.pipeline.process_payload``).
Each round sends the same articles (fresh ids) through both, interleaved, and
prints articles/s of each and their ratio, then the median ratio, and what the
Celery path cost Redis: commands per article and result-backend keys left.

    python bench/bench_celery.py                 # 200 articles x 3 rounds, -c 2
    python bench/bench_celery.py --articles 400 --rounds 4 --concurrency 1
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import articles
from measure import child_pids, command_stats, cpu_seconds, median, private_redis, stats_delta, table

_resources: Any = None


def _init_inprocess() -> None:
    """Pool initialiser: build the stage resources once per process, as a worker child does."""
    global _resources
    from config.settings import Settings
    from worker.runtime import budget_from, limits_from, resources_from

    settings = Settings()
    _resources = (limits_from(settings), budget_from(settings), resources_from(settings))


def _run_inprocess(payload: dict[str, Any]) -> int:
    from tasks.pipeline import process_payload

    limits, budget, resources = _resources
    return len(process_payload(payload, limits, budget, resources)["text"])


def inprocess_round(pool: Any, payloads: list[dict[str, Any]], processes: int) -> float:
    started = time.perf_counter()
    pool.map(_run_inprocess, payloads, chunksize=max(1, len(payloads) // (processes * 8)))
    return time.perf_counter() - started


def wait_done(store: Any, ids: list[str], timeout: float) -> float:
    """Wait until every article is done; return the latest ``updated_at`` (Unix time)."""
    pending = list(ids)
    latest = 0.0
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise SystemExit(f"{len(pending)} article(s) not done after {timeout:g} s (e.g. {pending[0]})")
        # Articles finish roughly in the order sent: look at the first few pending
        # only, so that polling costs Redis and this process next to nothing.
        head = pending[:20]
        pipe = store.r.pipeline(transaction=False)
        for i in head:
            pipe.hmget(store.key(i), ["status", "updated_at"])
        done = set()
        for i, (status, updated) in zip(head, pipe.execute(), strict=True):
            if status == b"done":
                latest = max(latest, float(updated))
                done.add(i)
            elif status == b"failed":
                raise SystemExit(f"article {i} failed: {store.document(i)}")
        pending = [i for i in pending if i not in done]
        if pending and not done:
            time.sleep(0.02)
    return latest


def celery_round(mod: Any, store: Any, payloads: list[dict[str, Any]], timeout: float) -> float:
    from worker.cli.main import submit_payloads

    started = time.time()
    ids = submit_payloads(mod, payloads)
    return wait_done(store, ids, timeout) - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=200, help="articles per round (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of each (default 3)")
    parser.add_argument(
        "--concurrency", "-c", type=int, default=2, help="worker and pool processes (default 2)"
    )
    parser.add_argument("--warmup", type=int, default=20, help="articles sent through each before timing")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for one Celery round")
    articles.add_shared_option(parser)
    args = parser.parse_args()

    texts = articles.load_texts(args.shared)
    print(f"articles: {texts.source}")
    print(
        f"{args.articles} articles per round, {args.rounds} rounds, {args.concurrency} processes each, "
        f"{os.cpu_count()} CPUs"
    )

    with private_redis() as server, tempfile.TemporaryDirectory(prefix="khabar-bench-") as tmp:
        from tests.support import Worker, worker_env

        env = worker_env(server.url, Path(tmp) / "data")
        os.environ.update(REDIS_URL=server.url, KHABAR_DATA_DIR=str(Path(tmp) / "data"))
        from worker import app as mod
        from worker.runtime import store_for

        store = store_for(mod.settings, server.url)
        log = Path(tmp) / "worker.log"
        worker = Worker(env, log, concurrency=args.concurrency, name="bench").start()
        ctx = mp.get_context("fork")
        pool = ctx.Pool(args.concurrency, initializer=_init_inprocess)
        try:
            celery_round(mod, store, articles.payloads(texts, args.warmup, "warm"), args.timeout)
            inprocess_round(pool, articles.payloads(texts, args.warmup, "warm"), args.concurrency)
            rows = []
            ratios = []
            # CPU seconds by process group, summed over the rounds.
            groups = {
                "in-process pool": lambda: [p.pid for p in pool._pool],
                "worker children": lambda: child_pids(worker.proc.pid),
                "worker main": lambda: [worker.proc.pid],
                "redis-server": lambda: [server.proc.pid],
                "this script": lambda: [os.getpid()],
            }
            cpu: dict[str, dict[str, float]] = {
                "inprocess": dict.fromkeys(groups, 0.0),
                "celery": dict.fromkeys(groups, 0.0),
            }
            cmds_before = command_stats(server.client())
            for r in range(args.rounds):
                payloads = articles.payloads(texts, args.articles, f"r{r}")
                # Alternate which goes first so neither always follows the other's leftovers.
                order = ("inprocess", "celery") if r % 2 == 0 else ("celery", "inprocess")
                seconds: dict[str, float] = {}
                for which in order:
                    before = {g: cpu_seconds(pids()) for g, pids in groups.items()}
                    if which == "inprocess":
                        seconds[which] = inprocess_round(pool, payloads, args.concurrency)
                    else:
                        seconds[which] = celery_round(mod, store, payloads, args.timeout)
                    for g, pids in groups.items():
                        cpu[which][g] += cpu_seconds(pids()) - before[g]
                a_in = args.articles / seconds["inprocess"]
                a_ce = args.articles / seconds["celery"]
                ratios.append(a_ce / a_in)
                rows.append([r + 1, a_in, a_ce, a_ce / a_in])
            cmds = stats_delta(cmds_before, command_stats(server.client()))
        finally:
            pool.terminate()
            worker.stop()

        print()
        print(table(["round", "in-process art/s", "celery art/s", "celery/in-process"], rows))
        print(f"\nmedian ratio celery/in-process: {median(ratios):.3f}  (goal >= 0.85)")

        n = args.articles * args.rounds
        print(
            f"\nCPU ms per article, by process (summed over rounds; {os.cpu_count()} CPUs shared with "
            "whatever else runs on this machine):"
        )
        print(
            table(
                ["process", "in-process run", "celery run"],
                [[g, cpu["inprocess"][g] * 1000 / n, cpu["celery"][g] * 1000 / n] for g in groups]
                + [
                    [
                        "total",
                        sum(cpu["inprocess"].values()) * 1000 / n,
                        sum(cpu["celery"].values()) * 1000 / n,
                    ]
                ],
            )
        )
        total = sum(v for k, v in cmds.items() if k not in ("info",))
        print(
            f"\nRedis commands per article through Celery (INFO commandstats, {n} articles, "
            "includes this script's polling):"
        )
        top = sorted(((k, v) for k, v in cmds.items() if k != "info"), key=lambda kv: -kv[1])
        print(table(["command", "calls", "per article"], [[k, v, v / n] for k, v in top]))
        print(f"total per article: {total / n:.1f}")
        client = server.client()
        meta = sum(1 for _ in client.scan_iter(match="celery-task-meta-*", count=1000))
        print(f"\nresult-backend keys (celery-task-meta-*) after {n + 2 * args.warmup} articles: {meta}")


if __name__ == "__main__":
    main()
