"""The installed names are khabar's own: every package folder is listed under its khabar.* name, and no
module imports the repository's folders by their bare names (which would work in the checkout only)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("config", "tasks", "worker")


def test_every_package_folder_is_installed_under_khabar() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    folders = {
        "khabar." + ".".join(init.parent.relative_to(ROOT).parts)
        for folder in FOLDERS
        for init in (ROOT / folder).rglob("__init__.py")
    }
    assert set(config["packages"]) == folders
    assert config["package-dir"] == {f"khabar.{f}": f for f in FOLDERS}


def test_no_module_imports_a_bare_folder_name() -> None:
    bare = re.compile(rf"^\s*(from|import) ({'|'.join(FOLDERS)})(\.|\s)", re.M)
    offenders = [
        str(path.relative_to(ROOT))
        for top in (*FOLDERS, "tests", "bench", "scripts")
        for path in (ROOT / top).rglob("*.py")
        if bare.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
