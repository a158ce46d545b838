"""The Celery application and the settings that make it lose nothing.

Importing this module reads the settings once, resolves the Redis URL (starting
the embedded Redis when there is no other) and builds the app.  Command-line
paths that need no broker (``khabar process``) never import it.
"""

from __future__ import annotations

import logging

from celery import Celery
from celery.signals import celeryd_init, task_received, worker_process_init
from kombu.serialization import register
from kombu.utils import json as kombu_json

from khabar.config.settings import Settings, load_settings
from khabar.worker import logs, sentry, softlimit, upstream
from khabar.worker.embedded_redis import resolve_url
from khabar.worker.execute import stamp_received
from khabar.worker.routing import queue_name, task_queues, task_routes
from khabar.worker.runtime import limit_memory, runtime
from khabar.worker.sweeper import Sweeper
from khabar.worker.transport import tls_options


def broker_url(settings: Settings) -> str:
    configured = settings.redis_url.get_secret_value() if settings.redis_url else None
    return resolve_url(configured, settings.data_dir, settings.use_local_redis)


def register_utf8_json() -> None:
    """Make kombu's "json" serializer write UTF-8 instead of ``\\uXXXX`` escapes.

    Still plain JSON (``application/json``, UTF-8), so any client reads it; but an
    Arabic letter takes 2 bytes in a queued message instead of 6, which is most of
    what a waiting article costs Redis (see docs/PERFORMANCE.md).
    """
    register("json", _utf8_dumps, kombu_json.loads, content_type="application/json", content_encoding="utf-8")


