"""Celery pipeline against the same stages in-process, on the same articles and cores.

Starts a private redis-server and one ``khabar worker -c N`` (prefork), and a
multiprocessing pool of N in-process runners (``khabar.tasks.pipeline.process_payload``).
Each round sends the same articles (fresh ids) through both, interleaved, and
prints articles/s of each and their ratio, then the median ratio; then where the
CPU went (by process), the ratio of CPU per article (far less sensitive to other
load than wall time), and what the Celery path cost Redis (commands per article,
result-backend keys left).

Two Celery arms run by default, each with its own redis-server and worker:
``celery`` sends as ``khabar submit`` and ``khabar backfill`` do (batches of
``KHABAR_BATCH_SIZE`` articles, ``khabar.process_batch``); ``per-article`` sends
one ``khabar.process_article`` per article, as a system that sends articles one
at a time does (``--no-per-article`` leaves it out); the worker takes such messages in
together (celery-batches) and runs them down the same path as a batch.

Then, on the per-article arm: the time to the first done article with ``--queued`` (600)
single-article messages queued at once (fairness: stages are not starved by the intake),
and steady intake at 80 % of the capacity the rounds measured for ``--steady-seconds``
(30 s): arrival and completion rates, p50/p95 latency from send to stored document.

``--compare NAME='{"celery_setting": value}'`` adds a Celery arm whose worker and
client run with those settings overridden, to measure what a setting costs side
by side, e.g. the task events Flower needs:

    python bench/bench_celery.py                 # 1200 articles x 5 rounds, -c 2, then 600 queued, then 30 s steady
    python bench/bench_celery.py --articles 400 --rounds 4 --concurrency 1
    python bench/bench_celery.py --compare no-events='{"worker_send_task_events": false,
                                                       "task_send_sent_event": false}'

Pseudo-settings: ``{"bench_concurrency": 1}`` runs that arm's worker with one
process (how throughput grows with processes); ``{"bench_batch_size": 8}`` sends
batches of 8; ``{"bench_settings": {"log_level": "WARNING"}}`` starts that arm's worker
with those khabar settings (``KHABAR_*``); ``{"bench_whole_article": true}`` measures a what-if that is not
khabar's design, one task per article running every stage (see
bench/celery_variant_worker.py).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import articles
from measure import child_pids, command_stats, cpu_seconds, median, private_redis, stats_delta, table

from tests.support import RedisServer, Worker, worker_env

_resources: Any = None


def _init_inprocess(gc_dir: str | None = None) -> None:
    """Pool initialiser: build the stage resources once per process, as a worker child does."""
    global _resources
    if gc_dir:  # --gc-probe: the same probe as the workers' (bench/gc_probe/sitecustomize.py)
        import runpy

        os.environ["KHABAR_BENCH_GC_DIR"] = gc_dir
        runpy.run_path(str(Path(__file__).with_name("gc_probe") / "sitecustomize.py"))
    from khabar.config.settings import Settings
    from khabar.worker.runtime import budget_from, limits_from, resources_from

    settings = Settings()
    _resources = (limits_from(settings), budget_from(settings), resources_from(settings))


def _run_inprocess(payload: dict[str, Any]) -> int:
    from khabar.tasks.pipeline import process_payload

    limits, budget, resources = _resources
    return len(process_payload(payload, limits, budget, resources)["text"])


class VariantWorker(Worker):
    """A ``khabar worker`` whose Celery settings are overridden (bench/celery_variant_worker.py)."""

    program = (str(Path(__file__).with_name("celery_variant_worker.py")),)


@dataclass
class CeleryArm:
    """One Celery configuration under test: its own redis-server, worker and client app."""

    name: str
    overrides: dict[str, Any]
    server: RedisServer
    worker: Worker
    client: Any  # SimpleNamespace(settings, app), what submit_payloads takes
    store: Any
    seconds: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    commands: dict[str, int] = field(default_factory=dict)
    gc_dir: Path | None = None  # --gc-probe: collector totals of this arm's worker processes, a file per pid


def collector_totals(gc_dir: Path, pids: list[int]) -> tuple[float, int, int]:
    """CPU seconds in the collector, collections and full collections, summed over these processes."""
    seconds, collections, full = 0.0, 0, 0
    names = {str(p) for p in pids}
    for f in gc_dir.iterdir():
        if f.name in names:
            s, g0, g1, g2 = f.read_text().split()
            seconds, collections, full = seconds + float(s), collections + int(g0) + int(g1) + int(g2), full + int(g2)
    return seconds, collections, full


def start_arm(
    name: str, overrides: dict[str, Any], concurrency: int, tmp: Path, stack: Any, gc_probe: bool = False
) -> CeleryArm:
    from khabar.config.settings import Settings
    from khabar.worker.app import create_app
    from khabar.worker.runtime import store_for

    server = stack.enter_context(private_redis())
    env = worker_env(server.url, tmp / name / "data",
                     **{k: str(v) for k, v in overrides.get("bench_settings", {}).items()})
    if gc_probe:
        (tmp / name / "gc").mkdir(parents=True)
        env["PYTHONPATH"] = f"{Path(__file__).with_name('gc_probe')}{os.pathsep}{env['PYTHONPATH']}"
        env["KHABAR_BENCH_GC_DIR"] = str(tmp / name / "gc")
    kind = Worker
    concurrency = int(overrides.get("bench_concurrency", concurrency))
    # Celery settings, and the what-if switch that bench/celery_variant_worker.py reads.
    conf = {k: v for k, v in overrides.items() if not k.startswith("bench_") or k == "bench_whole_article"}
    if conf:
        env["KHABAR_BENCH_CELERY_CONF"] = json.dumps(conf)
        kind = VariantWorker
    worker = kind(env, tmp / f"worker-{name}.log", concurrency=concurrency, name=f"bench-{name}").start()
    stack.callback(worker.stop)
    os.environ["REDIS_URL"] = server.url  # read by create_app through the settings
    # The client's batch size (messages of that many articles; 1: a process_article each).
    settings = Settings(**({"batch_size": overrides["bench_batch_size"]} if "bench_batch_size" in overrides else {}))
    app = create_app(settings)
    app.conf.update({k: v for k, v in overrides.items() if not k.startswith("bench_")})
    return CeleryArm(
        name,
        overrides,
        server,
        worker,
        SimpleNamespace(settings=settings, app=app),
        store_for(settings, server.url),
        gc_dir=tmp / name / "gc" if gc_probe else None,
    )


def wait_done(store: Any, ids: list[str], timeout: float) -> float:
    """Wait until every article is done; return the latest ``updated_at`` (Unix time)."""
    pending = list(ids)
    latest = 0.0
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise SystemExit(f"{len(pending)} article(s) not done after {timeout:g} s (e.g. {pending[0]})")
        # One article at a time, so that polling costs Redis and this process next to nothing.
        status, updated = store.r.hmget(store.key(pending[0]), ["status", "updated_at"])
        if status == b"done":
            latest = max(latest, float(updated))
            pending.pop(0)
        elif status == b"failed":
            raise SystemExit(f"article {pending[0]} failed: {store.document(pending[0])}")
        else:
            time.sleep(0.05)  # the end time is read from updated_at, so this costs no accuracy
    return latest


def celery_round(arm: CeleryArm, payloads: list[dict[str, Any]], timeout: float) -> float:
    from khabar.worker.batching import submit_payloads

    started = time.time()
    if arm.overrides.get("bench_whole_article"):
        ids = submit_whole_articles(arm, payloads)
    else:
        ids = submit_payloads(arm.client, payloads)
    return wait_done(arm.store, ids, timeout) - started


def submit_whole_articles(arm: CeleryArm, payloads: list[dict[str, Any]]) -> list[str]:
    """Send to the what-if ``bench.whole_article`` as submit_payloads sends: batches of the arm's batch size."""
    from khabar.worker.batching import chunks

    ids = [str(p["id"]) for p in payloads]
    arm.store.mark_queued(ids)
    app = arm.client.app
    settings = arm.client.settings
    with app.producer_or_acquire() as producer, producer.batch():
        for group in chunks(payloads, settings.batch_size, settings.batch_bytes):
            app.send_task(
                "bench.whole_article",
                args=[group if settings.batch_size > 1 else group[0]],
                queue=settings.queue_prefix,
                producer=producer,
                ignore_result=True,
                argsrepr=repr([p["id"] for p in group]),
            )
    return ids


