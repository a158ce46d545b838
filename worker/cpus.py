"""How many CPUs this process may use: the worker's default concurrency.

Celery's default is ``os.cpu_count()``, the host's CPUs: in a container limited to two CPUs on a
64-core host that is 64 processes, throttled and each holding its models in memory. The limit
a container runtime sets is the cgroup's CPU quota (``docker run --cpus``, compose's
``cpus:``/``deploy.resources.limits.cpus``): ``cpu.max`` under cgroup v2, ``cpu.cfs_quota_us``
over ``cpu.cfs_period_us`` under v1. The affinity mask (``--cpuset-cpus``) counts too.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
PROC_SELF_CGROUP = Path("/proc/self/cgroup")


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _own_paths(proc_cgroup: Path) -> dict[str, str]:
    """{controller ("" for cgroup v2): this process's cgroup path} from /proc/self/cgroup."""
    out: dict[str, str] = {}
    for line in (_read(proc_cgroup) or "").splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            out[controller] = path
    return out


def _ancestors(base: Path, path: str) -> list[Path]:
    """The cgroup's folder and each parent up to the mount (a limit on any of them applies)."""
    parts = [p for p in path.split("/") if p]
    return [base.joinpath(*parts[:n]) for n in range(len(parts), -1, -1)]


def cgroup_cpu_limit(cgroup: Path = CGROUP, proc_cgroup: Path = PROC_SELF_CGROUP) -> float | None:
    """Return the CPU quota of this process's cgroup in CPUs (1.5 for ``--cpus 1.5``), or None when unlimited."""
    own = _own_paths(proc_cgroup)
    limits: list[float] = []
    for folder in _ancestors(cgroup, own.get("", "/")):  # v2
        quota, _, period = (_read(folder / "cpu.max") or "max").partition(" ")
        if quota != "max" and period:
            limits.append(int(quota) / int(period))
    for name in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):  # v1: the mount's name varies
        if not (cgroup / name).is_dir():
            continue
        for folder in _ancestors(cgroup / name, own.get("cpu", "/")):
            quota_us, period_us = _read(folder / "cpu.cfs_quota_us"), _read(folder / "cpu.cfs_period_us")
            if quota_us and period_us and int(quota_us) > 0:
                limits.append(int(quota_us) / int(period_us))
        break
    return min(limits) if limits else None


def available_cpus(cgroup: Path = CGROUP, proc_cgroup: Path = PROC_SELF_CGROUP) -> int:
    """Return the CPUs this process may use: its affinity mask, capped by the cgroup quota rounded up; at least 1.

    Rounded up (as the JVM and .NET do): 1.5 CPUs run two processes, which together use the quota.
    """
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = cgroup_cpu_limit(cgroup, proc_cgroup)
    if quota is not None:
        cpus = min(cpus, math.ceil(quota))
    return max(1, cpus)
