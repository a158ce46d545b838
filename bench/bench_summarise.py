"""Benchmark of the summarise stage: milliseconds per summary of a ~1,000-word article, one core.

    PYTHONPATH=. python bench/bench_summarise.py [--repeat N]

Article: the EASC dev article nearest 1,000 words when ``../shared`` is present, else
the team's fixture sentences put together to about 1,000 words.  Normalise, section
and entities run once, outside the timing; only ``summarise`` is timed, with the
default budget and with a 120-word budget.  Times are CPU time of this one thread
(``time.thread_time``), so other work on a shared machine does not inflate them;
wall-clock p50 is shown beside.  The first call (cold caches) is shown apart from
the p50/p95 of the rest.  The target is a p95 under 5 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

# One core: keep numpy's BLAS to one thread (set before numpy is imported).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from khabar.tasks.normalise import normalise  # noqa: E402
from khabar.tasks.records import Article, Budget, Entities, Sectioned  # noqa: E402
from khabar.tasks.section import section  # noqa: E402
from khabar.tasks.summarise import summarise  # noqa: E402

EASC = ROOT.parent / "shared" / "data" / "summaries" / "easc-dev" / "articles"
TARGET_MS = 5.0


def _sectioned(text: str) -> Sectioned:
    return section(normalise(Article(id="bench", content=text, kind="text")))


def _words(sectioned: Sectioned) -> int:
    return sum(len(sectioned.text[s.start : s.end].split()) for s in sectioned.sentences)


def _article() -> tuple[str, Sectioned]:
    """Return where it came from and the sectioned article of about 1,000 words of sentences."""
    if EASC.is_dir():
        found = {p.name: _sectioned(p.read_text(encoding="utf-8-sig")) for p in sorted(EASC.glob("*.txt"))}
        name = min(found, key=lambda n: (abs(_words(found[n]) - 1000), n))
        if _words(found[name]) >= 700:
            return f"EASC {name}", found[name]
    from tests.corpus import topics

    sentences = [s for _, ss in topics() for s in ss]
    paragraphs: list[str] = []
    words, shift = 0, 0
    while words < 1000:  # sentences in a new grouping each round, so no paragraph repeats
        for i in range(shift, len(sentences), 3):
            paragraphs.append(" ".join(sentences[i : i + 3 + shift % 2]))
            words += len(paragraphs[-1].split())
            if words >= 1000:
                break
        shift += 1
    return "fixture sentences", _sectioned(topics()[0][0] + "\n\n" + "\n\n".join(paragraphs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="ms per summary of a ~1,000-word article")
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args(argv)
    source, sectioned = _article()
    entities = Entities("none", ())
    print(f"article: {source}, {_words(sectioned)} words in {len(sectioned.sentences)} sentences")
    failed = False
    for label, budget in (("default budget", Budget()), ("120 words", Budget(words=120))):
        started = time.thread_time()
        summarise(sectioned, entities, budget)
        cold = (time.thread_time() - started) * 1000
        cpu, wall = [], []
        for _ in range(args.repeat):
            started, started_wall = time.thread_time(), time.perf_counter()
            summarise(sectioned, entities, budget)
            cpu.append((time.thread_time() - started) * 1000)
            wall.append((time.perf_counter() - started_wall) * 1000)
        p50, p95 = statistics.median(cpu), statistics.quantiles(cpu, n=20)[-1]
        ok = p95 < TARGET_MS
        failed |= not ok
        print(
            f"{label:>15}: p50 {p50:.2f} ms  p95 {p95:.2f} ms  first call {cold:.2f} ms  "
            f"(wall p50 {statistics.median(wall):.2f} ms; {'under' if ok else 'OVER'} {TARGET_MS:g} ms)"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
