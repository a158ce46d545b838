"""The hand-over of a fetched message survives a Redis restart (khabar.worker.transport)."""

from __future__ import annotations

import threading
import time

from kombu import Connection

from khabar.worker.transport import QoS, Transport
from tests.reliability.helpers import PrivateRedis


def test_fetched_message_is_kept_until_redis_is_back(tmp_path) -> None:
    server = PrivateRedis(tmp_path / "redis", persistent=True).start()
    try:
        with Connection(server.url, transport=Transport) as conn:
            channel = conn.default_channel
            assert isinstance(channel.qos, QoS)
            raw = channel.prepare_message('{"a": 1}', content_type="application/json")
            raw["properties"]["delivery_info"] = {"exchange": "", "routing_key": "q"}
            raw["properties"]["delivery_tag"] = "tag-1"
            message = channel.Message(raw, channel=channel)
            server.stop()  # Redis goes away just as the message was taken off its queue...
            restarter = threading.Timer(1.5, server.start)
            restarter.start()
            started = time.monotonic()
            channel.qos.append(message, "tag-1")  # ...and the worker holds it until Redis is back
            held = time.monotonic() - started
            restarter.join()
            assert server.client().hexists("unacked", "tag-1")
        # Unacknowledged when the connection closed: put back on its queue, not lost.
        assert server.client().llen("q") == 1
        assert held >= 1.0
    finally:
        server.stop()


def test_closing_a_half_closed_channel_leaves_messages_in_redis(tmp_path) -> None:
    server = PrivateRedis(tmp_path / "redis").start()
    try:
        conn = Connection(server.url, transport=Transport)
        channel = conn.default_channel
        raw = channel.prepare_message('{"a": 1}', content_type="application/json")
        raw["properties"]["delivery_info"] = {"exchange": "", "routing_key": "q"}
        raw["properties"]["delivery_tag"] = "tag-2"
        channel.qos.append(channel.Message(raw, channel=channel), "tag-2")
        # The state kombu leaves after a dropped connection, in which restoring at close
        # raised AttributeError and Celery stopped the worker ("Unrecoverable error").
        channel.connection.client = None
        channel._pool = None
        channel.close()  # no exception
        # Still recorded as unacknowledged: the visibility sweep will put it back.
        assert server.client().hexists("unacked", "tag-2")
    finally:
        server.stop()
