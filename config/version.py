"""khabar's version: the installed distribution's, read from its metadata.

One answer for ``khabar --version``, the documents' ``pipeline_version`` and Sentry's release.
"""

from __future__ import annotations

import functools
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


@functools.cache
def package_version() -> str:
    """Return the installed khabar's version, else the source tree's pyproject.toml's, else ``0+unknown``."""
    try:
        return version("khabar")
    except PackageNotFoundError:  # sources on PYTHONPATH without an install
        try:
            return str(tomllib.loads(_PYPROJECT.read_text(encoding="utf-8"))["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "0+unknown"
