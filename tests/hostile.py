"""Hostile but legal articles: each passes the size checks (under 1,000,000 characters and
2,000,000 bytes) and is built to make one stage work far harder than a real article would.

Deterministic; shared by the stage tests, the real-worker suite (tests/reliability/test_hostile.py)
and the growth benchmark (bench/bench_growth.py).  ``scale`` shrinks or grows a kind
(1.0 is the size the issue reported), so the benchmark can double it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from tests import corpus

# A short Arabic headline and sentence: enough Arabic letters for validation to accept a page
# whose bulk is something else.
HEADLINE = (
    "\u0627\u0644\u062d\u0643\u0648\u0645\u0629 \u062a\u0639\u0644\u0646 "
    "\u062e\u0637\u0629 \u062c\u062f\u064a\u062f\u0629"
)
SENTENCE = (
    "\u0623\u0639\u0644\u0646\u062a \u0627\u0644\u062d\u0643\u0648\u0645\u0629 \u0627\u0644\u064a\u0648\u0645 "
    "\u062e\u0637\u0629 \u062c\u062f\u064a\u062f\u0629 \u0644\u062e\u0641\u0636 \u0627\u0644\u0639\u062c\u0632."
)
HARAKAT = "".join(chr(c) for c in range(0x064B, 0x0653))  # FATHATAN .. SUKUN, MADDAH ABOVE
BEH = "\u0628"
TATWEEL = "\u0640"
ARABIC_INDIC = "".join(chr(0x0660 + i) for i in range(10))
_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\u060c\u061b\u061f\u00ab\u00bb\u2026\u2013\u2014"


@dataclass(frozen=True)
class Hostile:
    name: str
    kind: str  # "text" or "html"
    make: Callable[[float], str]  # scale -> content
    # The input reason it must fail with, or None when it must end ``done`` (with text).
    reason: str | None


def _n(base: int, scale: float) -> int:
    return max(1, int(base * scale))


def _sentence_repeated(scale: float) -> str:
    return " ".join([SENTENCE] * _n(20_000, scale))


def _distinct_sentences(scale: float) -> str:
    rng = random.Random(13)
    words = [w for _, ss in corpus.topics() for s in ss for w in s.split()]
    out = []
    for _ in range(_n(12_000, scale)):
        out.append(" ".join(rng.choice(words) for _ in range(rng.randint(6, 10))).rstrip(".") + ".")
    return HEADLINE + "\n\n" + " ".join(out)


def _dots(scale: float) -> str:
    return HEADLINE + "\n\n" + SENTENCE + " " + "." * _n(900_000, scale)


def _punctuation(scale: float) -> str:
    rng = random.Random(7)
    return HEADLINE + "\n\n" + SENTENCE + " " + "".join(rng.choice(_PUNCT) for _ in range(_n(300_000, scale)))


def _spaced_punctuation(scale: float) -> str:
    rng = random.Random(8)
    marks = " ".join(rng.choice(_PUNCT) for _ in range(_n(300_000, scale)))
    return HEADLINE + "\n\n" + SENTENCE + " " + marks


def _harakat(scale: float) -> str:
    rng = random.Random(3)
    return HEADLINE + "\n\n" + SENTENCE + " " + BEH + "".join(rng.choice(HARAKAT) for _ in range(_n(200_000, scale)))


def _nested_div(scale: float) -> str:
    n = _n(80_000, scale)
    return f"<html><body>{'<div>' * n}<p>{SENTENCE}</p>{'</div>' * n}</body></html>"


def _unclosed_b(scale: float) -> str:
    return f"<html><body><p>{SENTENCE}</p>{'<b>' * _n(150_000, scale)}{SENTENCE}</body></html>"


def _nested_tables(scale: float) -> str:
    n = _n(20_000, scale)
    return f"<html><body>{'<table><tr><td>' * n}{SENTENCE}{'</td></tr></table>' * n}</body></html>"


def _long_word(scale: float) -> str:
    rng = random.Random(5)
    letters = [chr(c) for c in range(0x0628, 0x063B)]
    return "".join(rng.choice(letters) for _ in range(_n(990_000, scale)))


def _letters_and_dots(scale: float) -> str:
    # One-letter words glued by dots: no run of symbols to cut, a token every character.
    return HEADLINE + "\n\n" + SENTENCE + " " + (BEH + ".") * _n(495_000, scale)


def _html_quotes(scale: float) -> str:
    quotes = '"' * _n(900_000, scale)
    return f"<html><body><p>{SENTENCE}</p><p>{SENTENCE} {quotes}</p></body></html>"


def _tatweel(scale: float) -> str:
    return TATWEEL * _n(500_000, scale)


def _digits(scale: float) -> str:
    # Arabic-Indic digits behind a run of tatweel, which validation counts as Arabic letters
    # and normalisation removes: nothing but digits is left.
    rng = random.Random(11)
    groups = ["".join(rng.choice(ARABIC_INDIC) for _ in range(8)) for _ in range(_n(50_000, scale))]
    return TATWEEL * 12 + " " + " ".join(groups)


def _script_only(scale: float) -> str:
    body = " ".join([SENTENCE] * _n(2_000, scale))
    return f"<html><head><script>var t = \"{body}\";</script></head><body><div> </div></body></html>"


def _good_page(scale: float) -> str:
    return "\n\n".join(corpus.article(seed) for seed in range(_n(1, scale)))


KINDS: tuple[Hostile, ...] = (
    Hostile("sentence-x20000", "text", _sentence_repeated, None),
    Hostile("distinct-12000", "text", _distinct_sentences, None),
    Hostile("dots-900000", "text", _dots, None),
    Hostile("punctuation-300000", "text", _punctuation, None),
    Hostile("spaced-punctuation-300000", "text", _spaced_punctuation, None),
    Hostile("harakat-200000", "text", _harakat, None),
    Hostile("nested-div-80000", "html", _nested_div, "too_deep"),
    Hostile("unclosed-b-150000", "html", _unclosed_b, "too_deep"),
    Hostile("nested-tables-20000", "html", _nested_tables, "too_deep"),
    Hostile("word-990000", "text", _long_word, "word_too_long"),
    Hostile("letters-and-dots-990000", "text", _letters_and_dots, None),
    Hostile("html-quotes-900000", "html", _html_quotes, None),
    Hostile("tatweel-only", "text", _tatweel, "empty_after_normalise"),
    Hostile("digits-only", "text", _digits, "empty_after_normalise"),
    # Nothing a reader sees: the payload check, which reads the page without its scripts (issue 16).
    Hostile("script-only-arabic", "html", _script_only, "empty"),
)
BY_NAME = {k.name: k for k in KINDS}


def payload(kind: Hostile, scale: float = 1.0, article_id: str | None = None) -> dict[str, object]:
    """The task payload of one hostile kind."""
    return {"id": article_id or f"hostile-{kind.name}", kind.kind: kind.make(scale), "source": "tests"}
