"""Time normalise + section on ~1,000-word articles built from the section fixture pages.

Every fixture page (tests/fixtures/section, plain text and HTML) is grown to ~1,000 words
with article paragraphs from the other fixtures, keeping its menus, tickers, comments and
footers; the text pages are timed once more hard-wrapped (every line longer than 72
characters cut at 72, a paragraph's first line indented), as mail and wire copy arrive.
Prints, per input kind, milliseconds per article on one CPU: wall-clock p50/p95 and
CPU-time p50/p95 (CPU time is what other work on a shared machine inflates least),
with the load average; and, for comparison, trafilatura's extraction alone on the same
HTML (goal: under 5 ms per article).

    python bench/bench_section.py                # 100 timed passes over the pages, CPU 0
    python bench/bench_section.py --passes 300 --cpu 1
"""

from __future__ import annotations

import argparse
import os
import re
import textwrap
import time
from collections.abc import Callable

import articles
from bench_pipeline import pin
from measure import percentile, table

from khabar.tasks.normalise import normalise
from khabar.tasks.records import Article
from khabar.tasks.section import section

FIXTURES = articles.ROOT / "tests" / "fixtures" / "section"
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


def _hard_wrap(page: str, width: int = 72) -> str:
    return "\n".join(
        "\n".join(textwrap.wrap(line, width=width, initial_indent=" ", break_long_words=False))
        if len(line) > width
        else line
        for line in page.split("\n")
    )


def pages(kind: str) -> list[str]:
    """The fixture pages of one kind ("text", "wrapped" or "html"), each grown to ~1,000 words."""
    pool = _pool()
    paths = sorted(FIXTURES.glob("*.html" if kind == "html" else "*.txt"))
    grown = [_grow(p.read_text(encoding="utf-8"), pool, kind == "html") for p in paths]
    return [_hard_wrap(p) for p in grown] if kind == "wrapped" else grown


def _times(inputs: list[str], run: Callable[[str], object], passes: int) -> tuple[list[float], list[float]]:
    """Return (wall-clock, CPU) milliseconds of every run."""
    for page in inputs:
        run(page)  # warm up
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(passes):
        for page in inputs:
            started, started_cpu = time.perf_counter(), time.process_time()
            run(page)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
    return wall, cpu


def _row(label: str, inputs: list[str], times: tuple[list[float], list[float]]) -> list[object]:
    words = sum(articles.words(p) for p in inputs) / len(inputs)
    return [label, len(inputs), round(words)] + [percentile(t, q) for t in times for q in (50, 95)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--passes", type=int, default=100, help="timed passes over the pages (default 100)")
    parser.add_argument("--cpu", type=int, default=None, help="CPU to run on (default: the first allowed)")
    args = parser.parse_args()
    where = pin(args.cpu)
    rows = []
    for kind in ("text", "wrapped", "html"):
        inputs = pages(kind)

        def run(page: str, kind: str = "text" if kind == "wrapped" else kind) -> object:
            return section(normalise(Article(id="bench", content=page, kind=kind)))

        rows.append(_row(f"normalise + section ({kind})", inputs, _times(inputs, run, args.passes)))
    try:
        import trafilatura
    except ImportError:  # not a dependency of the stage: compare only where it is installed
        pass
    else:
        inputs = pages("html")
        times = _times(inputs, trafilatura.extract, max(5, args.passes // 10))
        rows.append(_row("trafilatura.extract alone (html)", inputs, times))
    print(f"{where}, load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; ms per article")
    print(table(["", "pages", "words", "wall p50", "wall p95", "cpu p50", "cpu p95"], rows))


if __name__ == "__main__":
    main()
