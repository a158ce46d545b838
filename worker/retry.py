"""Re-run failed articles from the stage that failed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from khabar.worker.store import ArticleStore


def retry_failed(store: ArticleStore, article_ids: Iterable[str], app: Any = None) -> Iterator[str]:
    """Requeue each failed article from its failed stage; yield one line of outcome per id.

    Earlier stages are not run again: their stored outputs (``out:<stage>``) and
    timings (``run:<stage>``) are kept from the first run and used as they are.
    """
    from celery import current_app

    from khabar.tasks.errors import TRANSIENT
    from khabar.tasks.pipeline import STAGE_NAMES
    from khabar.worker.execute import resend

    app = app or current_app

    for article_id in article_ids:
        failure = store.failure(article_id)
        if failure is None:
            yield f"{article_id}: no failure recorded"
            continue
        if failure.stage not in STAGE_NAMES:
            yield (f"{article_id}: rejected at {failure.stage} ({failure.reason}); "
                   "its payload was not stored, resubmit it")
            continue
        # Requeue before sending: a worker quick to fail it again must not have its
        # new failure wiped by a requeue that comes after.
        store.requeue(article_id)
        try:
            resend(app, store, [article_id], failure.stage)
        except TRANSIENT as exc:
            store.fail(article_id, failure.stage, failure.reason, failure.message, failure.attempts)
            yield f"{article_id}: not requeued, the broker could not be reached ({type(exc).__name__})"
            continue
        yield f"{article_id}: requeued from stage {failure.stage}"