def done_times(store: Any, ids: list[str], timeout: float) -> dict[str, float]:
    """Wait until every article is done; return each one's ``updated_at`` (when its document was stored)."""
    wait_done(store, ids, timeout)
    pipe = store.r.pipeline(transaction=False)
    for i in ids:
        pipe.hget(store.key(i), "updated_at")
    return {i: float(v) for i, v in zip(ids, pipe.execute(), strict=True)}


def first_done(arm: CeleryArm, texts: Any, n: int, timeout: float) -> tuple[float, float]:
    """Queue ``n`` single-article messages at once; return seconds to the first and to the last done."""
    from khabar.worker.batching import submit_payloads

    payloads = articles.payloads(texts, n, "queued")
    started = time.time()
    ids = submit_payloads(arm.client, payloads)
    times = done_times(arm.store, ids, timeout)
    return min(times.values()) - started, max(times.values()) - started


def steady(arm: CeleryArm, texts: Any, rate: float, seconds: float, timeout: float) -> dict[str, float]:
    """Send single-article messages at ``rate`` per second for ``seconds``; return latencies and rates."""
    from khabar.worker.batching import submit_payloads

    n = max(1, int(rate * seconds))
    payloads = articles.payloads(texts, n, "steady")
    sent: dict[str, float] = {}
    t0 = time.time()
    for k, p in enumerate(payloads):
        delay = t0 + k / rate - time.time()
        if delay > 0:
            time.sleep(delay)
        sent[str(p["id"])] = time.time()
        submit_payloads(arm.client, [p])
    last_sent = time.time()
    times = done_times(arm.store, list(sent), timeout)
    latencies = sorted(times[i] - sent[i] for i in sent)
    finished = max(times.values())
    return {
        "articles": n,
        "arrival/s": n / (last_sent - t0),
        "done/s": n / (finished - t0),
        "p50 s": latencies[len(latencies) // 2],
        "p95 s": latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))],
        "max s": latencies[-1],
        "drain after last sent s": finished - last_sent,
    }


