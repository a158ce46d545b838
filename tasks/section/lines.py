"""Plain-text pages: one unit per non-blank line, as copied from a browser."""

from __future__ import annotations

import re

from tasks.section.units import Unit

_LINE = re.compile(r"[^\n]+")


def text_units(text: str) -> list[Unit]:
    """Return a unit for every non-blank line of ``text``, anchored at its first visible character."""
    units: list[Unit] = []
    for m in _LINE.finditer(text):
        line = m.group()
        stripped = line.strip()
        if stripped:
            units.append(Unit(stripped, ((0, m.start() + len(line) - len(line.lstrip())),)))
    return units
