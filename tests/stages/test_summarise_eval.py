"""The summary evaluation's rules for spending a budget: the same for every system.

``scripts/eval_summaries.py`` turns a ranking of sentences into a summary of whole
sentences or a summary cut at the budget; the cut must fall on the lowest-ranked
sentence taken, whatever the ranking, so that a ranking not in article order is
scored by the same rule as the lead.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from khabar.tasks.summarise.analysis import Analysis, Candidate

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "eval_summaries.py"


@pytest.fixture(scope="module")
def ev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_summaries", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_summaries"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def topic(
    ev: ModuleType, lengths: list[int], budget: int, references: tuple[tuple[str, ...], ...] = ()
) -> Any:
    """A topic whose sentence k is the tokens ``k.0 k.1 ...``, one word a token."""
    tokens = tuple(tuple(f"{k}.{i}" for i in range(n)) for k, n in enumerate(lengths))
    candidates = tuple(Candidate(k, k, n, range(0), (), ()) for k, n in enumerate(lengths))
    analysis = Analysis(candidates, (), (), (), (), (), sum(lengths))
    return ev.Topic("t", None, None, analysis, references or (("x",),), budget, tokens)


def test_cut_falls_on_the_lowest_ranked_sentence_taken(ev: ModuleType) -> None:
    t = topic(ev, [5, 5, 5], budget=12)
    # Ranked 2, 0, 1: sentences 2 and 0 whole, then 2 tokens of sentence 1, in article order.
    assert ev.spend(t, [2, 0, 1], "cut") == [*t.sentence_tokens[0], "1.0", "1.1", *t.sentence_tokens[2]]
    # The lead: the article's first 12 tokens.
    lead = ev.spend(t, [0, 1, 2], "cut")
    assert lead == [tok for s in t.sentence_tokens for tok in s][:12]


def test_whole_sentences_pass_over_one_that_would_overflow(ev: ModuleType) -> None:
    t = topic(ev, [5, 8, 3], budget=9)
    assert ev.spend(t, [0, 1, 2], "whole") == [*t.sentence_tokens[0], *t.sentence_tokens[2]]
    assert ev.spend(t, [1, 0, 2], "whole") == list(t.sentence_tokens[1])


def test_every_summary_is_scored_within_the_budget(ev: ModuleType) -> None:
    ref = ("0.0", "0.1", "0.2", "0.3")
    t = topic(ev, [4, 4], budget=4, references=(ref,))
    assert ev.rouge_f(list(t.sentence_tokens[0]) + list(t.sentence_tokens[1]), t) == (1.0, 1.0)


def test_no_data_is_skipped_cleanly(
    ev: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ev.main(["--data", str(tmp_path), "--news", str(tmp_path / "news.jsonl")]) == 0
    err = capsys.readouterr().err
    assert "no EASC data" in err and "no news data" in err


def test_news_sets_are_built_in_two_disjoint_halves(ev: ModuleType, tmp_path: Path) -> None:
    import json

    from tests.corpus import topics

    news = tmp_path / "news.jsonl"
    rows = [
        {"id": f"n{k}", "title": title, "text": "\n".join(sentences)}
        for k, (title, sentences) in enumerate(topics()[:8])
    ]
    news.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    sets = ev.news_sets(news, per_half=3)
    title, paragraph = sets["title"], sets["paragraph"]
    assert 0 < len(title["tune"]) <= 3 and 0 < len(title["report"]) <= 3
    assert not {t.name for t in title["tune"]} & {t.name for t in title["report"]}
    for t in title["tune"] + title["report"]:
        assert t.sentences == 1 and t.words == len(t.references[0])
    for t in paragraph["tune"]:
        first = next(r for r in rows if r["id"] == t.name)["text"].split("\n")[0]
        assert first not in t.sectioned.text, "the reference paragraph is not in the article summarised"
