"""The worker's default concurrency: the CPUs a container's cgroup quota allows, not the host's count."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from khabar.worker.cpus import available_cpus, cgroup_cpu_limit

HOST_CPUS = len(os.sched_getaffinity(0))


def cgroup_tree(tmp_path: Path, files: dict[str, str], own: str) -> tuple[Path, Path]:
    root = tmp_path / "sys-fs-cgroup"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text + "\n")
    root.mkdir(exist_ok=True)
    proc = tmp_path / "proc-self-cgroup"
    proc.write_text(own + "\n")
    return root, proc


@pytest.mark.parametrize(
    ("cpu_max", "quota", "cpus"),
    [("max 100000", None, HOST_CPUS), ("100000 100000", 1.0, 1), ("150000 100000", 1.5, min(2, HOST_CPUS)),
     ("50000 100000", 0.5, 1)],
)
def test_cgroup_v2_cpu_max(tmp_path: Path, cpu_max: str, quota: float | None, cpus: int) -> None:
    """In a container (cgroup namespace) the process's cgroup is the mount's root: /sys/fs/cgroup/cpu.max."""
    root, proc = cgroup_tree(tmp_path, {"cpu.max": cpu_max}, "0::/")
    assert cgroup_cpu_limit(root, proc) == quota
    assert available_cpus(root, proc) == cpus


def test_cgroup_v2_limit_on_a_parent_applies(tmp_path: Path) -> None:
    root, proc = cgroup_tree(tmp_path, {"system.slice/cpu.max": "100000 100000",
                                        "system.slice/docker-1.scope/cpu.max": "max 100000"},
                             "0::/system.slice/docker-1.scope")
    assert cgroup_cpu_limit(root, proc) == 1.0
    assert available_cpus(root, proc) == 1


def test_cgroup_v1_cfs_quota(tmp_path: Path) -> None:
    root, proc = cgroup_tree(tmp_path, {"cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "100000",
                                        "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000",
                                        "cpu,cpuacct/cpu.cfs_quota_us": "-1",
                                        "cpu,cpuacct/cpu.cfs_period_us": "100000"},
                             "12:cpu,cpuacct:/docker/abc\n0::/")
    assert cgroup_cpu_limit(root, proc) == 1.0
    assert available_cpus(root, proc) == 1


def test_no_cgroup_files_means_the_affinity_mask(tmp_path: Path) -> None:
    root, proc = cgroup_tree(tmp_path, {}, "0::/")
    assert cgroup_cpu_limit(root, proc) is None
    assert available_cpus(root, proc) == HOST_CPUS


def test_this_machine() -> None:
    """Whatever the machine, a positive count no larger than its CPUs."""
    assert 1 <= available_cpus() <= HOST_CPUS
