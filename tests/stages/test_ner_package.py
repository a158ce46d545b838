"""What ships: the wheel carries every file of the NER model, so an installed worker tags as the checkout does.

A model file left out of the package does not fail loudly: without ``wordfreq.bin`` or
``clusters.bin`` the CRF loads, finds no frequencies or clusters, and tags junk.  So the wheel is
built here (``pip wheel --no-deps``, as a release would) and its file list compared with the folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "tasks" / "entities" / "crf" / "model"
FAST_DIR = ROOT / "tasks" / "entities" / "crf" / "model_fast"
DATA_DIR = ROOT / "tasks" / "entities" / "crf" / "data"


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools builds in the source tree, and a stale build/ there could hand
    # the wheel a file the checkout no longer has.  No build isolation: the venv's setuptools, offline.
    src = tmp_path_factory.mktemp("src") / "khabar"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".khabar", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(src)],
        check=True, capture_output=True, text=True, timeout=300, env={"PIP_NO_INDEX": "1", "PATH": "/usr/bin:/bin"},
    )
    wheels = list(out.glob("khabar-*.whl"))
    assert len(wheels) == 1, wheels
    with zipfile.ZipFile(wheels[0]) as zf:
        return set(zf.namelist())


def _expected(folder: Path) -> list[str]:
    rel = folder.relative_to(ROOT)
    return sorted(f"khabar/{rel.as_posix()}/{f.name}" for f in folder.iterdir() if f.is_file())


def test_the_wheel_carries_every_model_file(wheel_names: set[str]) -> None:
    expected = _expected(MODEL_DIR)
    # The files the CRF cannot tag well without: weights, configuration, lexicon, word clusters.
    for name in ("model.crfsuite", "meta.json", "gazetteer.tsv.gz", "wordfreq.bin", "clusters.bin"):
        assert f"khabar/tasks/entities/crf/model/{name}" in expected
    expected += _expected(FAST_DIR)
    assert "khabar/tasks/entities/crf/model_fast/model.crfsuite" in expected
    missing = [name for name in expected if name not in wheel_names]
    assert not missing, f"model files not in the wheel: {missing}"


def test_the_wheel_carries_the_trigger_words_and_the_stand_in_gazetteer(wheel_names: set[str]) -> None:
    missing = [name for name in _expected(DATA_DIR) if name not in wheel_names]
    assert not missing, missing
    assert "khabar/tasks/entities/gazetteer.tsv" in wheel_names
    assert "khabar/tasks/entities/repair.py" in wheel_names
