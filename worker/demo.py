"""``khabar demo``: the whole path on real parts, for a fresh machine.

Resolves Redis (configured, local, or the embedded one), starts a worker process,
submits the bundled example article through ``khabar.process_article``, waits for
its document, prints it, and stops what it started.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from importlib import resources

from khabar.config.settings import Settings

# Package data, so that the demo runs from an installed wheel; examples/article-001.txt in the
# repository is a link to it.
EXAMPLE = resources.files("khabar.worker") / "examples" / "article-001.txt"


def run_demo(settings: Settings, timeout: float = 120.0) -> int:
    """Return 0 when the example article is processed, 1 otherwise."""
    from khabar.worker.embedded_redis import find_url

    # An embedded Redis that runs already (a worker's, in the same data directory) is left running.
    running_before = find_url(None, settings.data_dir, use_local=False) is not None
    from khabar.tasks.validate import content_hash
    from khabar.worker import app as app_module
    from khabar.worker.batching import submit_payloads
    from khabar.worker.embedded_redis import redact, stop_embedded
    from khabar.worker.runtime import store_for

    url = app_module.app.conf.broker_url
    started_embedded = url.startswith("redis+socket://") and not settings.redis_url and not running_before
    print(f"khabar demo: Redis at {redact(url)}", file=sys.stderr)
    env = dict(os.environ, REDIS_URL=url)
    worker = subprocess.Popen(
        [sys.executable, "-m", "khabar.worker", "worker", "--concurrency", "1", "--loglevel", "WARNING"], env=env,
        stdout=sys.stderr,  # the worker's banner and logs: stdout holds the document alone
    )
    try:
        text = EXAMPLE.read_text(encoding="utf-8")
        payload = {"id": content_hash("text", text)[:32], "text": text, "source": "examples/article-001.txt"}
        store = store_for(settings, url)
        # A second demo processes the article again instead of finding the first run's document.
        store.r.delete(store.key(payload["id"]))
        (article_id,) = submit_payloads(app_module, [payload])
        print(f"khabar demo: submitted {article_id}; waiting for the worker", file=sys.stderr)
        deadline = time.monotonic() + timeout
        doc = None
        while time.monotonic() < deadline:
            doc = store.document(article_id)
            if doc and doc["status"] in ("done", "failed"):
                break
            if worker.poll() is not None:
                print("khabar demo: the worker exited early", file=sys.stderr)
                return 1
            time.sleep(0.2)
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0 if doc and doc["status"] == "done" else 1
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        if started_embedded:
            stop_embedded(settings.data_dir)
