"""Time normalise + section on ~1,000-word articles built from the section fixture pages.

Prints milliseconds per article (p50, p95, min) for plain-text and HTML input, one core,
and, for comparison, trafilatura's extraction alone on the same HTML pages.

    python bench/bench_section.py [--repeat N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
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
    return [_grow(p.read_text(encoding="utf-8"), pool, kind == "html") for p in sorted(FIXTURES.glob("*" + suffix))]


def _times(pages: list[str], run: object, repeat: int) -> list[float]:
    assert callable(run)
    for page in pages:
        run(page)  # warm up
    out: list[float] = []
    for _ in range(repeat):
        for page in pages:
            started = time.perf_counter()
            run(page)
            out.append((time.perf_counter() - started) * 1000)
    return out


def _report(label: str, pages: list[str], times: list[float]) -> None:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    words = statistics.mean(len(p.split()) for p in pages)
    print(
        f"{label:34} {len(pages)} pages, ~{words:.0f} words: "
        f"p50 {statistics.median(times):.2f} ms  p95 {p95:.2f} ms  min {times[0]:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
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
    _report("trafilatura.extract alone (html)", pages, _times(pages, trafilatura.extract, max(5, args.repeat // 10)))


if __name__ == "__main__":
    main()
