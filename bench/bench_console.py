"""The console's list on a large archive: pages read through the recency index vs the whole keyspace.

Fills a private Redis with ``--articles`` finished articles (put and finished through
ArticleStore, as workers do, with a small document each) from ``--sources`` sources, then
times, interleaved over ``--rounds`` rounds, what the console does for one page:

* ``first page``: the newest 50 (ConsoleReader.articles, the ``recent`` index);
* ``page 20``: the 50 after 19 pages (a cursor into the index);
* ``done, one source``: the newest 50 done articles of one source (the source's index);
* ``counts by status``: the keyspace scan behind the counts at the top (the console runs it in a
  thread at most once a minute, and pages show its last result);
* ``no index``: the newest 50 found without an index (SCAN every key, read each
  ``updated_at``, sort): what a list costs when it has to load everything.

Prints median milliseconds and each one's ratio to ``no index``; then what the indexes add to
the workers' writes: ``put_articles`` of batches of 64, with the indexes and without them
(a store whose ``index_recent`` does nothing), interleaved.
"""

from __future__ import annotations

import argparse
import time

from measure import median, private_redis, table

from khabar.tasks.records import Article
from khabar.worker.console.reader import ConsoleReader, Cursor
from khabar.worker.store import ArticleStore


def fill(store: ArticleStore, n: int, sources: int, batch: int = 1000) -> None:
    text = "\u0646\u0635 " * 60  # a short Arabic text (noon sad, space)
    for i in range(0, n, batch):
        items = [(Article(id=f"a-{k:07d}", content=text, kind="text", source=f"src-{k % sources}"), "h")
                 for k in range(i, min(n, i + batch))]
        store.put_articles(items)
        docs = [(a.id, {"id": a.id, "status": "done", "title": f"title {a.id}", "source": a.source, "text": text,
                        "pipeline_version": "bench"}) for a, _ in items]
        store.finish_many("summarise", docs, ("normalise", "section", "entities", "summarise"))


def no_index(store: ArticleStore, page: int = 50) -> list[str]:
    found = []
    cursor = 0
    while True:  # one pass over the keyspace, pipelined per SCAN chunk
        cursor, keys = store.r.scan(cursor, match=store.key("*"), count=1000)
        pipe = store.r.pipeline(transaction=False)
        for k in keys:
            pipe.hget(k, "updated_at")
        found += [(float(v or 0), k) for k, v in zip(keys, pipe.execute(), strict=True)]
        if cursor == 0:
            break
    return [k.decode().rsplit(":", 1)[1] for _, k in sorted(found, reverse=True)[:page]]


class Unindexed(ArticleStore):
    """The store as it was before the recency indexes."""

    def index_recent(self, client: object, items: object, now: float) -> None:
        return None


def put_cost(client: object, rounds: int = 200, batch: int = 64) -> tuple[float, float]:
    """Median ms of one put_articles of ``batch`` articles, with the indexes and without."""
    text = "\u0646\u0635 " * 60
    stores = {"with": ArticleStore(client), "without": Unindexed(client)}  # type: ignore[arg-type]
    times: dict[str, list[float]] = {"with": [], "without": []}
    for r in range(rounds):
        for name in (("with", "without") if r % 2 == 0 else ("without", "with")):
            items = [(Article(id=f"p-{name}-{r}-{k}", content=text, kind="text", source=f"src-{k % 4}"), "h")
                     for k in range(batch)]
            t = time.perf_counter()
            stores[name].put_articles(items)
            times[name].append((time.perf_counter() - t) * 1000)
    return median(times["with"]), median(times["without"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with private_redis() as server:
        client = server.client()
        store = ArticleStore(client)
        began = time.monotonic()
        fill(store, args.articles, args.sources)
        print(f"filled {args.articles} articles from {args.sources} sources in {time.monotonic() - began:.1f} s; "
              f"Redis used {client.info('memory')['used_memory'] / 2**20:.0f} MiB, the recency indexes "
              f"{sum(client.memory_usage(k) or 0 for k in client.scan_iter(match='khabar:recent*')) / 2**20:.1f} MiB")
        reader = ConsoleReader(store, ["khabar"])
        deep = Cursor()
        for _ in range(19):
            page = reader.articles(cursor=deep)
            assert page.next is not None
            deep = page.next
        cases = {
            "first page": lambda: reader.articles(),
            "page 20": lambda: reader.articles(cursor=deep),
            "done, one source": lambda: reader.articles(status="done", source="src-3"),
            "counts by status": lambda: reader.count_now(),
            "no index": lambda: no_index(store),
        }
        assert [r.id for r in reader.articles().rows] == no_index(store), "the index and the scan disagree"
        times: dict[str, list[float]] = {name: [] for name in cases}
        for r in range(args.rounds):
            order = list(cases) if r % 2 == 0 else list(reversed(cases))
            for name in order:
                t = time.perf_counter()
                cases[name]()
                times[name].append((time.perf_counter() - t) * 1000)
        base = median(times["no index"])
        rows = [(name, round(median(ms), 2), round(median(ms) / base, 4)) for name, ms in times.items()]
        print(table(["what (50 rows)", "median ms", "ratio to no index"], rows))
        with_index, without = put_cost(client)
        print(table(["put_articles, 64 articles", "median ms"],
                    [("with the recency indexes", round(with_index, 3)), ("without", round(without, 3)),
                     ("ratio", round(with_index / without, 3))]))


if __name__ == "__main__":
    main()