def arm_groups(arm: CeleryArm) -> dict[str, Any]:
    return {
        "worker children": lambda: child_pids(arm.worker.proc.pid),
        "worker main": lambda: [arm.worker.proc.pid],
        "redis-server": lambda: [arm.server.proc.pid],
        "this script": lambda: [os.getpid()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--articles", type=int, default=1200,
        help="articles per round (default 1200: many batches per worker process, so that the end of a round, "
        "when one process may idle, weighs little)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of each (default 5)")
    parser.add_argument(
        "--concurrency", "-c", type=int, default=2, help="worker and pool processes (default 2)"
    )
    parser.add_argument("--warmup", type=int, default=20, help="articles sent through each before timing")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for one Celery round")
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="NAME=JSON",
        help="an extra Celery arm with these Celery settings overridden (repeatable)",
    )
    parser.add_argument(
        "--no-per-article", action="store_true", help="leave out the arm that sends one message per article"
    )
    parser.add_argument("--queued", type=int, default=600,
                        help="single-article messages queued at once for the time-to-first-done check (0: skip)")
    parser.add_argument("--steady-seconds", type=float, default=30.0,
                        help="how long to send at 80%% of the per-article arm's measured capacity (0: skip)")
    parser.add_argument(
        "--gc-probe", action="store_true",
        help="time the garbage collector in the worker children (bench/gc_probe) and print it per article",
    )
    articles.add_shared_option(parser)
    args = parser.parse_args()

    texts = articles.load_texts(args.shared)
    print(f"articles: {texts.source}")
    print(
        f"{args.articles} articles per round, {args.rounds} rounds, {args.concurrency} processes each, "
        f"{os.cpu_count()} CPUs"
    )
    from contextlib import ExitStack

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="khabar-bench-")))
        os.environ["KHABAR_DATA_DIR"] = str(tmp / "data")
        arms = [start_arm("celery", {}, args.concurrency, tmp, stack, args.gc_probe)]
        if not args.no_per_article:
            # The same articles sent one message per article (khabar.process_article), as a
            # system that sends one at a time does.
            arms.append(start_arm("per-article", {"bench_batch_size": 1}, args.concurrency, tmp, stack, args.gc_probe))
        for spec in args.compare:
            name, _, conf = spec.partition("=")
            arms.append(start_arm(name, json.loads(conf), args.concurrency, tmp, stack, args.gc_probe))
        for arm in arms:
            processes = arm.overrides.get("bench_concurrency", args.concurrency)
            print(
                f"arm {arm.name!r}: khabar worker -c {processes} on {arm.server.url}"
                + (f", overrides {arm.overrides}" if arm.overrides else " (the shipped settings)")
            )
        pool_gc = tmp / "in-process-gc"
        pool_gc.mkdir()
        pool = ctx_pool = mp.get_context("fork").Pool(
            args.concurrency, initializer=_init_inprocess, initargs=(str(pool_gc) if args.gc_probe else None,)
        )
        stack.callback(ctx_pool.terminate)

        for arm in arms:
            celery_round(arm, articles.payloads(texts, args.warmup, "warm"), args.timeout)
        pool.map(_run_inprocess, articles.payloads(texts, args.warmup, "warm"))

        def gc_now() -> dict[str, tuple[float, int, int]]:
            totals = {"in-process": collector_totals(pool_gc, [p.pid for p in pool._pool])}  # type: ignore[attr-defined]
            for arm in arms:
                if arm.gc_dir is not None:
                    totals[arm.name] = collector_totals(arm.gc_dir, child_pids(arm.worker.proc.pid))
            return totals

        time.sleep(0.5)
        gc_before = gc_now()
        inprocess_seconds: list[float] = []
        inprocess_cpu = 0.0
        for arm in arms:
            arm.cpu = dict.fromkeys(arm_groups(arm), 0.0)
        for r in range(args.rounds):
            payloads = articles.payloads(texts, args.articles, f"r{r}")
            # Alternate the order so that no arm always follows the same one.
            order: list[Any] = ["in-process", *arms]
            if r % 2:
                order.reverse()
            for which in order:
                if which == "in-process":
                    pids = [p.pid for p in pool._pool]  # type: ignore[attr-defined]
                    before = cpu_seconds(pids)
                    t = time.perf_counter()
                    # The same pieces as the Celery batches, so that the end of a round, when
                    # one process may finish its last piece alone, weighs the same on both sides.
                    pool.map(_run_inprocess, payloads, chunksize=arms[0].client.settings.batch_size)
                    inprocess_seconds.append(time.perf_counter() - t)
                    inprocess_cpu += cpu_seconds(pids) - before
                else:
                    groups = arm_groups(which)
                    before_cpu = {g: cpu_seconds(p()) for g, p in groups.items()}
                    before_cmd = command_stats(which.server.client())
                    which.seconds.append(celery_round(which, payloads, args.timeout))
                    for g, p in groups.items():
                        which.cpu[g] += cpu_seconds(p()) - before_cpu[g]
                    delta = stats_delta(before_cmd, command_stats(which.server.client()))
                    for k, v in delta.items():
                        which.commands[k] = which.commands.get(k, 0) + v

        n = args.articles
        headers = ["round", "in-process art/s"]
        for arm in arms:
            headers += [f"{arm.name} art/s", f"{arm.name}/in-process"]
        rows = []
        for r in range(args.rounds):
            row: list[Any] = [r + 1, n / inprocess_seconds[r]]
            for arm in arms:
                row += [n / arm.seconds[r], inprocess_seconds[r] / arm.seconds[r]]
            rows.append(row)
        print()
        print(table(headers, rows))
        for arm in arms:
            ratio = median([i / c for i, c in zip(inprocess_seconds, arm.seconds, strict=True)])
            print(
                f"median ratio {arm.name}/in-process: {ratio:.3f}"
                + ("  (goal >= 0.85)" if arm.name in ("celery", "per-article") else "")
            )

        single = next((a for a in arms if a.name == "per-article"), None)
        if single is not None and args.queued:
            first, last = first_done(single, texts, args.queued, args.timeout)
            print(f"\n{args.queued} single-article messages queued at once ({single.name}, -c {args.concurrency}): "
                  f"first done after {first:.2f} s (goal <= 10 s), all after {last:.2f} s")
        if single is not None and args.steady_seconds:
            capacity = median([n / s for s in single.seconds])
            rate = 0.8 * capacity
            figures = steady(single, texts, rate, args.steady_seconds, args.timeout)
            print(f"\nsteady intake at 80% of the measured capacity ({capacity:.1f} art/s -> {rate:.1f} art/s, "
                  f"one message per article, {args.steady_seconds:g} s):")
            print(table(list(figures), [list(figures.values())]))

        total = n * args.rounds
        print(
            f"\nCPU ms per article by process ({total} articles per arm; {os.cpu_count()} CPUs shared with "
            "whatever else runs on this machine):"
        )
        groups_all = list(arm_groups(arms[0]))
        cpu_rows = [["in-process pool", inprocess_cpu * 1000 / total, *("" for _ in arms)]]
        for g in groups_all:
            cpu_rows.append([g, "", *(arm.cpu[g] * 1000 / total for arm in arms)])
        cpu_rows.append(
            ["total", inprocess_cpu * 1000 / total, *(sum(a.cpu.values()) * 1000 / total for a in arms)]
        )
        print(table(["process", "in-process", *(a.name for a in arms)], cpu_rows))
        for arm in arms:
            # CPU is far less sensitive to other load on the machine than wall time.
            print(f"CPU ratio {arm.name}: in-process CPU / {arm.name} CPU per article = "
                  f"{inprocess_cpu / sum(arm.cpu.values()):.3f}")

        if args.gc_probe:
            time.sleep(0.5)
            gc_after = gc_now()
            rows = []
            for which, (seconds, collections, full) in gc_after.items():
                s0, c0, f0 = gc_before[which]
                rows.append([which, (seconds - s0) * 1000 / total, collections - c0, full - f0])
            print(f"\nGarbage collector in the processes that run the stages ({total} articles per arm):")
            print(table(["arm", "collector ms/article", "collections", "full collections"], rows))

        print(
            "\nRedis commands per article (INFO commandstats; includes this script's light polling, "
            "and the commands run inside Lua scripts):"
        )
        names = sorted(
            {k for a in arms for k in a.commands if k != "info"}, key=lambda k: -arms[0].commands.get(k, 0)
        )
        cmd_rows = [[k, *(a.commands.get(k, 0) / total for a in arms)] for k in names]
        cmd_rows.append(
            ["total", *(sum(v for k, v in a.commands.items() if k != "info") / total for a in arms)]
        )
        print(table(["command", *(a.name for a in arms)], cmd_rows))
        for arm in arms:
            meta = sum(1 for _ in arm.server.client().scan_iter(match="celery-task-meta-*", count=1000))
            print(
                f"{arm.name}: result-backend keys (celery-task-meta-*) after "
                f"{total + args.warmup} articles: {meta}"
            )


if __name__ == "__main__":
    main()
