"""kombu's Redis transport, with the hand-over of a message made to survive a Redis restart.

kombu takes a message off its queue with BRPOP and only then records it in the
``unacked`` hash, from which an unacknowledged message is restored after the
visibility timeout.  If the connection drops between the two (Redis restarting
while a busy worker is fetching), the message is in neither place: it is lost,
and its article would stay ``running`` for ever.  Here the recording is retried
until Redis answers again (up to ``HOLD_SECONDS``), holding the message in memory
meanwhile; once recorded it is safe whatever happens next.

What remains: a worker killed by SIGKILL in the microseconds between the two
steps, or a Redis outage longer than ``HOLD_SECONDS`` at that instant, still
loses the message (see docs/RELIABILITY.md).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from kombu.transport import redis as kombu_redis

log = logging.getLogger("khabar.transport")

HOLD_SECONDS = 60.0


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


class Channel(kombu_redis.Channel):  # type: ignore[misc]
    QoS = QoS


class Transport(kombu_redis.Transport):  # type: ignore[misc]
    Channel = Channel
