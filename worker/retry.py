"""Re-run failed articles from the stage that failed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from worker.store import ArticleStore


def retry_failed(store: ArticleStore, article_ids: Iterable[str]) -> Iterator[str]:
    """Requeue each failed article from its failed stage; yield one line of outcome per id.

    Earlier stages are not run again: their stored outputs (``out:<stage>``) and
    timings (``run:<stage>``) are kept from the first run and used as they are.
    """
    from tasks.celery_tasks import pipeline_chain
    from tasks.errors import TRANSIENT
    from tasks.pipeline import STAGE_NAMES

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
            pipeline_chain(article_id, start=failure.stage).apply_async()
        except TRANSIENT as exc:
            store.fail(article_id, failure.stage, failure.reason, failure.message, failure.attempts)
            yield f"{article_id}: not requeued, the broker could not be reached ({type(exc).__name__})"
            continue
        yield f"{article_id}: requeued from stage {failure.stage}"


def requeue_stuck(store: ArticleStore, article_ids: Iterable[str]) -> Iterator[str]:
    """Send again the stage chain of articles whose message was lost, from their first unfinished stage.

    For an article left ``queued`` or ``running`` with no message anywhere (see
    docs/RELIABILITY.md, "Not guaranteed").  A message that was only slow makes the
    article run twice, which is harmless: stages are idempotent.
    """
    from tasks.celery_tasks import pipeline_chain
    from tasks.pipeline import STAGE_NAMES

    for article_id in article_ids:
        stage = store.first_unfinished_stage(article_id, STAGE_NAMES)
        if stage is None:
            yield f"{article_id}: its payload was not stored (lost before validation); resubmit it"
            continue
        pipeline_chain(article_id, start=stage).apply_async()
        yield f"{article_id}: requeued from stage {stage}"
