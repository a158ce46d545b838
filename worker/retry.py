"""Re-run failed articles from the stage that failed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from worker.store import ArticleStore


def retry_failed(store: ArticleStore, article_ids: Iterable[str]) -> Iterator[str]:
    """Requeue each failed article from its failed stage; yield one line of outcome per id."""
    from tasks.celery_tasks import pipeline_chain
    from tasks.pipeline import STAGE_NAMES

    for article_id in article_ids:
        failure = store.failure(article_id)
        if failure is None:
            yield f"{article_id}: no failure recorded"
            continue
        if failure.stage not in STAGE_NAMES:
            yield f"{article_id}: rejected at {failure.stage} ({failure.reason}); its payload was not stored, resubmit it"
            continue
        store.requeue(article_id)
        pipeline_chain(article_id, start=failure.stage).apply_async()
        yield f"{article_id}: requeued from stage {failure.stage}"
