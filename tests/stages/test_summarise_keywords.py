"""Keywords: ranked on matching forms and stems, shown as the article writes them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from khabar.tasks.normalise import normalise
from khabar.tasks.records import Article, Budget, Entities, Sectioned
from khabar.tasks.section import section
from khabar.tasks.summarise import summarise
from khabar.tasks.summarise.analysis import analyse
from khabar.tasks.summarise.keywords import keywords
from khabar.tasks.summarise.terms import word_form
from tests.corpus import article
from tests.support import ROOT

NO_ENTITIES = Entities("none", ())
SHARED = ROOT.parent / "shared"
EASC = SHARED / "data" / "summaries" / "easc-dev" / "articles"
# Keywords in matching form as ranked before they were shown as written.
RANKED_BEFORE = json.loads((Path(__file__).parent / "fixtures" / "keyword_match_forms.json").read_text("utf-8"))


# The markets are written "al-aswaq" with hamza four times (twice after "and", once with a fatha
# on it) and without it three times; the ministry and the United States end in teh marbuta.
MARKETS = """الأسواق تترقب قرار وزارة المالية

قالت وزارة المالية إن الاسواق المحلية استقرت. وأضافت الوزارة أن الاسواق تنتظر قرار الولايات المتحدة.

وتراجعت الأسواق بعد بيان الولايات المتحدة. وارتفعت الأسهم والأسواق الخليجية.

وتابعت الاسواق أخبار النفط. وتترقب البنوك وَالأسواق بيانا جديدا من وزارة المالية.

وتعافت الأسواق بعد قرار الولايات المتحدة.
"""
# "Production" twice with hamza and twice without: {0} is the spelling that comes first.
OUTPUT = """ارتفاع في الخليج

{0} النفط في الخليج. وقالت الشركة إن {1} الغاز ارتفع أيضا، وإن {1} النفط سيزيد. وتوقعت أن يتراجع {0} الغاز.
"""


def sectioned(page: str) -> Sectioned:
    return section(normalise(Article(id="kw", content=page, kind="text")))


def all_keywords(page: str) -> tuple[str, ...]:
    """Every keyword of a page, not only the first ten."""
    sec = sectioned(page)
    return keywords(sec, analyse(sec, NO_ENTITIES), NO_ENTITIES, limit=100)


def match_forms(shown: tuple[str, ...]) -> list[str]:
    return [" ".join(word_form(w) for w in kw.split(" ")) for kw in shown]


def test_keywords_keep_hamza_and_teh_marbuta_as_the_article_writes_them() -> None:
    shown = all_keywords(MARKETS)
    assert shown[0] == "الأسواق", "4 with hamza (2 after wa-, dropped from what is shown) beat 3 without"
    assert "الاسواق" not in shown and "والأسواق" not in shown
    assert "الوزارة" in shown and "المحلية" in shown and "الخليجية" in shown
    assert not any(w.endswith("\u0647") for kw in shown for w in kw.split())  # no teh marbuta made heh


def test_a_phrase_is_shown_as_the_article_writes_it() -> None:
    shown = all_keywords(MARKETS)
    assert "الولايات المتحدة" in shown and "وزارة المالية" in shown
    assert "الولايات المتحده" not in shown and "وزاره الماليه" not in shown


@pytest.mark.parametrize(("first", "second"), [("انتاج", "إنتاج"), ("إنتاج", "انتاج")])
def test_equally_common_spellings_go_to_the_first_in_the_article(first: str, second: str) -> None:
    shown = all_keywords(OUTPUT.format(first, second))
    assert shown[0] == first and second not in shown


def test_ranking_is_unchanged_on_fixture_articles() -> None:
    for seed in range(10):
        sec = sectioned(article(seed))
        shown = summarise(sec, NO_ENTITIES, Budget()).keywords
        assert match_forms(shown) == RANKED_BEFORE["fixture"][str(seed)]
        for kw in shown:
            assert kw in sec.text, "shown as written"


def test_ranking_is_unchanged_on_the_example_page(example_page: str) -> None:
    shown = summarise(sectioned(example_page), NO_ENTITIES, Budget()).keywords
    assert match_forms(shown) == RANKED_BEFORE["example"]
    assert "الأميركي" in shown and "الاقتصادية" in shown and "سياسية" in shown


def test_ranking_is_unchanged_on_easc() -> None:
    if not EASC.is_dir():
        pytest.skip(f"{EASC} is absent (../shared is not on this machine)")
    moved = {}
    for name, before in RANKED_BEFORE["easc"].items():
        text = (EASC / name).read_text(encoding="utf-8-sig")
        after = match_forms(summarise(sectioned(text), NO_ENTITIES, Budget()).keywords)
        if after != before:
            moved[name] = (before, after)
    assert moved == {}


def test_keywords_do_not_depend_on_the_hash_seed() -> None:
    """Sets and dicts order by hash; run in fresh interpreters with two seeds."""
    script = textwrap.dedent(
        """
        import json
        from tests.stages.test_summarise_keywords import MARKETS, OUTPUT, all_keywords
        from tests.corpus import article
        pages = [MARKETS, OUTPUT.format("انتاج", "إنتاج")] + [article(seed) for seed in range(10)]
        print(json.dumps([all_keywords(page) for page in pages]))
        """
    )
    runs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        runs.append(json.loads(done.stdout))
    assert runs[0] == runs[1]
    assert runs[0][0] == list(all_keywords(MARKETS))
