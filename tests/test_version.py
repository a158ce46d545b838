"""One version, the installed distribution's: ``khabar --version``, ``pipeline_version``, Sentry's release."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from khabar.config.settings import Settings
from khabar.tasks.pipeline import PIPELINE_VERSION, STAGES
from khabar.worker.sentry import release
from tests.support import ROOT


def test_version_option_prints_the_installed_distributions_version(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "REDIS_URL": "redis://127.0.0.1:1/0"}
    out = subprocess.run([sys.executable, "-m", "khabar.worker", "--version"], capture_output=True, text=True,
                         timeout=60, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"khabar {metadata.version('khabar')}\n"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert metadata.version("khabar") == project["version"]  # an install older than the checkout would differ


def test_pipeline_version_names_the_release_and_every_stage() -> None:
    parts = PIPELINE_VERSION.split("+")
    assert parts == [f"khabar-{metadata.version('khabar')}", *(f"{s.name}-{s.version}" for s in STAGES)]


@pytest.mark.parametrize("variable", ["KHABAR_RELEASE", "SENTRY_RELEASE"])
def test_sentry_release_is_the_version_unless_overridden(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    for name in ("KHABAR_RELEASE", "SENTRY_RELEASE"):
        monkeypatch.delenv(name, raising=False)
    assert release(Settings()) == f"khabar@{metadata.version('khabar')}"
    monkeypatch.setenv(variable, "khabar@0.1.0-deploy.42")
    assert release(Settings()) == "khabar@0.1.0-deploy.42"
