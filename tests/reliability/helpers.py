"""Shared parts of the damage tests: fast settings, waiting, expected documents, the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import psutil
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from khabar.config.settings import Settings
from khabar.tasks.pipeline import process_payload
from khabar.worker.store import ArticleStore
from tests.support import ROOT, RedisServer

# Settings for workers under test: short limits and backoffs so damage is repaired
# in seconds, and the fast gazetteer recogniser so that restarted children are
# ready at once.  visibility_timeout must exceed hard_time_limit + retry_backoff_max.
FAST: dict[str, str] = {
    "ner_backend": "gazetteer",
    "retry_backoff": "0.05",
    "retry_backoff_max": "0.5",
    "soft_time_limit": "6",
    "hard_time_limit": "8",
    "visibility_timeout": "12",
    "restore_interval": "1",
}


def wait_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def live_children(worker: Any, killed: set[int]) -> list[int]:
    """The worker's pool processes that are alive and were not killed already (not yet reaped ones linger)."""
    out = []
    for pid in worker.children():
        try:
            if pid not in killed and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            pass
    return out


def kill_a_child(worker: Any, killed: set[int]) -> None:
    """SIGKILL one of the worker's live pool processes (and add it to ``killed``)."""
    wait_until(lambda: bool(live_children(worker, killed)), 30, "a live worker child to kill")
    pid = live_children(worker, killed)[0]
    os.kill(pid, signal.SIGKILL)
    killed.add(pid)


def finished(store: ArticleStore, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The documents (or status records) of the given articles that are done or failed."""
    out = {}
    for i in ids:
        doc = store.document(i)
        if doc is not None and doc["status"] in ("done", "failed"):
            out[i] = doc
    return out


def wait_for(store: ArticleStore, ids: list[str], timeout: float = 240.0) -> dict[str, dict[str, Any]]:
    """Wait until every article is done or failed; return their documents by id."""
    deadline = time.monotonic() + timeout
    docs: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline:
        try:
            docs |= finished(store, [i for i in ids if i not in docs])
        except redis.ConnectionError:
            pass  # the test itself may be restarting Redis
        if len(docs) == len(ids):
            return docs
        time.sleep(0.25)
    missing = sorted(set(ids) - set(docs))
    states = {i: store.document(i) for i in missing[:3]}
    raise AssertionError(f"{len(missing)} article(s) not finished in {timeout} s: {missing[:5]} {states}")


def count_done(store: ArticleStore, ids: Iterable[str]) -> int:
    try:
        return sum(1 for i in ids if store.status(i) == "done")
    except redis.ConnectionError:
        return 0


@cache
def _resources() -> Any:
    from khabar.worker.runtime import resources_from

    return resources_from(Settings(ner_backend="gazetteer"))


def expected_document(payload: dict[str, Any]) -> dict[str, Any]:
    """The document ``khabar process`` makes of a payload, with the workers' settings under test."""
    from khabar.worker.runtime import budget_from, limits_from

    settings = Settings(ner_backend="gazetteer")
    return process_payload(payload, limits_from(settings), budget_from(settings), _resources())


def comparable(doc: dict[str, Any]) -> dict[str, Any]:
    """The document without its timings, which differ from run to run."""
    out = dict(doc)
    out["stages"] = {
        name: {k: v for k, v in run.items() if k != "seconds"} for name, run in doc["stages"].items()
    }
    return out


def khabar(env: dict[str, str], *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run the ``khabar`` command line in a fresh process."""
    return subprocess.run([sys.executable, "-m", "khabar.worker", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


class PrivateRedis(RedisServer):
    """A private redis-server whose client does not retry: stopping it takes no seconds of retries."""

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, retry=Retry(NoBackoff(), 0))


class ConfiguredRedis(RedisServer):
    """A private redis-server with extra arguments (a password; TLS on its port when ``tls``)."""

    def __init__(self, directory: Path, url: str, extra: list[str], client_kwargs: dict[str, Any],
                 tls: bool = False) -> None:
        super().__init__(directory)
        self.extra = extra
        self.tls = tls
        self.client_kwargs = {"host": "127.0.0.1", "port": self.port, **client_kwargs}
        self._url = url.format(port=self.port)

    @property
    def url(self) -> str:
        return self._url

    def client(self) -> redis.Redis:
        return redis.Redis(retry=Retry(NoBackoff(), 0), **self.client_kwargs)

    def start(self) -> ConfiguredRedis:
        from tests.support import redis_server_binary

        ports = ["--port", "0", "--tls-port", str(self.port)] if self.tls else ["--port", str(self.port)]
        args = [redis_server_binary(), *ports, "--bind", "127.0.0.1", "--dir", str(self.dir), "--save", "",
                "--appendonly", "no", "--logfile", str(self.dir / "redis.log"), *self.extra]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if self.client().ping():
                    return self
            except redis.ConnectionError:
                time.sleep(0.05)
        log = (self.dir / "redis.log").read_text() if (self.dir / "redis.log").exists() else ""
        self.stop()
        raise RuntimeError(f"redis-server did not start: {log[-2000:]}")


def checked_retries(store: ArticleStore, ids: Iterable[str]) -> list[tuple[str, dict[str, Any]]]:
    """Every recorded retry of these articles as (stage, record), checked against the FAST backoff.

    An article's retries of a stage are numbered 1..n with none missing, each an injected fault;
    the next attempt did not run before the earlier countdown ran out; and with equal jitter each
    delay lies in [base/2, base] for its retry number.
    """
    backoff, backoff_max = float(FAST["retry_backoff"]), float(FAST["retry_backoff_max"])
    out = []
    for article_id in ids:
        for stage, records in store.retries(article_id).items():
            assert stage in ("normalise", "section", "entities", "summarise")
            assert [r["retry"] for r in records] == list(range(1, len(records) + 1))
            assert all(r["error"] == "InjectedFault" for r in records)
            for earlier, later in zip(records, records[1:], strict=False):
                assert later["at"] - earlier["at"] >= earlier["delay"] - 0.01
            for r in records:
                base = min(backoff_max, backoff * 2 ** (r["retry"] - 1))
                assert base / 2 - 1e-3 <= r["delay"] <= base + 1e-3, r
                out.append((stage, r))
    return out
