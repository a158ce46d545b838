"""Where khabar leans on the internals of the pinned Celery stack, in one place.

Pinned exactly in pyproject.toml (``PINNED``); tests/test_upstream_contracts.py fails when any
upstream code named here changes, so that an upgrade is read before it ships.

Patches that remain (no supported seam exists):

* ``install_soft_timeout_handler``: billiard's pool process installs the module global
  ``billiard.pool.soft_timeout_sighandler`` as its SIGUSR1 handler after the fork (after Celery's
  ``worker_process_init``, so a handler set there would be replaced).  khabar's handler
  (worker/softlimit.py) ignores a soft time limit that arrives after its task ended.
* ``use_transport_for_redis_urls``: kombu takes the transport of a ``redis+socket://`` URL (the
  embedded Redis) from the URL's prefix, ignoring ``broker_transport``, so the alias ``redis``
  itself must name khabar's transport, and kombu's cache of resolved aliases must forget it.
* ``priority_queues`` and ``UNACKED_KEY``: the Redis keys kombu keeps a queue's priority lists
  and unacknowledged messages in, read by the sweeper (worker/sweeper.py).

Supported seams, relied on and contract-tested too: a Redis transport subclass selected with
``broker_transport`` (worker/transport.py), a consumer subclass set with ``worker_consumer``
(worker/refusals.py), a custom ``Task.Request`` (worker/tasks.py ``NotingRequest``),
celery-batches' ``Batches.flush`` override (worker/tasks.py ``Coalescing``), and the
``task_received`` signal with the request's ``request_dict`` (worker/execute.py ``stamp_received``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import billiard.pool
from kombu import transport as kombu_transport
from kombu.transport import redis as kombu_redis

PINNED = {"celery": "5.7.0", "kombu": "5.7.0", "billiard": "4.3.2", "redis": "8.2.0", "celery-batches": "0.11"}

UNACKED_KEY = "unacked"  # kombu.transport.redis.Channel.unacked_key

# billiard's own handler, as found before install_soft_timeout_handler replaced it in this process
# (the contract test reads its source: an app built earlier in the same process has patched it).
BILLIARD_SOFT_TIMEOUT_SIGHANDLER = billiard.pool.soft_timeout_sighandler


def install_soft_timeout_handler(handler: Callable[[int, Any], None]) -> None:
    """Make pool processes forked from now on install ``handler`` for the soft time limit."""
    billiard.pool.soft_timeout_sighandler = handler


def use_transport_for_redis_urls(transport: str) -> None:
    """Make ``redis://`` and ``redis+socket://`` URLs use ``transport`` ("module:Class")."""
    kombu_transport.TRANSPORT_ALIASES["redis"] = transport
    kombu_transport._transport_cache.pop("redis", None)


def priority_queues(queue: str) -> list[str]:
    """The Redis lists kombu keeps ``queue``'s messages in, one per priority step, as kombu names them."""
    sep, steps = kombu_redis.Channel.sep, kombu_redis.Channel.priority_steps
    return [f"{queue}{sep}{step}" if step else queue for step in steps]
