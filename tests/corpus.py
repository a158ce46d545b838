"""Synthetic Arabic news articles built from the team's fixture sentences.

Deterministic for a given seed.  Used by end-to-end tests and by benchmarks when
``../shared`` is absent.  Each article is a page: optional site name and menu line,
a title, paragraphs, sometimes a heading and a short list, and a footer.
"""

from __future__ import annotations

import random
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "news-sentences.txt"


def topics() -> list[tuple[str, list[str]]]:
    out = []
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            title, *sentences = line.split("|")
            out.append((title, sentences))
    return out


def article(seed: int, html: bool = False) -> str:
    """Return one article page (plain text, or HTML when ``html``)."""
    rng = random.Random(seed)
    all_topics = topics()
    title, sentences = all_topics[seed % len(all_topics)]
    others = [s for t, ss in all_topics if t != title for s in ss]
    body = sentences[:]
    body += rng.sample(others, k=rng.randint(0, 3))  # a little variety per seed
    paragraphs = []
    i = 0
    while i < len(body):
        n = rng.randint(1, 3)
        paragraphs.append(" ".join(body[i : i + n]))
        i += n
    heading = "ماذا بعد؟" if seed % 3 == 0 else None
    if html:
        parts = [f"<html><head><title>{title} | الأفق</title></head><body>",
                 "<nav><a href='/'>الرئيسية</a> <a href='/s'>سياسة</a></nav>", f"<article><h1>{title}</h1>"]
        for j, p in enumerate(paragraphs):
            if heading and j == len(paragraphs) // 2:
                parts.append(f"<h2>{heading}</h2>")
            parts.append(f"<p>{p}</p>")
        parts.append("</article><footer>جميع الحقوق محفوظة</footer></body></html>")
        return "\n".join(parts)
    lines = ["الأفق العربي", "الرئيسية | سياسة | اقتصاد | رياضة", "", title, ""]
    for j, p in enumerate(paragraphs):
        if heading and j == len(paragraphs) // 2:
            lines += [heading, ""]
        lines += [p, ""]
    lines.append(f"جميع الحقوق محفوظة {2020 + seed % 7}")
    return "\n".join(lines)


def payloads(n: int, start: int = 0) -> list[dict[str, object]]:
    """``n`` different task payloads with ids; every fourth is HTML."""
    out: list[dict[str, object]] = []
    for seed in range(start, start + n):
        kind = "html" if seed % 4 == 3 else "text"
        out.append({"id": f"art-{seed:05d}", kind: article(seed, html=kind == "html"), "source": "tests"})
    return out