def _utf8_dumps(obj: object) -> str:
    """JSON with UTF-8 text; with ``\\uXXXX`` escapes when the text has lone surrogates UTF-8 cannot carry.

    Such a payload is still sent (and refused by the worker as ``not_text``) rather than failing the sender.
    """
    text = kombu_json.dumps(obj, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return str(kombu_json.dumps(obj))
    return str(text)


def create_app(settings: Settings) -> Celery:
    url = broker_url(settings)
    result_url = settings.result_url.get_secret_value() if settings.result_url else url
    register_utf8_json()
    # The tasks are found by name (they never import the app: khabar.worker.tasks uses shared_task).
    app = Celery("khabar", broker=url, backend=result_url, include=["khabar.worker.tasks"])
    app.khabar_settings = settings  # type: ignore[attr-defined]  # read with khabar.worker.runtime.settings_of
    if url.startswith(("redis://", "rediss://")):
        # kombu's Redis transport, made to keep a message fetched as Redis goes away.
        app.conf.broker_transport = "khabar.worker.transport:Transport"
    elif url.startswith("redis+socket://"):
        # The embedded Redis's Unix socket: kombu takes the transport from the URL's
        # "redis+" prefix, not from broker_transport, so the alias itself points at it.
        upstream.use_transport_for_redis_urls("khabar.worker.transport:Transport")
    app.conf.broker_use_ssl = tls_options(url)
    app.conf.redis_backend_use_ssl = tls_options(result_url)
    visibility = settings.effective_visibility_timeout
    app.conf.update(
        # JSON only: a pickled message could run code on the worker; it is refused
        # (and recorded as a failure with reason "not_json", see khabar.worker.refusals).
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        worker_consumer="khabar.worker.refusals:RefusingConsumer",
        # Ack after the task ran, not before: a worker that dies mid-task leaves its
        # message to be delivered again instead of losing the article.
        task_acks_late=True,
        # ...and when a child process is killed (SIGKILL, OOM), requeue its task at
        # once rather than acking it as Celery does by default.  Redeliveries are
        # counted per article in Redis (ArticleStore.begin_stage) and capped.
        task_reject_on_worker_lost=True,
        # Messages a worker may hold unstarted: enough for the intake to gather a batch of
        # single-article messages (khabar.worker.tasks.Coalescing); a child still takes one
        # message at a time when it is free (prefork's fair scheduling).
        worker_prefetch_multiplier=settings.prefetch_multiplier,
        # Redis hands an unacked message to another worker after visibility_timeout.
        # It must be longer than the longest a worker may legitimately hold a message
        # (a retry countdown, which the worker holds unacked, then a run up to the
        # hard time limit; Settings refuses a shorter one), or the article runs twice
        # at once.  It is also how messages held by a worker that died whole, or by a
        # connection that dropped, come back: each worker sweeps for them every
        # restore_interval seconds (kombu's default sweep is only every ~100 s).
        broker_transport_options={
            "visibility_timeout": visibility,
            "unacked_restore_interval": settings.restore_interval,
            "unacked_restore_throttle": 1,
            # A worker killed while it held the sweep lock blocks others' sweeps until it expires.
            "unacked_mutex_expire": max(30, int(settings.restore_interval * 3)),
            # Stage queues and the intake queue are read in turn (kombu's default round robin),
            # never "priority": draining the intake first starved every stage while articles waited.
            # Notice a dead Redis instead of waiting forever on a half-open socket.
            "socket_timeout": 30.0,
            "socket_connect_timeout": 5.0,
            "health_check_interval": 10,
        },
        # Publishing (the next stage, a retry) rides out a Redis restart of ~20 s
        # before giving up; a task whose publish fails is left unacked (see
        # khabar.worker.execute), so its message comes back after the visibility timeout.
        task_publish_retry=True,
        task_publish_retry_policy={"max_retries": 12, "interval_start": 0, "interval_step": 0.5,
                                   "interval_max": 2.0},
        result_backend_transport_options={"retry_policy": {"timeout": 5.0}},
        # A stage that runs too long is stopped: the soft limit raises inside the task
        # (recorded as reason "timeout" if the stage itself was computing, retried if it
        # was waiting on Redis); the hard limit kills the child and its message is
        # requeued like any lost worker's, so the redelivery cap ends a stage that hangs
        # every time (reason "timeout") while one stalled by a Redis outage runs again.
        task_soft_time_limit=settings.soft_time_limit,
        task_time_limit=settings.hard_time_limit,
        # (task_acks_on_timeout, the name used before, is not a Celery setting: hard-killed messages
        # were acknowledged and only the sweeper brought them back.)
        task_acks_on_failure_or_timeout=False,
        # Task events for Flower, from workers and from clients that send tasks (task-sent:
        # clients only; workers turn it off for the tasks they send, see no_sent_events_from_workers).
        worker_send_task_events=True,
        task_send_sent_event=True,
        task_track_started=True,
        # A worker started before Redis keeps trying to connect instead of exiting.
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        # Results: intermediate stages keep none (ignore_result on their tasks); the
        # final result (the article id) is kept for a day for callers that wait on it.
        result_expires=24 * 3600,
        result_extended=False,
        # A child that grew past this size is replaced after its current task.
        worker_max_memory_per_child=settings.max_memory_per_child_kb,
        # Queues: intake, then one per stage so heavy stages can get their own workers; each
        # bound by its own routing key only (khabar.worker.routing).
        task_default_queue=queue_name(settings.queue_prefix),
        task_default_exchange=settings.queue_prefix,
        task_default_routing_key=queue_name(settings.queue_prefix),
        task_queues=task_queues(settings.queue_prefix),
        task_routes=task_routes(settings.queue_prefix),
        # A child warms its models before it says it is up (see warm_runtime); a large
        # model may take longer than Celery's 4 s default, after which the child is killed.
        worker_proc_alive_timeout=60.0,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
    )
    # Recovers articles whose message was lost in the one window acks do not cover.
    app.steps["worker"].add(Sweeper)
    # A late soft-time-limit signal must not take the worker down (worker/softlimit.py).
    softlimit.install()
    return app


@celeryd_init.connect
def no_sent_events_from_workers(**_: object) -> None:
    """Workers send the chain's next task, a retry or a split without a task-sent event.

    Flower still sees each of those tasks received, started and succeeded; the sent
    event cost about 1 % of the CPU of a batch (docs/PERFORMANCE.md).  Clients
    (``khabar submit``, other systems) still send theirs.
    """
    app.conf.task_send_sent_event = False


@worker_process_init.connect
def warm_runtime(**_: object) -> None:
    """Build a worker child's runtime (Redis client, NER model) as it starts: its first task is not slow.

    Then cap the child's memory (``child_memory_limit_mb``): an article that would take more
    fails as ``out_of_memory`` in that child, which goes on.
    """
    try:
        runtime(app)
    except Exception:  # the first task builds it again and records the failure on its article
        logging.getLogger("khabar.worker").exception("could not load the stage resources at start")
    limit_memory(settings.child_memory_limit_mb)


@task_received.connect
def stamp_intake(request: object = None, **_: object) -> None:
    """Stamp intake messages as the main process takes them, in queue order (last write wins)."""
    stamp_received(request)


settings = load_settings()
app = create_app(settings)
# Signal receivers: log format and per-stage log lines, Sentry in worker processes.
logs.install(settings)
sentry.install(settings)
