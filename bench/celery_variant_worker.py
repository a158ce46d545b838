"""Start ``khabar worker`` with some Celery settings overridden, to measure what they cost.

Used by ``bench_celery.py --compare``; the overrides come as JSON in the
environment variable ``KHABAR_BENCH_CELERY_CONF``.  Arguments are those of
``khabar worker``.  Task events stay on unless the overrides turn
``worker_send_task_events`` off.

The pseudo-setting ``"bench_whole_article": true`` also registers
``bench.whole_article``, a what-if that is not khabar's design: one task runs
every stage of an article, or of a batch of articles (``run_inprocess``), and
stores the documents, to measure what the per-stage tasks cost against one task
per article or per batch (the arm's ``bench_batch_size``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import articles  # noqa: F401  - puts the project root on sys.path


def register_whole_article(app: Any) -> None:
    """Register the one-task-per-article what-if (see the module docstring)."""

    from khabar.tasks.document import build_document
    from khabar.tasks.pipeline import PIPELINE_VERSION, STAGE_NAMES, run_inprocess
    from khabar.tasks.validate import content_hash, parse_payload
    from khabar.worker.runtime import runtime
    from khabar.worker.store import as_json

    @app.task(name="bench.whole_article", ignore_result=True)
    def whole_article(payloads: dict[str, Any] | list[dict[str, Any]]) -> None:
        """Every stage of one article, or of a batch of them, in this one task: no hops, no stage outputs stored."""
        rt = runtime(app)
        batch = payloads if isinstance(payloads, list) else [payloads]
        parsed = [parse_payload(p, rt.limits, rt.default_budget) for p in batch]
        stamp = f"{time.time_ns():020d}"
        rt.store.put_articles([(a, content_hash(a.kind, a.content), f"bench.{n}", f"{stamp}.{n:06d}")
                               for n, a in enumerate(parsed)])
        documents = []
        for n, article in enumerate(parsed):
            records, runs = run_inprocess(article, rt.resources)
            document = build_document(records, {k: r.as_dict() for k, r in runs.items()}, PIPELINE_VERSION)
            documents.append(((article.id, f"bench.{n}"), as_json(document)))
        rt.store.finish_many(STAGE_NAMES[-1], documents, STAGE_NAMES, PIPELINE_VERSION)


def main() -> None:
    from khabar.worker import app as mod
    from khabar.worker.cli.main import app as cli

    overrides = json.loads(os.environ.get("KHABAR_BENCH_CELERY_CONF", "{}"))
    if overrides.pop("bench_whole_article", False):
        register_whole_article(mod.app)
    mod.app.conf.update(overrides)
    if overrides.get("worker_send_task_events") is False:
        # `khabar worker` passes -E, which would turn the events back on.
        original = mod.app.worker_main
        mod.app.worker_main = lambda argv: original([a for a in argv if a != "-E"])  # type: ignore[method-assign]
    sys.argv = ["khabar", "worker", *sys.argv[1:]]
    cli()


if __name__ == "__main__":
    main()
