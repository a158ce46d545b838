"""What one process needs to run stages: settings, store, limits, loaded models.

Built once per process (in a worker child after the fork, so Redis connections
and models are the child's own) and handed to the task code.
"""

from __future__ import annotations

import gc
import resource
from dataclasses import dataclass
from functools import cache
from typing import Any

from khabar.config.settings import Settings
from khabar.tasks.entities import load_recogniser
from khabar.tasks.pipeline import Resources
from khabar.tasks.records import Budget
from khabar.tasks.validate import Limits
from khabar.worker.embedded_redis import client_for
from khabar.worker.store import ArticleStore
from khabar.worker.transport import reconnecting


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    store: ArticleStore
    limits: Limits
    default_budget: Budget
    resources: Resources


def limits_from(settings: Settings) -> Limits:
    return Limits(
        max_bytes=settings.max_bytes, max_chars=settings.max_chars, min_arabic_ratio=settings.min_arabic_ratio
    )


def budget_from(settings: Settings) -> Budget:
    return Budget(words=settings.summary_words, sentences=settings.summary_sentences, ratio=settings.summary_ratio)


def resources_from(settings: Settings) -> Resources:
    """Load the models the stages use (slow the first time; call once per process, at start).

    Then everything loaded so far (code, models, lexicons) is moved out of the
    garbage collector's way (``gc.freeze``): a full collection otherwise walks
    those hundreds of thousands of objects again every few hundred articles
    (about 0.5 ms an article, docs/PERFORMANCE.md).
    """
    resources = Resources(
        recogniser=load_recogniser(settings.ner_backend, settings.ner_model_path),
        latin_digits=settings.latin_digits,
    )
    gc.collect()
    gc.freeze()
    return resources


def store_for(settings: Settings, redis_url: str) -> ArticleStore:
    # Each command rides out a Redis restart of up to ~10 s by reconnecting with
    # backoff; longer outages surface as redis.ConnectionError, a transient error.
    client = client_for(redis_url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30,
                        retry=reconnecting())
    return ArticleStore(client, prefix=settings.key_prefix, ttl=settings.document_ttl)


def settings_of(app: Any) -> Settings:
    """The settings the khabar app was built from (``khabar.worker.app.create_app`` attaches them)."""
    settings = getattr(app, "khabar_settings", None)
    if not isinstance(settings, Settings):
        raise RuntimeError(f"{app!r} is not khabar's Celery app (no settings attached)")
    return settings


@cache
def main_store(app: Any) -> ArticleStore:
    """A store for the worker's main process, which loads no models (the sweeper, refusals, time limits)."""
    return store_for(settings_of(app), app.conf.broker_url)


@cache
def runtime(app: Any) -> Runtime:
    """This process's runtime, built on first use from the app's settings (a worker child builds it as it starts)."""
    settings = settings_of(app)
    return Runtime(
        settings=settings,
        store=store_for(settings, app.conf.broker_url),
        limits=limits_from(settings),
        default_budget=budget_from(settings),
        resources=resources_from(settings),
    )


def limit_memory(megabytes: int) -> None:
    """Cap this process's data (heap and anonymous mappings, RLIMIT_DATA) at ``megabytes`` (0: no cap).

    Past it an allocation raises MemoryError in the stage that asked, which the error ladder
    records against that article; the process, and the machine's other work, go on.
    """
    if megabytes <= 0:
        return
    limit = megabytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
