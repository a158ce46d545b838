"""The command line as an operator meets it: no Redis, a Redis that went away, ordinary misuse.

Real processes (``python -m khabar.worker ...``), real Redis servers; no traceback is
ever acceptable on these paths, and each failure is one line with a documented exit code.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from khabar.worker.backfill import Stats
from khabar.worker.cli.backfill import progress_bar
from khabar.worker.embedded_redis import client_for, stop_embedded
from khabar.worker.store import ArticleStore
from tests.ops.helpers import QUEUES, khabar, short_payloads
from tests.support import ROOT, RedisServer, free_port, worker_env

EXIT_NO_REDIS = 69
EXAMPLE = ROOT / "examples" / "article-001.txt"

# Every command that talks to Redis, with arguments that would otherwise work.
REDIS_COMMANDS = [
    ("status",), ("get", "some-id"), ("submit", str(EXAMPLE), "--redis-wait", "0"),
    ("backfill", str(ROOT / "examples")), ("failed", "list"), ("failed", "show", "some-id"),
    ("failed", "retry", "some-id"), ("failed", "retry", "--all"), ("failed", "stuck"),
    ("failed", "stuck", "--requeue"), ("failed", "purge", "--yes"),
]


def run(env: dict[str, str], *args: str, cwd: Path = ROOT, timeout: float = 120,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "khabar.worker", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, input=stdin)


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text[-3000:]
    return lines[0]


def test_every_redis_command_says_in_one_line_that_redis_is_unreachable(tmp_path: Path) -> None:
    """Nothing listens on the port: each command names the URL (password masked) and exits 69 at once."""
    url = f"redis://:s3cret-pw@127.0.0.1:{free_port()}/0"
    env = worker_env(url, tmp_path / "data")
    started = time.monotonic()
    procs = {args: subprocess.Popen([sys.executable, "-m", "khabar.worker", *args], env=env, cwd=ROOT,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for args in REDIS_COMMANDS}
    for args, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        line = one_line(err)
        assert proc.returncode == EXIT_NO_REDIS, (args, out, err)
        assert "s3cret-pw" not in out + err
        assert f"redis://:***@127.0.0.1:{url.rsplit(':', 1)[1].split('/')[0]}/0" in line, (args, line)
        assert "unreachable" in line
    # Eleven Python processes start at once on a busy machine: the bound is generous, the
    # old behaviour was 12-23 s each, one after the other.
    assert time.monotonic() - started < 60


def test_submit_waits_for_redis_as_long_as_it_is_told_then_gives_up_in_one_line(tmp_path: Path) -> None:
    env = worker_env(f"redis://127.0.0.1:{free_port()}/0", tmp_path / "data")
    started = time.monotonic()
    out = run(env, "submit", str(EXAMPLE), "--redis-wait", "4")
    took = time.monotonic() - started
    assert out.returncode == EXIT_NO_REDIS, out.stderr
    assert "Traceback" not in out.stderr
    waiting, gave_up = out.stderr.strip().splitlines()
    assert "waiting up to 4 s" in waiting
    assert "after waiting 4 s" in gave_up
    assert 4 <= took < 60


def test_submit_sends_once_redis_comes_back_within_the_wait(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis")
    env = worker_env(server.url, tmp_path / "data")
    proc = subprocess.Popen([sys.executable, "-m", "khabar.worker", "submit", str(EXAMPLE)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(4)
        assert proc.poll() is None, proc.communicate()
        server.start()
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        article_id = out.strip()
        assert ArticleStore(server.client()).status(article_id) == "queued"
    finally:
        proc.kill()
        server.stop()


def _embedded_env(tmp_path: Path) -> dict[str, str]:
    """No REDIS_URL, no local 6379, no KHABAR_DATA_DIR: the default per-user directory under XDG_DATA_HOME."""
    env = worker_env("", tmp_path / "unused")
    for name in ("REDIS_URL", "KHABAR_DATA_DIR"):
        env.pop(name)
    env.update(XDG_DATA_HOME=str(tmp_path / "xdg"), KHABAR_USE_LOCAL_REDIS="0", KHABAR_NER_BACKEND="gazetteer")
    return env


def test_read_only_commands_start_no_redis_and_say_none_runs(tmp_path: Path) -> None:
    env = _embedded_env(tmp_path)
    data = tmp_path / "xdg" / "khabar"
    for args in (("status",), ("get", "x"), ("failed", "list"), ("failed", "show", "x"), ("failed", "stuck"),
                 ("failed", "purge", "--yes")):
        out = run(env, *args, cwd=tmp_path)
        assert out.returncode == EXIT_NO_REDIS, (args, out.stdout, out.stderr)
        line = one_line(out.stderr)
        assert "no Redis running" in line and str(data) in line
    assert not data.exists() or not (data / "redis.sock").exists()


def test_one_embedded_redis_per_user_whatever_the_folder(tmp_path: Path) -> None:
    """A worker started in one folder, a submit in another and a get in a third meet on one Redis."""
    env = _embedded_env(tmp_path)
    data = tmp_path / "xdg" / "khabar"
    folders = [tmp_path / name for name in ("a", "b", "c")]
    for f in folders:
        f.mkdir()
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen([sys.executable, "-m", "khabar.worker", "worker", "-c", "1"], env=env,
                              cwd=folders[0], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while b"ready." not in (tmp_path / "worker.log").read_bytes():
            assert worker.poll() is None and time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.2)
        assert (data / "redis.sock").exists()
        article = folders[1] / "article.txt"
        article.write_text(short_payloads(1, start=5)[0]["text"], encoding="utf-8")
        sent = run(env, "submit", str(article), cwd=folders[1])
        assert sent.returncode == 0, sent.stderr
        article_id = sent.stdout.strip()
        got = run(env, "get", article_id, "--wait", "90", cwd=folders[2])
        assert got.returncode == 0, got.stderr
        assert json.loads(got.stdout)["status"] == "done"
        status = json.loads(run(env, "status", cwd=folders[2]).stdout)
        assert status["redis"] == f"redis+socket://{data.resolve() / 'redis.sock'}"
        assert status["articles"]["done"] == 1
        for f in folders:  # nothing written under the folders the commands ran in
            assert not (f / ".khabar").exists()
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, 9)
        log.close()
        stop_embedded(data)


def test_a_directory_argument_means_its_articles(tmp_path: Path) -> None:
    env = worker_env("redis://127.0.0.1:1/0", tmp_path / "data", ner_backend="gazetteer")
    (tmp_path / "arts" / "sub").mkdir(parents=True)
    payloads = short_payloads(2, start=11)
    (tmp_path / "arts" / "one.txt").write_text(payloads[0]["text"], encoding="utf-8")
    (tmp_path / "arts" / "sub" / "two.html").write_text(f"<html><body><p>{payloads[1]['text']}</p></body></html>",
                                                          encoding="utf-8")
    (tmp_path / "arts" / "notes.md").write_text("not an article", encoding="utf-8")
    out = run(env, "process", str(tmp_path / "arts"))
    assert out.returncode == 0, out.stderr
    docs = [json.loads(line) for line in out.stdout.splitlines()]
    assert [d["input_format"] for d in docs] == ["text", "html"]
    (tmp_path / "empty").mkdir()
    for command in ("process", "submit"):
        out = run(env, command, str(tmp_path / "empty"))
        assert out.returncode == 2
        assert ".txt, .html or .htm" in one_line(out.stderr)


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("KHABAR_MAX_RETRIES", "lots", "KHABAR_MAX_RETRIES: Input should be a valid integer"),
    ("KHABAR_NER_BACKEND", "spacy", "KHABAR_NER_BACKEND: Input should be 'crf', 'bert' or 'gazetteer'"),
    ("KHABAR_SOFT_TIME_LIMIT", "500", "soft_time_limit (500 s) must not exceed hard_time_limit"),
])
def test_an_invalid_setting_is_one_line_naming_the_variable(tmp_path: Path, variable: str, value: str,
                                                            says: str) -> None:
    env = worker_env("redis://127.0.0.1:1/0", tmp_path / "data") | {variable: value}
    for args in (("status",), ("process", str(EXAMPLE)), ("worker",)):
        out = run(env, *args)
        assert out.returncode == 2, (args, out.stderr)
        line = one_line(out.stderr)
        assert line.startswith("khabar: invalid setting: ") and says in line, line


def test_backfill_refuses_an_unknown_format(clean_redis: RedisServer, tmp_path: Path) -> None:
    out = run(worker_env(clean_redis.url, tmp_path / "data"), "backfill", str(EXAMPLE), "--format", "xml")
    assert out.returncode == 2
    said = " ".join(out.stderr.replace("│", " ").split())  # rich draws the usage error in a wrapped box
    assert "'xml' is not one of 'jsonl', 'csv', 'dir'" in said, said
    assert "Traceback" not in out.stderr


def test_failed_retry_of_an_unretryable_id_exits_1_with_the_reason(clean_redis: RedisServer, tmp_path: Path) -> None:
    env = worker_env(clean_redis.url, tmp_path / "data")
    store = ArticleStore(clean_redis.client())
    store.fail("task-abc", "intake", "not_arabic", "article is not Arabic")
    out = run(env, "failed", "retry", "no-such-id")
    assert out.returncode == 1 and "no-such-id: no failure recorded" in out.stdout
    out = run(env, "failed", "retry", "task-abc")
    assert out.returncode == 1 and "payload was not stored, resubmit it" in out.stdout


def test_failed_purge_asks_first(clean_redis: RedisServer, tmp_path: Path) -> None:
    env = worker_env(clean_redis.url, tmp_path / "data")
    store = ArticleStore(clean_redis.client())
    for i in range(3):
        store.fail(f"f-{i}", "section", "error", "boom")
    out = run(env, "failed", "purge", stdin="")  # no terminal to ask on
    assert out.returncode == 2 and "--yes" in one_line(out.stderr)
    assert clean_redis.client().zcard(store.failed_key) == 3
    out = run(env, "failed", "purge", "--yes")
    assert out.returncode == 0 and "purged 3" in out.stdout
    assert clean_redis.client().zcard(store.failed_key) == 0


def test_the_progress_line_keeps_counts_rate_and_eta_at_80_columns() -> None:
    for width in (80, 132):
        buffer = io.StringIO()
        console = Console(file=buffer, width=width, force_terminal=True, color_system=None, highlight=False)
        stats = Stats(total=100_000, position=50_000, sent=50_000, done=48_000, failed=12, skipped=900, bad=3,
                      in_flight=1000)
        with progress_bar(console) as update:
            update(stats)
            time.sleep(0.3)
            stats.done += 500
            update(stats)
        drawn = re.sub(r"\x1b\[[?0-9;]*[a-zA-Z]", "", buffer.getvalue())  # cursor and erase codes
        last = [line for line in drawn.replace("\r", "\n").splitlines() if line.strip()][-1].rstrip()
        assert len(last) <= width, last
        assert "/s" in last and "ETA" in last, last
        for count in ("48500", "12", "900", "1000"):
            assert count in last, (width, last)


def test_status_shows_celerys_default_queue_and_says_what_it_is(clean_redis: RedisServer, tmp_path: Path) -> None:
    client = clean_redis.client()
    client.lpush("celery", "{}", "{}")
    out = run(worker_env(clean_redis.url, tmp_path / "data"), "status")
    status = json.loads(out.stdout)
    assert status["queues"]["celery"] == 2
    assert set(QUEUES) <= set(status["queues"])
    assert "sent without queue='khabar'" in status["warning"]


def test_backfilled_articles_are_in_the_in_flight_index(clean_redis: RedisServer, tmp_path: Path) -> None:
    """No worker; the queue is purged: `failed stuck` still finds every backfilled article."""
    source = tmp_path / "a.jsonl"
    payloads = short_payloads(5, start=30)
    source.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in payloads), encoding="utf-8")
    env = worker_env(clean_redis.url, tmp_path / "data")
    out = run(env, "backfill", str(source), "--no-wait", "--no-progress")
    assert out.returncode in (0, 1), out.stderr
    client = clean_redis.client()
    client.delete(*QUEUES)  # the messages are lost
    out = run(env, "failed", "stuck", "--older-than", "0")
    assert out.returncode == 0, out.stderr
    assert {json.loads(line)["id"] for line in out.stdout.splitlines()} == {p["id"] for p in payloads}


def test_a_second_demo_processes_the_article_again(tmp_path: Path, redis_server: RedisServer) -> None:
    redis_server.client().flushall()
    env = worker_env(redis_server.url, tmp_path / "data", ner_backend="gazetteer")
    first = khabar(env, "demo")
    assert first.returncode == 0, first.stderr[-3000:]
    article_id = json.loads(first.stdout)["id"]
    store = ArticleStore(client_for(redis_server.url))
    stale = dict(json.loads(first.stdout), stale_marker=True)
    store.r.hset(store.key(article_id), "document", json.dumps(stale, ensure_ascii=False))
    second = khabar(env, "demo")
    assert second.returncode == 0, second.stderr[-3000:]
    doc: dict[str, Any] = json.loads(second.stdout)
    assert doc["status"] == "done" and "stale_marker" not in doc


@pytest.mark.parametrize(("answer", "code", "left"), [("n", 1, 2), ("y", 0, 0)])
def test_failed_purge_on_a_terminal_asks_and_respects_the_answer(clean_redis: RedisServer, tmp_path: Path,
                                                                 answer: str, code: int, left: int) -> None:
    import pty

    store = ArticleStore(clean_redis.client())
    for i in range(2):
        store.fail(f"g-{i}", "section", "error", "boom")
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "khabar.worker", "failed", "purge"],
                            env=worker_env(clean_redis.url, tmp_path / "data"), cwd=ROOT, stdin=follower,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.close(follower)
    try:
        os.write(leader, f"{answer}\n".encode())
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(leader)
    assert proc.returncode == code, (out, err)
    assert "Forget 2 failed article(s)" in out
    assert clean_redis.client().zcard(store.failed_key) == left
