"""Time normalise + section on ~1,000-word articles built from the section fixture pages.

Prints milliseconds per article for plain-text and HTML input on one core: wall-clock
p50/p95 and CPU-time p50/p95 (this process's CPU time, which other work on a shared
machine does not inflate), with the load average; and, for comparison, trafilatura's
extraction alone on the same HTML pages.

    python bench/bench_section.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tasks.normalise import normalise  # noqa: E402
from tasks.records import Article  # noqa: E402
from tasks.section import section  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "section"
TARGET_WORDS = 1000
_HTML_PARAGRAPH = re.compile(r"<p>([^<]{150,})</p>")


def _pool() -> list[str]:
    """Long article paragraphs from every fixture page, text and HTML."""
    paragraphs: list[str] = []
    for path in sorted(FIXTURES.glob("*.txt")):
        paragraphs += [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if len(ln) > 150]
    for path in sorted(FIXTURES.glob("*.html")):
        paragraphs += _HTML_PARAGRAPH.findall(path.read_text(encoding="utf-8"))
    return paragraphs


def _grow(page: str, pool: list[str], html: bool) -> str:
    """Return ``page`` with pool paragraphs added after its first long paragraph, to ~1,000 words."""
    extra: list[str] = []
    words = len(page.split())
    for paragraph in pool * 4:
        if words >= TARGET_WORDS:
            break
        if paragraph not in page:
            extra.append(paragraph)
            words += len(paragraph.split())
    if html:
        m = _HTML_PARAGRAPH.search(page)
        at = m.end() if m else len(page)
        return page[:at] + "".join(f"\n<p>{p}</p>" for p in extra) + page[at:]
    lines = page.split("\n")
    at = next((i for i, ln in enumerate(lines) if len(ln) > 150), len(lines) - 1) + 1
    return "\n".join(lines[:at] + extra + lines[at:])


def articles(kind: str) -> list[str]:
    pool = _pool()
    suffix = ".html" if kind == "html" else ".txt"
    paths = sorted(FIXTURES.glob("*" + suffix))
    return [_grow(p.read_text(encoding="utf-8"), pool, kind == "html") for p in paths]


def _times(pages: list[str], run: Callable[[str], object], repeat: int) -> tuple[list[float], list[float]]:
    """Return (wall-clock, CPU) milliseconds of every run."""
    for page in pages:
        run(page)  # warm up
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(repeat):
        for page in pages:
            started, started_cpu = time.perf_counter(), time.process_time()
            run(page)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
    return wall, cpu


def _percentiles(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    return f"p50 {statistics.median(times):5.2f} ms  p95 {p95:5.2f} ms"


def _report(label: str, pages: list[str], times: tuple[list[float], list[float]]) -> None:
    words = statistics.mean(len(p.split()) for p in pages)
    wall, cpu = times
    print(f"{label:34} {len(pages)} pages, ~{words:.0f} words", end="")
    print(f" | wall {_percentiles(wall)} | cpu {_percentiles(cpu)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for kind in ("text", "html"):
        pages = articles(kind)

        def run(page: str, kind: str = kind) -> object:
            return section(normalise(Article(id="b", content=page, kind=kind)))

        _report(f"normalise + section ({kind})", pages, _times(pages, run, args.repeat))
    try:
        import trafilatura
    except ImportError:
        return
    pages = articles("html")
    repeat = max(5, args.repeat // 10)
    _report("trafilatura.extract alone (html)", pages, _times(pages, trafilatura.extract, repeat))


if __name__ == "__main__":
    main()
