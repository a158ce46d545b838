"""How workers reach Redis: TLS options, and a Redis transport that keeps fetched messages.

``tls_options`` turns the query string of a ``rediss://`` URL into SSL options.

kombu takes a message off its queue with BRPOP and only then records it in the
``unacked`` hash, from which an unacknowledged message is restored after the
visibility timeout.  If the connection drops between the two (Redis restarting
while a busy worker is fetching), the message is in neither place: it is lost,
and its article would stay ``running`` for ever.  Here the recording is retried
until Redis answers again (up to ``HOLD_SECONDS``), holding the message in memory
meanwhile; once recorded it is safe whatever happens next.

Also: closing a channel after its connection dropped no longer stops the worker
(see ``QoS.restore_unacked``).

What remains: a worker killed by SIGKILL in the microseconds between the two
steps, or a Redis outage longer than ``HOLD_SECONDS`` at that instant, still
loses the message (see docs/RELIABILITY.md).
"""

from __future__ import annotations

import logging
import ssl
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kombu.transport import redis as kombu_redis
from kombu.transport import virtual as kombu_virtual
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import AuthenticationError, AuthorizationError
from redis.retry import Retry

log = logging.getLogger("khabar.transport")

HOLD_SECONDS = 60.0


class Reconnect(Retry):  # type: ignore[misc]
    """redis-py's retry, for lost connections only: a wrong password will not pass by waiting."""

    def call_with_retry(
        self, do: Any, fail: Any, is_retryable: Any = None, with_failure_count: bool = False
    ) -> Any:
        def retryable(error: Exception) -> bool:
            if isinstance(error, AuthenticationError | AuthorizationError):
                return False
            return is_retryable is None or bool(is_retryable(error))

        return super().call_with_retry(do, fail, retryable, with_failure_count)


def reconnecting(retries: int = 10) -> Retry:
    """Retry a command through a Redis restart: about 10 s of reconnecting with backoff and jitter."""
    return Reconnect(ExponentialWithJitterBackoff(base=0.1, cap=2.0), retries=retries)


class QoS(kombu_redis.QoS):  # type: ignore[misc]
    def append(self, message: Any, delivery_tag: Any) -> None:
        deadline = time.monotonic() + HOLD_SECONDS
        delay = 0.1
        while True:
            try:
                super().append(message, delivery_tag)
                return
            except self.channel.connection_errors:
                if time.monotonic() >= deadline:
                    log.critical("message %s taken off its queue could not be recorded; it is lost",
                                 delivery_tag)
                    raise
                log.warning("Redis unreachable while recording a fetched message; holding it and retrying")
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    def restore_unacked(self, client: Any = None) -> None:
        # Called as a channel closes, often because the connection just dropped; kombu
        # then fails with a connection error or, on a half-closed connection, an
        # AttributeError that Celery treats as fatal and stops the worker.  The
        # messages are still in Redis's unacked hash: the visibility sweep brings
        # them back, so nothing is lost by leaving them there.
        try:
            super().restore_unacked(client)
        except (AttributeError, *self.channel.connection_errors):
            log.warning("unacknowledged messages left in Redis as the connection closed; "
                        "they come back after the visibility timeout")
            self._delivered.clear()  # type: ignore[attr-defined]


    def ack(self, delivery_tag: Any) -> None:
        # An ack that runs after its connection dropped and was replaced (a Redis restart) finds
        # the channel closed; kombu then raises AttributeError in the worker's main process, which
        # Celery treats as fatal.  The message stays in Redis's unacked hash and comes back after
        # the visibility timeout (a duplicate the stages make harmless): forget it here and go on.
        try:
            super().ack(delivery_tag)
        except (AttributeError, *self.channel.connection_errors):
            log.warning("could not acknowledge a message as the connection closed; "
                        "it comes back after the visibility timeout")
            kombu_virtual.QoS.ack(self, delivery_tag)


class Channel(kombu_redis.Channel):  # type: ignore[misc]
    QoS = QoS


class Transport(kombu_redis.Transport):  # type: ignore[misc]
    Channel = Channel


_SSL_OPTIONS = ("ssl_cert_reqs", "ssl_ca_certs", "ssl_certfile", "ssl_keyfile")


def tls_options(url: str) -> dict[str, Any] | None:
    """SSL options for a ``rediss://`` URL (None for others), taken from its query string.

    The certificate is verified unless the URL says otherwise (``ssl_cert_reqs=none``):
    kombu alone would silently skip verification, Celery's result backend would refuse
    the URL.  Options: ssl_cert_reqs (required|optional|none), ssl_ca_certs,
    ssl_certfile, ssl_keyfile.
    """
    parts = urlsplit(url)
    if parts.scheme != "rediss":
        return None
    query = {k: v[-1] for k, v in parse_qs(parts.query).items() if k in _SSL_OPTIONS}
    reqs = {"required": ssl.CERT_REQUIRED, "optional": ssl.CERT_OPTIONAL, "none": ssl.CERT_NONE}
    name = query.get("ssl_cert_reqs", "required").lower().removeprefix("cert_")
    if name not in reqs:
        raise ValueError(f"ssl_cert_reqs must be one of {', '.join(reqs)}, not {name!r}")
    return {**query, "ssl_cert_reqs": reqs[name]}
