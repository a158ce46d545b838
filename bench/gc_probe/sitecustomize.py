"""Collector time per process, for ``bench_celery.py --gc-probe`` (put on a worker's PYTHONPATH).

Python imports ``sitecustomize`` at start-up in every process of the worker; this one
times each collection (``gc.callbacks``) and keeps the totals of this process in
``$KHABAR_BENCH_GC_DIR/<pid>``: CPU seconds, then collections of generations 0, 1, 2.
"""

import gc
import os
import time

_dir = os.environ.get("KHABAR_BENCH_GC_DIR")
_totals = [0.0, 0, 0, 0]
_began = [0.0]


def _timed(phase: str, info: dict) -> None:
    if phase == "start":
        _began[0] = time.process_time()
        return
    _totals[0] += time.process_time() - _began[0]
    _totals[1 + info["generation"]] += 1
    if sum(_totals[1:]) % 5 == 0:  # often enough that the last snapshot misses almost nothing
        with open(os.path.join(_dir, str(os.getpid())), "w") as f:
            f.write(" ".join(str(v) for v in _totals))


if _dir:
    gc.callbacks.append(_timed)
