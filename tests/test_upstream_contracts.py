"""Contracts with the pinned Celery stack: fail when the upstream code khabar relies on changes.

khabar.worker.upstream holds the patches that remain and names every seam khabar uses; each is
checked here twice: by behaviour where it can be, and by a digest of the upstream source it was
written against, so that an upgrade that changes any of it is read before it ships
(update the digest only after reading the upstream change).
"""

from __future__ import annotations

import hashlib
import inspect
from importlib.metadata import version

import billiard.pool
import celery_batches
import kombu.transport
import kombu.transport.redis as kombu_redis
from celery.worker import strategy
from celery.worker.consumer.consumer import Consumer
from celery.worker.request import Request
from kombu import Connection

from khabar.worker import softlimit, upstream

# Digest of inspect.getsource(...) (sha256, first 16 hex) for each upstream function khabar leans on.
SOURCES = {
    # khabar.worker.upstream.install_soft_timeout_handler: billiard installs the module global at fork.
    "billiard.pool.Worker.after_fork": (billiard.pool.Worker.after_fork, "2210e993814bfebb"),
    "billiard.pool.soft_timeout_sighandler": (upstream.BILLIARD_SOFT_TIMEOUT_SIGHANDLER, "e3cbe45f62ec3e28"),
    # khabar.worker.upstream.use_transport_for_redis_urls: "redis+socket://" takes the transport "redis".
    "kombu.connection.Connection.__init__": (Connection.__init__, "e9c58f881d0ae418"),
    "kombu.transport.resolve_transport": (kombu.transport.resolve_transport, "893e374138296443"),
    "kombu.transport.get_transport_cls": (kombu.transport.get_transport_cls, "6d820a6e75dd8085"),
    # khabar.worker.transport (a subclass selected with broker_transport) overrides these three.
    "kombu.transport.redis.QoS.append": (kombu_redis.QoS.append, "35c655f6ecc62fe6"),
    "kombu.transport.redis.QoS.restore_unacked": (kombu_redis.QoS.restore_unacked, "8954efef014d546e"),
    "kombu.transport.redis.QoS.ack": (kombu_redis.QoS.ack, "1bc15a4ddf541af6"),
    # khabar.worker.upstream.priority_queues: the Redis lists of one queue's priorities.
    "kombu.transport.redis.Channel._q_for_pri": (kombu_redis.Channel._q_for_pri, "f3997660680dd00f"),
    # khabar.worker.refusals.RefusingConsumer (worker_consumer) overrides these four.
    "Consumer.on_decode_error": (Consumer.on_decode_error, "e3538c586a7ffa75"),
    "Consumer.on_invalid_task": (Consumer.on_invalid_task, "9893e7a4eee33a33"),
    "Consumer.on_unknown_task": (Consumer.on_unknown_task, "35e6cbe564947a25"),
    "Consumer.on_unknown_message": (Consumer.on_unknown_message, "213bd3ee55cb5ca6"),
    # khabar.worker.tasks.NotingRequest (Task.Request) extends on_timeout; the receipt stamp rides in
    # the request dict that execute_using_pool hands the child, set at task_received (strategy.default).
    "Request.on_timeout": (Request.on_timeout, "3d26ce896008646d"),
    "Request.execute_using_pool": (Request.execute_using_pool, "7979562da58f4266"),
    "celery.worker.strategy.default": (strategy.default, "7d90575ada5eb1dc"),
    # khabar.worker.tasks.Coalescing overrides flush and relies on the strategy and SimpleRequest.
    "celery_batches.Batches.flush": (celery_batches.Batches.flush, "7d92a1e55b831def"),
    "celery_batches.Batches.Strategy": (celery_batches.Batches.Strategy, "af1dfe19ae06175f"),
    "celery_batches.SimpleRequest.from_request": (celery_batches.SimpleRequest.from_request, "9af7a1a808144145"),
}


def digest(obj: object) -> str:
    return hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:16]  # type: ignore[arg-type]


def test_the_installed_versions_are_the_pinned_ones() -> None:
    assert {name: version(name) for name in upstream.PINNED} == upstream.PINNED


def test_the_upstream_code_khabar_relies_on_is_unchanged() -> None:
    changed = {name: digest(obj) for name, (obj, pinned) in SOURCES.items() if digest(obj) != pinned}
    assert changed == {}, "upstream changed: read it, then update khabar.worker.upstream and these digests"


def test_billiard_installs_the_handler_it_finds_at_fork() -> None:
    source = inspect.getsource(billiard.pool.Worker.after_fork)
    assert "signal.signal(SIG_SOFT_TIMEOUT, soft_timeout_sighandler)" in source
    saved = billiard.pool.soft_timeout_sighandler
    try:
        upstream.install_soft_timeout_handler(softlimit.soft_timeout_handler)
        assert billiard.pool.soft_timeout_sighandler is softlimit.soft_timeout_handler
    finally:
        billiard.pool.soft_timeout_sighandler = saved


def test_a_unix_socket_url_gets_khabars_transport() -> None:
    from khabar.worker.transport import Transport

    upstream.use_transport_for_redis_urls("khabar.worker.transport:Transport")
    try:
        assert Connection("redis+socket:///tmp/khabar-contract.sock").transport_cls == "redis"
        assert kombu.transport.get_transport_cls("redis") is Transport
    finally:
        kombu.transport.TRANSPORT_ALIASES["redis"] = "kombu.transport.redis:Transport"
        kombu.transport._transport_cache.pop("redis", None)


def test_priority_queues_are_kombus_own_names() -> None:
    channel = object.__new__(kombu_redis.Channel)  # _q_for_pri reads only class attributes
    expected = [channel._q_for_pri("khabar.section", p) for p in kombu_redis.Channel.priority_steps]
    assert upstream.priority_queues("khabar.section") == expected
    assert expected[0] == "khabar.section"
    assert kombu_redis.Channel.unacked_key == upstream.UNACKED_KEY


def test_a_requests_dict_is_what_the_child_gets() -> None:
    assert isinstance(Request.__dict__["request_dict"], property)
    source = inspect.getsource(Request.execute_using_pool)
    assert "self._request_dict" in source
    assert "signals.task_received.send" in inspect.getsource(strategy.default)
    assert "signals.task_received.send" in inspect.getsource(celery_batches.Batches.Strategy)
