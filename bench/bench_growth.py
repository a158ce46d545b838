"""Growth of each stage with its input: 1x, 2x, 4x, 8x, for real article text and every hostile kind.

    python bench/bench_growth.py [--kinds NAME,...] [--top 0.5] [--backend crf] [--shared DIR]
    python bench/bench_growth.py --write-files DIR   # each hostile kind at its reported size, for khabar process

Every kind is run at four sizes, each double the last; the largest is ``--top`` times the size the
issue reported for a hostile kind (default 0.5: 8x is half of it, so a run takes a few minutes), and
64 EASC articles (about 25,000 words) for real text (``article``: plain text; ``article-html``: the same
paragraphs as one HTML page).  For each stage it prints the CPU seconds (``time.thread_time``, so other
work on a shared machine inflates them less) and the peak of Python's allocations (``tracemalloc``,
which sees numpy's arrays too; measured in a second pass, as tracing slows the code), then the
growth from 1x to 8x: 8 is linear, 64 quadratic.  A kind refused with an input reason stops at the
stage that refused it (``refused`` names the reason); sizes under 5 ms or 1 MB print no growth, as
their ratio is noise.  The pipeline runs in this process, with the recogniser of ``--backend``.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import articles  # noqa: E402  - puts the project root on sys.path
from measure import table  # noqa: E402

from khabar.tasks.entities import load_recogniser  # noqa: E402
from khabar.tasks.errors import InvalidArticle  # noqa: E402
from khabar.tasks.pipeline import STAGES, Resources  # noqa: E402
from khabar.tasks.validate import Limits, parse_payload  # noqa: E402
from tests import hostile  # noqa: E402

SCALES = (1, 2, 4, 8)
REAL_ARTICLES_AT_8X = 64


def _real(texts: articles.Texts, html: bool) -> Callable[[float], str]:
    """Content of ``REAL_ARTICLES_AT_8X * scale`` articles, as text or as one HTML page."""

    def make(scale: float) -> str:
        n = max(1, round(REAL_ARTICLES_AT_8X * scale))
        chosen = [texts.texts[i % len(texts.texts)] for i in range(n)]
        if not html:
            return "\n\n".join(chosen)
        paragraphs = [p.strip() for t in chosen for p in t.split("\n") if p.strip()]
        body = "".join(f"<p>{p}</p>\n" for p in paragraphs[1:])
        return f"<html><head><title>{paragraphs[0]}</title></head><body><article><h1>{paragraphs[0]}</h1>\n{body}" \
               "</article></body></html>"

    return make


def _run(payload: dict[str, Any], resources: Resources, trace: bool) -> tuple[dict[str, float], str | None]:
    """Return each stage's CPU seconds (or peak traced MB with ``trace``) and the reason it was refused."""
    records: dict[str, Any] = {"article": parse_payload(payload, Limits())}
    out: dict[str, float] = {}
    refused = None
    for stage in STAGES:
        gc.collect()
        if trace:
            tracemalloc.start()
        started = time.thread_time()
        try:
            records[stage.name] = stage.run(resources, *(records[n] for n in stage.needs))
        except InvalidArticle as exc:
            refused = exc.reason.value
        finally:
            seconds = time.thread_time() - started
            if trace:
                out[stage.name] = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
            else:
                out[stage.name] = seconds
        if refused:
            break
    return out, refused


def _growth(values: list[float | None], floor: float) -> float | None:
    first, last = values[0], values[-1]
    if first is None or last is None or max(first, last) < floor:
        return None
    return last / max(first, floor)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kinds", default="", help="comma-separated kinds (default: all)")
    parser.add_argument("--top", type=float, default=0.5, help="8x as a share of the reported hostile size (0.5)")
    parser.add_argument("--backend", default="crf", help="NER backend (crf, gazetteer)")
    parser.add_argument("--write-files", type=Path, help="write each hostile kind (full size) to this folder and stop")
    articles.add_shared_option(parser)
    args = parser.parse_args()
    if args.write_files:
        args.write_files.mkdir(parents=True, exist_ok=True)
        for k in hostile.KINDS:
            path = args.write_files / f"{k.name}.{'html' if k.kind == 'html' else 'txt'}"
            path.write_text(k.make(1.0), encoding="utf-8")
            print(path)
        return

    texts = articles.load_texts(args.shared)
    print(f"real text: {texts.source}; backend {args.backend}; 8x = {args.top:g} x the reported hostile size")
    kinds: dict[str, tuple[str, Callable[[float], str]]] = {
        "article": ("text", _real(texts, html=False)),
        "article-html": ("html", _real(texts, html=True)),
    }
    kinds |= {k.name: (k.kind, k.make) for k in hostile.KINDS}
    chosen = [k for k in args.kinds.split(",") if k] or list(kinds)
    resources = Resources(recogniser=load_recogniser(args.backend))
    rows = []
    for name in chosen:
        kind, make = kinds[name]
        seconds: dict[str, list[float | None]] = {s.name: [] for s in STAGES}
        memory: dict[str, list[float | None]] = {s.name: [] for s in STAGES}
        refused = None
        chars = []
        for scale in SCALES:
            share = scale / SCALES[-1] * (1.0 if name.startswith("article") else args.top)
            payload = {"id": "growth", kind: make(share)}
            chars.append(len(payload[kind]))
            times, refused = _run(payload, resources, trace=False)
            peaks, _ = _run(payload, resources, trace=True)
            for stage in STAGES:
                seconds[stage.name].append(times.get(stage.name))
                memory[stage.name].append(peaks.get(stage.name))
        for stage in STAGES:
            t, m = seconds[stage.name], memory[stage.name]
            if t[0] is None:
                continue
            rows.append([
                name, f"{chars[0]:,}", stage.name, *[x * 1000 if x is not None else float("nan") for x in t],
                _growth(t, 0.005) or float("nan"), *[x if x is not None else float("nan") for x in m],
                _growth(m, 1.0) or float("nan"), refused or "",
            ])
        print(f"  {name}: done", flush=True)
    print(table(
        ["kind", "chars at 1x", "stage", "ms 1x", "ms 2x", "ms 4x", "ms 8x", "time 8x/1x",
         "MB 1x", "MB 2x", "MB 4x", "MB 8x", "memory 8x/1x", "refused"],
        rows,
    ))


if __name__ == "__main__":
    main()
