"""Worker logs (JSON, one line per stage per article, no text) and stages split across workers by queue."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from khabar.worker.store import ArticleStore
from tests.conftest import celery_client
from tests.ops.helpers import ARABIC, short_payloads, stage_lines, wait_until
from tests.support import ROOT, RedisServer, worker_env


def test_json_logs_one_line_per_stage_with_outcome_and_no_text(
    clean_redis: RedisServer, make_worker: Any
) -> None:
    # Every entities run hits an injected transient fault: one retry, then retries_exhausted.
    worker = make_worker(clean_redis.url, concurrency=1, log_json="1", fault_stage="entities", fault_rate="1",
                         max_retries="1", retry_backoff="0.05", retry_backoff_max="0.1")
    good = short_payloads(2, start=80)
    bad = {"id": "english-only", "text": "Only English words here, none of them Arabic."}
    client = celery_client(clean_redis.url)
    for payload in (*good, bad):
        client.send_task("khabar.process_article", args=[payload], queue="khabar")
    store = ArticleStore(clean_redis.client())
    ids = [str(p["id"]) for p in good]
    wait_until(lambda: all(store.status(i) == "failed" for i in [*ids, "english-only"]), 90, "all to fail")

    def stage_records() -> list[dict[str, Any]]:
        lines = worker.log.read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.startswith("{")]
        return [r for r in records if r["logger"] == "khabar.stages"]

    wait_until(lambda: len(stage_records()) >= 2 * 5 + 1, 30, "the last stage line")
    text = worker.log.read_text(encoding="utf-8")
    assert "ready." in text and not ARABIC.search(text)
    records = stage_records()
    for r in records:
        assert set(r) >= {"ts", "level", "article_id", "stage", "seconds", "outcome", "task_id"}
        assert isinstance(r["seconds"], float) and r["seconds"] >= 0
    outcomes = Counter((r["article_id"], r["stage"], r["outcome"]) for r in records)
    for article_id in ids:
        assert outcomes[(article_id, "validate", "done")] == 1
        assert outcomes[(article_id, "normalise", "done")] == 1
        assert outcomes[(article_id, "section", "done")] == 1
        assert outcomes[(article_id, "entities", "retry")] == 1
        assert outcomes[(article_id, "entities", "failed:retries_exhausted")] == 1
        assert not any(k[0] == article_id and k[1] == "summarise" for k in outcomes)
    assert outcomes[("english-only", "validate", "failed:not_arabic")] == 1
    assert len(records) == sum(outcomes.values()) == 11


def test_entities_on_its_own_worker(clean_redis: RedisServer, make_worker: Any) -> None:
    main = make_worker(clean_redis.url, concurrency=1,
                       queues="khabar,khabar.normalise,khabar.section,khabar.summarise")
    entities = make_worker(clean_redis.url, concurrency=1, queues="khabar.entities")
    payloads = short_payloads(6, start=100)
    client = celery_client(clean_redis.url)
    for p in payloads:
        client.send_task("khabar.process_article", args=[p], queue="khabar")
    store = ArticleStore(clean_redis.client())
    ids = [str(p["id"]) for p in payloads]
    wait_until(lambda: all(store.status(i) == "done" for i in ids), 90, "the articles to be done")

    ran = {name: Counter(line["stage"] for line in stage_lines(w.log)) for name, w in
           (("main", main), ("entities", entities))}
    assert ran["entities"] == {"entities": 6}
    assert ran["main"] == {"validate": 6, "normalise": 6, "section": 6, "summarise": 6}
    assert all(len(store.document(i)["stages"]) == 4 for i in ids)  # type: ignore[index]


def test_with_json_logs_every_line_of_stdout_and_stderr_is_one_json_object(
    clean_redis: RedisServer, tmp_path: Path
) -> None:
    """A real worker, started, fed an article and a rejected one, stopped: both streams parse line by line."""
    env = worker_env(clean_redis.url, tmp_path / "data", log_json="1", ner_backend="gazetteer")
    # Python warnings are shown, not filtered: any that fires must come out as a JSON record too.
    env["PYTHONWARNINGS"] = "always"
    out_path, err_path = tmp_path / "stdout", tmp_path / "stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        worker = subprocess.Popen([sys.executable, "-m", "khabar.worker", "worker", "-c", "1"], env=env, cwd=ROOT,
                                  stdout=out, stderr=err, start_new_session=True)
        try:
            wait_until(lambda: b" ready." in err_path.read_bytes() or worker.poll() is not None, 90, "ready")
            payload = short_payloads(1, start=120)[0]
            client = celery_client(clean_redis.url)
            client.send_task("khabar.process_article", args=[payload], queue="khabar")
            client.send_task("khabar.process_article", args=[{"id": "en", "text": "English only, no Arabic."}],
                             queue="khabar")
            store = ArticleStore(clean_redis.client())
            wait_until(lambda: store.status(str(payload["id"])) == "done" and store.status("en") == "failed", 90,
                       "the articles to end")
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
    records = []
    for path in (out_path, err_path):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except ValueError:
                    raise AssertionError(f"{path.name} line {n} is not JSON: {line!r}") from None
    assert all(isinstance(r, dict) and {"ts", "level", "logger", "message"} <= set(r) for r in records)
    messages = [r["message"] for r in records]
    assert any(m == "worker starting" for m in messages)
    assert any(m.endswith(" ready.") for m in messages)
    assert any("Warm shutdown" in m for m in messages)
    outcomes = {(r.get("article_id"), r.get("stage"), r.get("outcome")) for r in records}
    assert (str(payload["id"]), "summarise", "done") in outcomes
    assert ("en", "validate", "failed:not_arabic") in outcomes
