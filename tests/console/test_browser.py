"""The console in real headless Chromium (Debian's ``chromium``, driven by Playwright, which never
downloads a browser of its own here): the seed page's article reads right to left with its entity
highlights, without JavaScript and without anything from another host; screenshots of the list, the
article, a failed article and the failures page are saved (to docs/img with
``KHABAR_SCREENSHOTS_DIR=docs/img``, as docs/OPERATIONS.md shows them)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.console.helpers import AUTH, World, build_world, document
from tests.ops.helpers import wait_until
from tests.support import ROOT, free_port

CHROMIUM = os.environ.get("KHABAR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
SEED = ROOT.parent / "shared" / "examples" / "news-page-001.txt"
SEED_ID = "news-page-001"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium (Debian's package) to run the "
                    "browser test (KHABAR_CHROMIUM names another binary)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[console-test]'")
    if not SEED.exists():
        pytest.skip(f"{SEED} is absent (../shared is not on this machine)")
    seed = {"id": SEED_ID, "text": SEED.read_text(encoding="utf-8"), "source": "shared-examples"}
    yield from build_world(tmp_path_factory.mktemp("browser"), extra=[seed])


@pytest.fixture(scope="module")
def console_url(seeded: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("console-server") / "console.log"
    env = seeded.env() | {"FLOWER_BASIC_AUTH": ":".join(AUTH)}
    proc = subprocess.Popen([sys.executable, "-m", "khabar.worker", "console", "--port", str(port)], env=env,
                            cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        def up() -> bool:
            assert proc.poll() is None, log.read_text()[-3000:]
            import urllib.request

            try:
                with urllib.request.urlopen(f"{base}/healthcheck", timeout=5) as answer:
                    return answer.status == 200
            except OSError:
                return False

        wait_until(up, 60, "the console to answer")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_seed_article_reads_right_to_left_with_highlights_and_screenshots(
    seeded: World, console_url: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("KHABAR_SCREENSHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    doc = document(seeded, SEED_ID)
    mentions = sum(len(e["mentions"]) for e in doc["entities"])
    assert mentions > 0
    requested: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            # Reading needs no JavaScript: the pages are read with it switched off.
            context = browser.new_context(http_credentials={"username": AUTH[0], "password": AUTH[1]},
                                          java_script_enabled=False, viewport={"width": 1280, "height": 900},
                                          locale="en-GB", timezone_id="UTC")
            page = context.new_page()
            page.on("request", lambda r: requested.append(r.url))

            def counted() -> bool:  # the console counts by status in the background after it starts
                page.goto(f"{console_url}/articles")
                return "Counting articles" not in page.inner_text("header")

            wait_until(counted, 30, "the console's first count by status")
            assert page.locator("table.rows tbody tr").count() == len(seeded.all_ids())
            page.screenshot(path=str(shots / "console-list.png"), full_page=True)

            page.goto(f"{console_url}/articles/{SEED_ID}")
            article = page.locator("article.reader")
            assert article.get_attribute("dir") == "rtl" and article.get_attribute("lang") == "ar"
            assert article.evaluate("a => getComputedStyle(a).direction") == "rtl"
            # Right to left on screen: the title's first letter sits at the article's right edge.
            edges = article.evaluate("""a => {
                const walker = document.createTreeWalker(a.querySelector('h1'), NodeFilter.SHOW_TEXT);
                const node = walker.nextNode(); const range = document.createRange();
                range.setStart(node, 0); range.setEnd(node, 1);
                const box = a.getBoundingClientRect(), style = getComputedStyle(a);
                return {first: range.getBoundingClientRect().right,
                        inner: box.right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth),
                        left: box.left};
            }""")
            assert abs(edges["first"] - edges["inner"]) < 4, edges
            marks = article.locator("mark.ent")
            assert marks.count() == mentions
            colours = marks.evaluate_all("ms => ms.map(m => [m.dataset.type, getComputedStyle(m).backgroundColor])")
            assert all(colour not in ("rgba(0, 0, 0, 0)", "transparent") for _, colour in colours)
            by_type = {t: c for t, c in colours}
            assert len(set(by_type.values())) == len(by_type), by_type  # one colour per type
            assert article.locator("span.summary, mark.in-summary").count() > 0
            font = article.evaluate("a => getComputedStyle(a).fontFamily")
            assert font.startswith('"Noto Naskh Arabic"'), font
            page.screenshot(path=str(shots / "console-article.png"), full_page=True)

            page.goto(f"{console_url}/articles/{seeded.failed[0]}")
            assert page.locator("section.failure dd.reason").inner_text() == "retries_exhausted"
            assert page.locator("section.failure button").count() == 1
            page.screenshot(path=str(shots / "console-failure.png"), full_page=True)

            page.goto(f"{console_url}/failures")
            assert page.locator("section.group").count() == 2
            page.screenshot(path=str(shots / "console-failures.png"), full_page=True)
            context.close()
        finally:
            browser.close()
    hosts = {urlsplit(url).netloc for url in requested}
    assert hosts == {urlsplit(console_url).netloc}, hosts  # no fonts, scripts or anything else from elsewhere
    for name in ("console-list", "console-article", "console-failure", "console-failures"):
        png = (shots / f"{name}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
