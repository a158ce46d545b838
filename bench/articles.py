"""Articles for the benchmarks.

EASC dev articles from ``../shared`` where present (51 of them, so they are cycled
under distinct ids); on a fresh clone without ``../shared``, the team's synthetic
articles from ``tests/corpus.py``.  Every benchmark prints which set it used.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/bench_x.py` from a clone
    sys.path.insert(0, str(ROOT))

EASC_ARTICLES_IN_SHARED = Path("data") / "summaries" / "easc-dev" / "articles"


@dataclass(frozen=True)
class Texts:
    source: str  # says which set, for the printed report
    texts: tuple[str, ...]


def add_shared_option(parser: Any) -> None:
    """``--shared DIR``: where the team's shared data lives (default: ../shared beside the project)."""
    parser.add_argument(
        "--shared",
        type=Path,
        default=ROOT.parent / "shared",
        help="the shared/ data directory (default: ../shared beside the project)",
    )


def load_texts(shared: Path | None = None, synthetic: int = 60) -> Texts:
    """Return the EASC dev articles under ``shared`` (BOM stripped), else ``synthetic`` fixture articles."""
    folder = (shared or ROOT.parent / "shared") / EASC_ARTICLES_IN_SHARED
    files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    if files:
        texts = tuple(f.read_text(encoding="utf-8-sig") for f in files)
        return Texts(f"EASC dev articles from {folder} ({len(texts)} files, cycled with distinct ids)", texts)
    from tests import corpus

    return Texts(
        f"synthetic articles from tests/corpus.py ({synthetic}; {folder} is absent)",
        tuple(corpus.article(seed) for seed in range(synthetic)),
    )


def payloads(texts: Texts, n: int, run: str = "bench") -> list[dict[str, Any]]:
    """``n`` task payloads cycling the texts, each with its own id."""
    return [
        {"id": f"{run}-{i:05d}", "text": texts.texts[i % len(texts.texts)], "source": "bench"}
        for i in range(n)
    ]


def words(text: str) -> int:
    return len(text.split())


def article_of_words(texts: Texts, n_words: int = 1000) -> str:
    """One article of exactly ``n_words`` words: a title, then paragraphs taken from the texts in turn."""
    paragraphs: list[str] = []
    count = 0
    for text in texts.texts * 50:
        for para in (p.strip() for p in text.splitlines()):
            if not para:
                continue
            take = para.split()[: n_words - count]
            paragraphs.append(" ".join(take))
            count += len(take)
            if count >= n_words:
                return "\n\n".join(paragraphs)
    raise ValueError("not enough text to build the article")
