"""In-process throughput and latency of each stage and of the whole pipeline.

Runs the stages through their public APIs (``khabar.tasks.pipeline.run_stage`` over
``STAGES``, and ``process_payload`` for the whole) on one CPU, with the NER
backend from the settings (``KHABAR_NER_BACKEND``, default "crf"), and prints
articles/s, tokens/s, p50 and p95 per-article latency, then the p50 of one
1,000-word article through the whole pipeline (goal: under 60 ms), and what the
garbage collector costs with the heap frozen after the models load (as
``resources_from`` leaves it) and not, and what the per-process cache of words'
match forms saves, each side by side in interleaved passes.

    python bench/bench_pipeline.py                    # 200 articles, 3 timed passes, CPU 0
    python bench/bench_pipeline.py --articles 400 --passes 5 --cpu 1
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from typing import Any

import articles
from measure import percentile, table


def pin(cpu: int | None) -> str:
    """Run this process (and any threads a model library starts) on one CPU."""
    allowed = sorted(os.sched_getaffinity(0))
    chosen = allowed[0] if cpu is None else cpu
    os.sched_setaffinity(0, {chosen})
    return f"CPU {chosen} of {len(allowed)}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=200, help="corpus size (default 200)")
    parser.add_argument("--passes", type=int, default=3, help="timed passes over the corpus (default 3)")
    parser.add_argument("--cpu", type=int, default=None, help="CPU to pin to (default: the first allowed)")
    parser.add_argument("--words", type=int, default=1000, help="size of the long article (default 1000)")
    parser.add_argument("--repeats", type=int, default=60, help="runs of the long article (default 60)")
    parser.add_argument("--no-gc", action="store_true", help="leave out the garbage-collector comparison")
    parser.add_argument("--no-cache", action="store_true", help="leave out the match-form cache comparison")
    articles.add_shared_option(parser)
    args = parser.parse_args()

    where = pin(args.cpu)  # before the model libraries start their threads
    from khabar.config.settings import Settings
    from khabar.tasks.document import build_document
    from khabar.tasks.pipeline import PIPELINE_VERSION, STAGES, process_payload, run_stage
    from khabar.tasks.validate import parse_payload
    from khabar.worker.runtime import budget_from, limits_from, resources_from

    settings = Settings()
    started = time.perf_counter()
    resources = resources_from(settings)
    load_seconds = time.perf_counter() - started
    limits, budget = limits_from(settings), budget_from(settings)

    texts = articles.load_texts(args.shared)
    payloads = articles.payloads(texts, args.articles)
    ran = getattr(resources.recogniser, "name", type(resources.recogniser).__name__)
    print(f"articles: {texts.source}")
    print(
        f"NER backend configured: {settings.ner_backend!r}; ran: {ran!r}"
        + ("" if ran == settings.ner_backend else "  (the loader fell back)")
        + f"; loaded in {load_seconds:.2f} s"
    )
    print(
        f"pipeline: {PIPELINE_VERSION}; pinned to {where}; {args.articles} articles x {args.passes} passes "
        "(after one warm-up pass)"
    )

    names = ["validate", *(s.name for s in STAGES), "document"]
    latency: dict[str, list[float]] = {n: [] for n in names}
    whole: list[float] = []
    tokens = word_count = 0

    def staged_pass(timed: bool) -> None:
        nonlocal tokens, word_count
        for payload in payloads:
            t = time.perf_counter()
            article = parse_payload(payload, limits, budget)
            lap: dict[str, float] = {"validate": time.perf_counter() - t}
            records: dict[str, Any] = {"article": article}
            runs = {}
            for stage in STAGES:
                t = time.perf_counter()
                records[stage.name], runs[stage.name] = run_stage(stage, resources, records)
                lap[stage.name] = time.perf_counter() - t
            t = time.perf_counter()
            build_document(records, {n: r.__dict__ for n, r in runs.items()}, PIPELINE_VERSION)
            lap["document"] = time.perf_counter() - t
            if timed:
                for n, v in lap.items():
                    latency[n].append(v)
                tokens += len(records["section"].tokens)
                word_count += articles.words(article.content)

    def whole_pass() -> None:
        for payload in payloads:
            t = time.perf_counter()
            process_payload(payload, limits, budget, resources)
            whole.append(time.perf_counter() - t)

    staged_pass(timed=False)
    for _ in range(args.passes):  # interleaved, so both see the same machine load
        staged_pass(timed=True)
        whole_pass()

    n = len(whole)
    total_whole = sum(whole)
    rows = []
    for name in names:
        secs = sum(latency[name])
        rows.append(
            [
                name,
                n / secs,
                tokens / secs,
                percentile(latency[name], 50) * 1000,
                percentile(latency[name], 95) * 1000,
                100 * secs / total_whole,
            ]
        )
    rows.append(
        [
            "whole pipeline",
            n / total_whole,
            tokens / total_whole,
            percentile(whole, 50) * 1000,
            percentile(whole, 95) * 1000,
            100.0,
        ]
    )
    print(
        f"\n{n} article runs; {word_count / n:.0f} words and {tokens / n:.0f} tokens per article on average\n"
    )
    print(table(["step", "articles/s", "tokens/s", "p50 ms", "p95 ms", "% of whole"], rows))

    long_text = articles.article_of_words(texts, args.words)
    long_payload = {"id": "long", "text": long_text}
    process_payload(long_payload, limits, budget, resources)  # warm
    runs_ms = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        process_payload(long_payload, limits, budget, resources)
        runs_ms.append((time.perf_counter() - t) * 1000)
    p50 = percentile(runs_ms, 50)
    print(
        f"\n{args.words:,}-word article, whole pipeline on one CPU, {args.repeats} runs: "
        f"p50 {p50:.1f} ms, p95 {percentile(runs_ms, 95):.1f} ms  (goal: p50 < 60 ms: "
        f"{'met' if p50 < 60 else 'NOT met'})"
    )
    if not args.no_gc:
        collector(payloads, args.passes, lambda p: process_payload(p, limits, budget, resources))
    if not args.no_cache:
        match_form_cache(payloads, args.passes, lambda p: process_payload(p, limits, budget, resources))


def match_form_cache(payloads: list[dict[str, Any]], passes: int, run: Any) -> None:
    """Whole-pipeline CPU per article with the words' match-form cache and with every form computed."""
    import importlib

    module = importlib.import_module("khabar.tasks.normalise.normalise")
    cached = module._word_match_form
    cpu = {True: 0.0, False: 0.0}
    try:
        for _ in range(passes):
            for on in (False, True):
                module._word_match_form = cached if on else module._match_form
                t = time.process_time()
                for payload in payloads:
                    run(payload)
                cpu[on] += time.process_time() - t
    finally:
        module._word_match_form = cached
    n = len(payloads) * passes
    info = cached.cache_info()
    print(f"\nMatch-form cache, {passes} interleaved passes of {len(payloads)} articles each way: CPU "
          f"{cpu[True] * 1000 / n:.2f} ms an article cached, {cpu[False] * 1000 / n:.2f} not "
          f"(cached / not: {cpu[True] / cpu[False]:.3f}); {info.currsize:,} words kept, "
          f"{info.hits / max(1, info.hits + info.misses):.1%} of look-ups found")


