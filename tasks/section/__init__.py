"""Stage 2: section.  ``section(normalised) -> Sectioned``."""

from tasks.section.section import VERSION, section

__all__ = ["VERSION", "section"]
