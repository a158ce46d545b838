"""Plain-text pages: one unit per non-blank line, as copied from a browser.

A hard-wrapped paragraph is one line: its inner line breaks are read as spaces
(``wrapped``), so the unit still maps character for character onto the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from khabar.tasks.records import Anchor
from khabar.tasks.section.units import Unit
from khabar.tasks.section.wrapped import unwrap

_LINE = re.compile(r"[^\n]+")


def text_units(text: str, to_raw: Sequence[Anchor] = ()) -> list[Unit]:
    """Return a unit for every non-blank line of ``text``, anchored at its first visible character.

    ``to_raw`` (``Normalised.to_raw``) shows the indents that normalising removed,
    which mark paragraphs in hard-wrapped text.
    """
    units: list[Unit] = []
    for m in _LINE.finditer(unwrap(text, to_raw)):
        line = m.group()
        stripped = line.strip()
        if stripped:
            units.append(Unit(stripped, ((0, m.start() + len(line) - len(line.lstrip())),)))
    return units
