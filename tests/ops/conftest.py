"""Operations tests run their workers with the gazetteer recogniser.

What they check (queues, backfills, logs, Flower, Sentry) does not depend on which
entity recogniser runs, and the gazetteer needs no trained model and loads at once.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture()
def make_worker(make_worker: Any) -> Any:
    def make(redis_url: str, concurrency: int = 2, queues: str | None = None, **settings: str) -> Any:
        settings.setdefault("ner_backend", "gazetteer")
        return make_worker(redis_url, concurrency, queues, **settings)

    return make
