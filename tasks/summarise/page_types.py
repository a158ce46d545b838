"""What kind of page an article is, and in which order its sentences matter.

News puts the gist first, so the summariser's position prior is the article's order.
Other pages do not:

* ``interview``: the page has question or answer blocks; questions are never summary
  sentences (see ``analysis``), the answers and the introduction keep their order.
* ``list``: list items hold much of the article; the introduction comes first, then
  the first sentence of each item in turn, then the rest.
* ``live``: at least ``MIN_ENTRIES`` blocks open with a time (``14:05``); the entries
  are taken latest first, whichever way the page orders them.
* ``opinion``: a tag, heading or the title says so (``opinion``, ``articles``, ``point
  of view``); the argument's conclusion matters as much as its opening, so the last
  paragraph comes right after the first.
* ``news``: everything else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from khabar.tasks.records import Sectioned

PAGE_TYPES = ("news", "interview", "list", "live", "opinion")
MIN_ENTRIES = 3
_ENTRY_KINDS = ("heading", "paragraph", "lead", "list_item")  # blocks that may open a live entry
LIST_SHARE = 0.4  # of the candidates' words in list items, for a list article
_TIME = re.compile(r"^\W{0,3}(\d{1,2})[:.](\d{2})(?!\d)")
_OPINION = re.compile(
    "|".join(
        (
            "(?:^|\\s)\u0631\u0623\u064a(?:$|\\s|:)",  # ra'y, "opinion", as a word
            "\u0645\u0642\u0627\u0644\u0627\u062a",  # maqalat, "articles (columns)"
            "\u0645\u0642\u0627\u0644 \u0631\u0623\u064a",  # maqal ra'y, "opinion piece"
            "\u0648\u062c\u0647\u0629 \u0646\u0638\u0631",  # wijhat nazar, "point of view"
        )
    )
)


def page_type(sectioned: Sectioned, candidate_blocks: Sequence[int], candidate_words: Sequence[int]) -> str:
    """Return one of ``PAGE_TYPES`` for an article whose candidate sentences lie in those blocks."""
    blocks = sectioned.blocks
    kinds = {b.kind for b in blocks}
    if "question" in kinds or "answer" in kinds:
        return "interview"
    text = sectioned.text
    stamped = sum(
        1 for b in blocks if b.kind in _ENTRY_KINDS and _TIME.match(text[b.start : b.end])
    )
    if stamped >= MIN_ENTRIES:
        return "live"
    total = sum(candidate_words)
    in_lists = sum(w for k, w in zip(candidate_blocks, candidate_words, strict=True) if blocks[k].kind == "list_item")
    items = sum(1 for b in blocks if b.kind == "list_item")
    if items >= MIN_ENTRIES and total and in_lists >= LIST_SHARE * total:
        return "list"
    labels = [text[b.start : b.end] for b in blocks if b.kind in ("tag", "heading", "title")]
    if sectioned.title:
        labels.append(sectioned.title)
    if any(_OPINION.search(label[:80]) for label in labels):
        return "opinion"
    return "news"


def _entries(sectioned: Sectioned, candidate_blocks: Sequence[int]) -> list[int]:
    """Return, per candidate, the live entry it belongs to (the last time-stamped block at or before it)."""
    text = sectioned.text
    starts = [
        i
        for i, b in enumerate(sectioned.blocks)
        if b.kind in _ENTRY_KINDS and _TIME.match(text[b.start : b.end])
    ]
    out, e = [], -1
    for k in candidate_blocks:
        while e + 1 < len(starts) and starts[e + 1] <= k:
            e += 1
        out.append(e)
    return out


def _minutes(sectioned: Sectioned, block: int) -> int:
    b = sectioned.blocks[block]
    m = _TIME.match(sectioned.text[b.start : b.end])
    return int(m.group(1)) * 60 + int(m.group(2)) if m else -1


def reading_order(sectioned: Sectioned, kind: str, candidate_blocks: Sequence[int]) -> list[int]:
    """Return the candidates (positions) in the order a summary should prefer them, for a page of ``kind``."""
    n = len(candidate_blocks)
    order = list(range(n))
    blocks = sectioned.blocks
    if kind == "list":
        in_list = [blocks[k].kind == "list_item" for k in candidate_blocks]
        first_list = next((i for i, x in enumerate(in_list) if x), n)
        intro = order[:first_list]
        heads = [i for i in order if in_list[i] and (i == 0 or candidate_blocks[i - 1] != candidate_blocks[i])]
        head_set = set(heads)
        return intro + heads + [i for i in order if i >= first_list and i not in head_set]
    if kind == "live":
        entry = _entries(sectioned, candidate_blocks)
        stamps = {e: k for e, k in zip(entry, candidate_blocks, strict=True) if e >= 0}
        times = [_minutes(sectioned, k) for _, k in sorted(stamps.items())]
        rising = sum(b > a for a, b in zip(times, times[1:], strict=False))
        falling = sum(b < a for a, b in zip(times, times[1:], strict=False))
        if rising > falling:  # oldest first on the page: read it from the end, entry by entry
            return sorted(order, key=lambda i: (-entry[i], i))
        return order
    if kind == "opinion" and n:
        last_block = candidate_blocks[-1]
        first_block = candidate_blocks[0]
        opening = [i for i in order if candidate_blocks[i] == first_block]
        closing = [i for i in order if candidate_blocks[i] == last_block and candidate_blocks[i] != first_block]
        taken = set(opening) | set(closing)
        return opening + closing + [i for i in order if i not in taken]
    return order
