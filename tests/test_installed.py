"""What ships is what is tested: the built wheel, installed alone in a fresh venv (``make test-wheel``).

These tests skip on the editable checkout, where they would prove nothing: ``make test-wheel``
builds the wheel, installs it with ``requirements/wheel-test.txt`` into ``build/wheel-venv`` and
runs them there (with the end-to-end tests), ``KHABAR_TEST_INSTALLED=1`` making a skip an error.
The checkout's interpreter (``KHABAR_CHECKOUT_PYTHON``) makes the documents they are compared with.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import subprocess
import sys
import sysconfig
from base64 import urlsafe_b64encode
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

import khabar.tasks
from tests import corpus
from tests.support import ROOT

FOLDERS = ("config", "tasks", "worker")
SHARED = ROOT.parent / "shared"
ANT = SHARED / "data" / "news" / "ant-v2.1-4-outlets.jsonl"
ANT_EVERY = 1000  # every 1000th ANT article: 28 of 27,708
INSTALLED = Path(khabar.tasks.__file__).resolve().parent.parent.parent
IS_CHECKOUT = Path(khabar.tasks.__file__).resolve().is_relative_to(ROOT / "tasks")

if IS_CHECKOUT and os.environ.get("KHABAR_TEST_INSTALLED"):
    raise RuntimeError(f"KHABAR_TEST_INSTALLED is set but khabar is imported from the checkout ({ROOT})")
installed_only = pytest.mark.skipif(
    IS_CHECKOUT, reason="khabar is the editable checkout here; `make test-wheel` runs this on the built wheel")


def installed_files() -> dict[str, Any]:
    """{path relative to site-packages: PackagePath} of the khabar distribution, from its RECORD.

    Looked for in site-packages only: the checkout's khabar.egg-info (from `pip wheel`) is on sys.path too.
    """
    (dist,) = metadata.distributions(name="khabar", path=[str(INSTALLED)])
    files = dist.files
    assert files is not None, "the khabar distribution has no RECORD"
    return {f.as_posix(): f for f in files}


def shipped_in_checkout() -> dict[str, Path]:
    """{installed path: checkout file} of every file under config/, tasks/ and worker/."""
    out = {}
    for folder in FOLDERS:
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                out[f"khabar/{folder}/{path.relative_to(ROOT / folder).as_posix()}"] = path
    return out


@installed_only
def test_khabar_comes_from_site_packages_not_the_checkout() -> None:
    assert INSTALLED == Path(sysconfig.get_paths()["purelib"]).resolve()
    for name in ("khabar.config", "khabar.tasks", "khabar.worker"):
        (where,) = importlib.import_module(name).__path__
        assert Path(where).resolve() == INSTALLED / name.replace(".", "/")


@installed_only
def test_the_only_top_level_name_is_khabar() -> None:
    files = installed_files()
    top = {p.split("/")[0] for p in files if not p.startswith("../") and ".dist-info/" not in p}
    print(f"installed top-level names: {sorted(top)}")
    assert top == {"khabar"}
    assert (INSTALLED / "khabar" / "__init__.py").exists() is False  # a namespace: khabar.tasks, .worker, .config
    for bare in FOLDERS:
        assert not (INSTALLED / bare).exists(), f"site-packages/{bare} exists"


@installed_only
def test_every_file_of_the_package_folders_is_installed_byte_for_byte() -> None:
    """Model tables (*.bin), gazetteers, word lists, the demo article: all there, all identical."""
    files = installed_files()
    expected = shipped_in_checkout()
    missing = sorted(set(expected) - set(files))
    assert missing == [], f"not in the wheel: {missing}"
    for name, source in expected.items():
        record = files[name].hash
        assert record is not None and record.mode == "sha256", name
        digest = urlsafe_b64encode(hashlib.sha256(source.read_bytes()).digest()).rstrip(b"=").decode()
        assert record.value == digest, f"the wheel's {name} differs from {source}"
        installed = INSTALLED / name
        assert installed.is_file() and installed.read_bytes() == source.read_bytes(), f"{installed} differs"
    extra = sorted(p for p in files if p.startswith("khabar/") and p not in expected and "__pycache__" not in p)
    assert extra == [], f"installed but not in the checkout: {extra}"
    print(f"{len(expected)} files checked, of which data: "
          f"{sorted(p for p in expected if not p.endswith('.py'))}")


def sample_inputs(directory: Path) -> list[Path]:
    """The seed page, the examples, synthetic articles and pages, and a sample of ANT where present."""
    inputs = [ROOT / "worker" / "examples" / "article-001.txt"]
    inputs += sorted((ROOT / "tests" / "fixtures" / "section").glob("*.html"))
    if (SHARED / "examples" / "news-page-001.txt").is_file():
        inputs.append(SHARED / "examples" / "news-page-001.txt")
    for seed in range(24):
        html = seed % 4 == 3
        path = directory / f"corpus-{seed:02d}.{'html' if html else 'txt'}"
        path.write_text(corpus.article(seed, html=html), encoding="utf-8")
        inputs.append(path)
    if ANT.is_file():
        with ANT.open(encoding="utf-8") as lines:
            for n, line in enumerate(lines):
                if n % ANT_EVERY == 0:
                    record = json.loads(line)
                    path = directory / f"ant-{n:05d}.txt"
                    path.write_text(f"{record['title']}\n\n{record['text']}", encoding="utf-8")
                    inputs.append(path)
    return inputs


def documents(python: str, inputs: list[Path], cwd: Path) -> list[dict[str, Any]]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "REDIS_URL": "redis://127.0.0.1:1/0"}
    out = subprocess.run([python, "-m", "khabar.worker", "process", *map(str, inputs)], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    docs = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(docs) == len(inputs)
    for doc in docs:
        doc["stages"] = {name: {k: v for k, v in run.items() if k != "seconds"} for name, run in doc["stages"].items()}
    return docs


@installed_only
def test_documents_equal_the_checkouts(tmp_path: Path) -> None:
    checkout_python = os.environ.get("KHABAR_CHECKOUT_PYTHON")
    if not checkout_python:
        pytest.fail("KHABAR_CHECKOUT_PYTHON (the checkout's interpreter) is not set; run `make test-wheel`")
    where = subprocess.run([checkout_python, "-c", "import khabar.tasks; print(khabar.tasks.__file__)"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).resolve().is_relative_to(ROOT / "tasks"), f"{checkout_python} does not run the checkout: {where}"

    inputs = sample_inputs(tmp_path)
    installed = documents(sys.executable, inputs, cwd=tmp_path)
    checkout = documents(checkout_python, inputs, cwd=ROOT)
    differ = [str(p.name) for p, a, b in zip(inputs, installed, checkout, strict=True) if a != b]
    entities = sum(len(d["entities"]) for d in installed)
    print(f"{len(inputs)} documents (ANT sample: {ANT.is_file()}), {entities} entities; differ: {differ}")
    assert differ == []
    assert entities > len(inputs)  # the CRF found names: a model file missing would show here or above


@installed_only
def test_demo_runs_from_the_install(clean_redis, tmp_path: Path) -> None:
    """`khabar demo` reads its example article from the package, not from a checkout."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "REDIS_URL": clean_redis.url,
           "KHABAR_DATA_DIR": str(tmp_path / "data")}
    out = subprocess.run([str(Path(sys.executable).parent / "khabar"), "demo"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    # The document is indented JSON (the worker's banner, if any, is not).
    doc = json.loads(out.stdout[out.stdout.index("{\n") : out.stdout.rindex("\n}") + 2])
    assert doc["status"] == "done" and doc["source"] == "examples/article-001.txt"
    assert doc["entities"] and doc["summary"]["text"]