def collector(payloads: list[dict[str, Any]], passes: int, run: Any) -> None:
    """Collector time per article with the heap frozen (gc.freeze) and not, interleaved passes."""
    spent = {True: 0.0, False: 0.0}
    cpu = {True: 0.0, False: 0.0}
    full = {True: 0, False: 0}
    for _ in range(passes):
        for frozen in (False, True):
            if frozen:
                gc.collect()
                gc.freeze()
            else:
                gc.unfreeze()
            began = [0.0]

            def timed(phase: str, info: dict[str, int], frozen: bool = frozen, began: list[float] = began) -> None:
                if phase == "start":
                    began[0] = time.process_time()
                    return
                spent[frozen] += time.process_time() - began[0]
                full[frozen] += info["generation"] == 2

            gc.callbacks.append(timed)
            t = time.process_time()
            try:
                for payload in payloads:
                    run(payload)
            finally:
                gc.callbacks.remove(timed)
            cpu[frozen] += time.process_time() - t
    n = len(payloads) * passes
    rows = [
        [name, spent[f] * 1000 / n, full[f], cpu[f] * 1000 / n]
        for name, f in (("heap frozen (resources_from)", True), ("not frozen", False))
    ]
    print(f"\nGarbage collector, {passes} interleaved passes of {len(payloads)} articles each way:\n")
    print(table(["heap", "collector ms/article", "full collections", "CPU ms/article"], rows))
    print(f"CPU per article, frozen / not frozen: {cpu[True] / cpu[False]:.3f}")


if __name__ == "__main__":
    main()
