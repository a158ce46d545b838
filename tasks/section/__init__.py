"""Stage 2: section.  ``section(normalised) -> Sectioned``.

Finds the article inside a page as a careful editor would, for both input kinds:

- plain text (a page copied from a browser): one unit per line (``lines``), the lines
  of a hard-wrapped paragraph joined first (``wrapped``);
- HTML: furniture declared by markup removed (``junk``), the element holding the
  article's paragraphs found (``container``), its blocks read with their markup hints
  (``markup``), the headline taken from ``og:title`` / ``<h1>`` / ``<title>`` without
  the site's name (``headline``), or the JSON-LD body for pages built by scripts
  (``structured``).

Then the same reading for both (``layout``): furniture recognised from each line's own
evidence and cue words (``furniture``, ``cues``, ``cues.txt``), the article body as the
stretch with the most running prose, the headline just above it, tags, bylines and leads
around it, headings, lists; then sentences (``sentences``) and tokens (``tokens``).

The pipeline runs ``checked_section``: the same, refusing (``no_text``, ``not_arabic``) a page in
which no article, or no Arabic article, was found.

Offsets: ``Sectioned.to_source`` maps into ``Normalised.text``.  For text input every
block maps exactly.  For HTML input each text node of a block is anchored where it stands
in the normalised HTML (character references such as ``&amp;`` are stepped over, so
highlighting stays exact); the headline maps to its first occurrence in the page, and a
body read from JSON-LD maps where the JSON escapes nothing.  ``Sectioned.boilerplate``
lists removed lines (text input); for HTML, the furniture removed around and inside the
article's part of the page and the furniture lines found in it (the rest of the page is
not read at all).
"""

from khabar.tasks.section.guards import require_text
from khabar.tasks.section.section import VERSION, checked_section, section

__all__ = ["VERSION", "checked_section", "require_text", "section"]
