"""Helpers for the operations tests: short articles, the CLI in a subprocess, log and queue readers."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

from khabar.worker.routing import all_queue_names
from tests import corpus
from tests.support import ROOT

QUEUES = tuple(all_queue_names("khabar"))
# Any Arabic letter: what must never appear in a log line or a Sentry event by default.
ARABIC = re.compile("[\u0621-\u064a]")


def short_payloads(n: int, start: int = 0) -> list[dict[str, Any]]:
    """``n`` valid payloads with ids, each a title and one paragraph (quick to process)."""
    out = []
    for p in corpus.payloads(n, start):
        text = corpus.article(int(str(p["id"]).split("-")[1]))
        out.append({"id": p["id"], "text": "\n".join(text.splitlines()[3:6]), "source": "tests"})
    return out


def khabar(env: dict[str, str], *args: str, timeout: float = 300.0) -> subprocess.CompletedProcess[str]:
    """Run ``khabar ARGS`` (``python -m khabar.worker``) to completion."""
    return subprocess.run([sys.executable, "-m", "khabar.worker", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def khabar_popen(env: dict[str, str], *args: str, stderr: Any = subprocess.PIPE) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "khabar.worker", *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=stderr, text=True)


def queued(client: redis.Redis) -> int:
    """Messages held in Redis for khabar: waiting in its queues (intake and every stage), or fetched by a
    worker and not yet acknowledged (a fast worker prefetches, so the queues alone are often empty)."""
    from khabar.worker.upstream import UNACKED_KEY

    pipe = client.pipeline(transaction=False)
    for q in QUEUES:
        pipe.llen(q)
    pipe.hlen(UNACKED_KEY)
    return sum(pipe.execute())


def stage_lines(log: Path) -> list[dict[str, str]]:
    """The worker's per-stage lines (text format) as dicts of their key=value fields."""
    out = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if "khabar.stages: stage finished" in line:
            out.append(dict(re.findall(r"(\w+)=(\S+)", line.split("stage finished", 1)[1])))
    return out


def wait_until(check: Callable[[], Any], timeout: float, what: str, every: float = 0.2) -> Any:
    """Poll ``check`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]
