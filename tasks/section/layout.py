"""Where the article is on the page and what each of its units is.

The article body is the stretch of units with the most running prose, found as a
maximum-sum run (Kadane) over per-unit weights: prose counts for its length,
furniture against it, short lines a little against it so that headings between
paragraphs are bridged but a menu is not.  The headline is looked for just above
the body, past tags, bylines and share bars but never past a ticker or a menu.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from khabar.tasks.normalise import charsets as cs
from khabar.tasks.section import cues, furniture
from khabar.tasks.section.furniture import BARRIERS, TOP
from khabar.tasks.section.units import Features, Unit

Labelled = tuple[Unit, str, int | None]  # unit, block kind, list id

_NEVER = -(10**9)
_NOT_TITLE_END = ".,:;" + cs.ARABIC_COMMA + cs.ARABIC_SEMICOLON
BULLET = re.compile(
    rf"^(?:[{cs.char_class(cs.BULLETS)}]\s*(?=\S)|\d{{1,2}}\s*[.)\-\u2013]\s+|\(\d{{1,2}}\)\s*)"
)
_LABEL = re.compile(rf"^([^:.!?{cs.ARABIC_QUESTION_MARK}{cs.ARABIC_COMMA}]{{2,60}}):\s*(\S.*)$")


_PULL_QUOTE_WORDS = 40
_QUOTES = " \"'" + cs.OPENING_QUOTES + cs.CLOSING_QUOTES
# Interview markers: "*" or "sin" (the first letter of the word for question) and a colon
# before a question; "-" or "jim" (answer) and a colon before an answer.
_QUESTION_MARK = re.compile(
    r"^(?:\*(?!\*)|\u0633\s*[:/\-]|\u0633\u0624\u0627\u0644\s*:)\s*"  # SEEN; "su'al" (question)
)
_ANSWER_MARK = re.compile(
    r"^(?:[-\u2013\u2014](?![-\u2013\u2014])|\u062c\s*[:/\-]|\u062c\u0648\u0627\u0628\s*:)\s*"  # JEEM; "jawab"
)
_ASKS = "?" + cs.ARABIC_QUESTION_MARK


def _is_question(u: Unit) -> bool:
    """A marked question ("*...?", "sin: ..."), or a bold paragraph that asks one."""
    m = _QUESTION_MARK.match(u.text)
    if m and m.group().startswith("*"):
        return any(c in u.text for c in _ASKS) and len(u.text) > m.end()
    if m:
        return len(u.text) > m.end()
    return u.hint == "strong" and u.features.last in _ASKS


def _marker_end(text: str, marker: re.Pattern[str]) -> int:
    m = marker.match(text)
    return m.end() if m and m.end() < len(text) else 0


@dataclass
class Facts:
    """What the layout needs to know about one unit, computed once."""

    furniture: str | None
    prose: bool
    dateline: bool  # a date, not a name: "weekday, 28 month 2013, last updated ..."
    item: str | None
    dated: bool
    byline: int
    tags: bool
    heading_like: bool
    title_like: bool


def facts(u: Unit) -> Facts:
    f = u.features
    short = f.words <= 14
    dated = short and furniture.is_date(u.text, f)
    byline = furniture.byline_strength(u.text, f) if short else 0
    return Facts(
        furniture=furniture.kind_of(u),
        prose=prose(u),
        dateline=dated and byline < 2,
        item=item_kind(u),
        dated=dated,
        byline=byline,
        tags=furniture.is_tag_line(u.text, f),
        heading_like=heading_like(u),
        title_like=title_like(u),
    )


@dataclass
class Layout:
    title: Unit | None
    blocks: list[Labelled] = field(default_factory=list)  # reading order, title excluded
    boilerplate: list[str] = field(default_factory=list)


def prose(u: Unit) -> bool:
    """Running text: several words and sentence punctuation, or too long for anything else."""
    f = u.features
    if f.words < 6:
        return False
    punctuated = f.terminal or f.last == ":" or f.commas > 0 or f.inner_stops > 0
    return punctuated or u.hint == "paragraph" or f.words >= 20


def item_kind(u: Unit) -> str | None:
    """Return "markup", "bullet" or "label" if the unit looks like a list item."""
    if u.hint == "list_item":
        return "markup"
    head = u.features.head
    if BULLET.match(u.text) or (head is not None and head.whole("ordinal")):
        return "bullet"
    m = _LABEL.match(u.text)
    if m and len(m.group(1).split()) <= 6 and len(m.group(2).split()) >= 3:
        return "label"
    return None


def title_like(u: Unit) -> bool:
    f = u.features
    return (
        2 <= f.words <= 30
        and f.chars <= 250
        and (f.last not in _NOT_TITLE_END or u.text.endswith(".."))
        and f.inner_stops <= 1
        and f.commas <= 2
    )


def heading_like(u: Unit) -> bool:
    f = u.features
    if f.words > 15 or f.chars > 130 or f.commas > 1 or f.inner_stops:
        return False
    if f.last in _NOT_TITLE_END and not (f.last == ":" and f.words <= 5):
        return False  # a short label such as "the details:" may head what follows
    if f.last in "!?" + cs.ARABIC_QUESTION_MARK and f.words > 14:
        return False
    return not BULLET.match(u.text)


def _headline_shaped(f: Features) -> bool:
    return f.words <= 20 and f.last != "." and not f.commas and not f.inner_stops


def _cut_excerpt(f: Features) -> bool:
    """The opening words of another article, cut off with an ellipsis."""
    return f.chars <= 320 and (f.text.endswith("...") or f.text.endswith(cs.ELLIPSIS))


def _weight(u: Unit, fa: Facts, kind: str | None) -> int:
    f = u.features
    if kind in BARRIERS:
        return _NEVER
    if kind:
        return -max(80, f.chars // 2)
    if fa.prose:
        return f.chars
    if fa.item and f.words >= 3 and (fa.item != "label" or f.terminal):
        return f.chars // 2  # ("label: text" without a full stop is more often a headline)
    if u.hint in ("heading", "strong"):
        return -5
    if fa.dated or fa.byline:
        return -20
    return -15 if fa.heading_like else -30


def _extent(weights: list[int]) -> tuple[int, int]:
    """Return the (first, last) index of the maximum-sum run, or (0, -1) if none is positive."""
    best, best_span = 0, (0, -1)
    total, start = 0, 0
    for i, w in enumerate(weights):
        if total <= 0:
            total, start = w, i
        else:
            total += w
        if total > best:
            best, best_span = total, (start, i)
    return best_span


def _mark_repeats(units: list[Unit], kinds: list[str | None], title: Unit | None) -> None:
    seen: set[str] = {title.text} if title else set()
    for i, u in enumerate(units):
        if u.text in seen and kinds[i] is None:
            kinds[i] = "repeat"
        if u.hint != "pull_quote":  # a pull quote repeats the body; the body is not its repeat
            seen.add(u.text)


def _content_words(units: list[Unit]) -> set[str]:
    return {w for u in units for w in u.features.found.words if len(w) > 2}


class _Page:
    """The units of one page with their facts and the labels given so far."""

    def __init__(self, units: list[Unit], title: Unit | None) -> None:
        self.units = units
        says = cues.mentioning([u.text for u in units], furniture.SENTENCE_CATEGORIES)
        if says is not None:
            for i, u in enumerate(units):
                u.features.says = i in says
        self.facts = [facts(u) for u in units]
        self.kinds = [fa.furniture for fa in self.facts]
        _mark_repeats(units, self.kinds, title)
        self.related_blocks()
        self.labels: list[tuple[str | None, int | None]] = [(None, None)] * len(units)
        self.names: set[cues.Words] = set()  # site names and the like, from above the headline

    def related_blocks(self) -> None:
        """Headlines listed under a "read also" or "most read" header, with dates and cut excerpts."""
        for i, u in enumerate(self.units):
            if self.kinds[i] != "related" or not u.features.found.whole("related"):
                continue
            listed = 0
            for j in range(i + 1, min(len(self.units), i + 16)):
                f, fa = self.units[j].features, self.facts[j]
                if self.kinds[j] or not (_headline_shaped(f) or fa.dated or (listed and _cut_excerpt(f))):
                    break
                self.kinds[j] = "related"
                listed += 1

    def next_content(self, i: int, e: int) -> int | None:
        for j in range(i + 1, e + 1):
            if not self.kinds[j]:
                return j
        return None

    def find_title(self, s: int, e: int) -> int | None:
        """Return the index of the headline above the body starting at ``s``, if any."""
        units, kinds = self.units, self.kinds
        body_words = _content_words(
            [u for u, fa in zip(units[s : e + 1], self.facts[s : e + 1], strict=True) if fa.prose][:3]
        )
        counts: dict[str, int] = {}
        for u in units:
            counts[u.text] = counts.get(u.text, 0) + 1
        scored: list[tuple[int, float]] = []
        for i in range(s - 1, max(-1, s - 13), -1):
            kind = kinds[i]
            if kind in TOP and kind != "comments":  # a comment count may sit under a headline
                break
            fa = self.facts[i]
            if kind or not fa.title_like:
                continue
            u = units[i]
            words = _content_words([u])
            overlap = len(words & body_words) / len(words) if words else 0.0
            score = min(u.features.words, 14) + 10 * overlap
            if counts[u.text] > 1:
                score -= 6
            if u.features.words <= 3:
                score -= 4
            if fa.dated or fa.byline:
                score -= 20
            if score > 0:
                scored.append((i, score))
        if not scored:
            return None
        # A deck under the headline is often longer than the headline: of the good
        # candidates, the first one is the headline.
        best = max(score for _, score in scored)
        return min(i for i, score in scored if score >= 0.6 * best)

    def header_kind(self, i: int) -> str | None:
        """Kind of a unit between the headline and the body (None: furniture)."""
        u, fa = self.units[i], self.facts[i]
        f = u.features
        if u.hint == "pull_quote":
            return u.hint
        if fa.dateline:
            return "dateline"
        if u.hint in ("byline", "lead", "tag"):
            return u.hint
        if fa.byline or furniture.names_source(u.text, f, self.names):
            return "byline"
        if fa.tags or (f.words <= 4 and not f.terminal):
            return "tag"
        if f.words >= 6:
            return "lead"
        return None

    def lists(self, s: int, e: int) -> dict[int, int]:
        """Return {unit index: list number} for the list items of the body."""
        found: dict[int, int] = {}
        run: list[int] = []
        run_kind: str | None = None
        intro = False
        last: Unit | None = None

        def close() -> None:
            if run and (run_kind == "markup" or len(run) >= 2 or intro):
                number = len(set(found.values()))
                found.update({i: number for i in run})

        for i in range(s, e + 1):
            if self.kinds[i]:
                continue
            u, k = self.units[i], self.facts[i].item
            if k and run and k == run_kind and (k != "markup" or u.group == self.units[run[-1]].group):
                run.append(i)
            else:
                close()
                run, run_kind = ([i], k) if k else ([], None)
                intro = bool(k) and last is not None and last.features.last == ":"
            last = u
        close()
        return found

    def is_heading(self, i: int, e: int, lists: dict[int, int]) -> bool:
        u, fa = self.units[i], self.facts[i]
        if u.hint == "heading":
            return True
        if not fa.heading_like or u.hint == "list_item":
            return False
        j = self.next_content(i, e)
        if j is None:
            return False
        if u.features.last == ":":
            return self.facts[j].prose and j not in lists and not self.facts[j].item
        k = self.next_content(j, e)
        if self.facts[j].prose or j in lists or self.units[j].hint == "heading":
            return True
        if self.units[j].features.last == ":" and k in lists:
            return True  # the heading of a list and its introduction
        return self.facts[j].heading_like and k is not None and self.facts[k].prose

    def body(self, s: int, e: int) -> None:
        lists = self.lists(s, e)
        for i in range(s, e + 1):
            u, fa = self.units[i], self.facts[i]
            if self.kinds[i]:
                continue
            if fa.dateline:
                kind = "dateline"
            elif u.hint in ("byline", "tag", "lead", "pull_quote"):
                kind = u.hint
            elif fa.byline == 2:
                kind = "byline"
            elif fa.tags:
                kind = "tag"
            elif i in lists:
                kind = "list_item"
            elif self.is_heading(i, e, lists):
                kind = "heading"
            else:
                kind = "paragraph"
            self.labels[i] = (kind, lists.get(i) if kind == "list_item" else None)
        self.leads(s, e)
        self.pull_quotes(s, e)
        self.interview(s, e)

    def leads(self, s: int, e: int) -> None:
        """A short standfirst set apart from the body by a byline becomes the lead."""
        opening: list[int] = []
        for i in range(s, min(e + 1, s + 4)):
            kind = self.labels[i][0]
            if kind == "paragraph":
                opening.append(i)
            elif kind in ("byline", "dateline") and opening:
                if len(opening) <= 2 and sum(self.units[j].features.chars for j in opening) <= 500:
                    for j in opening:
                        self.labels[j] = ("lead", None)
                return
            elif kind is not None:
                return

    def pull_quotes(self, s: int, e: int) -> None:
        """A short block that repeats words of the body in large type is a pull quote, not more body."""
        body = [i for i in range(s, e + 1) if self.labels[i][0] in ("paragraph", "lead")]
        short = [i for i in body if self.units[i].features.words <= _PULL_QUOTE_WORDS]
        if not short:
            return
        joined = "\n".join(self.units[i].text for i in body)
        for i in short:
            text = self.units[i].text
            core = text.strip(_QUOTES)
            if len(core) < 30 or len(core) < len(text) - 4:
                continue  # only the quote marks around it may go
            # Once as itself, once more inside a longer paragraph it was taken from.
            if joined.count(core) >= 2 and any(
                len(self.units[j].text) > len(text) and core in self.units[j].text for j in body if j != i
            ):
                self.labels[i] = ("pull_quote", None)

    def interview(self, s: int, e: int) -> None:
        """Turns of an interview: questions marked ("*", "sin:") or set in bold, and the answers after them.

        At least two questions make an interview; then every body block after the first question
        is a question or an answer, and the markers ("*", "-", "sin:", "jim:") are removed.
        """
        turns = ("paragraph", "list_item", "heading", "lead")
        questions = [i for i in range(s, e + 1) if self.labels[i][0] in turns and _is_question(self.units[i])]
        marked = sum(1 for i in questions if _QUESTION_MARK.match(self.units[i].text))
        # Marked questions are an interview's; bold ones only when there are several (two bold
        # questions may be an explainer's subheadings).
        if marked < 2 and len(questions) < 3:
            return
        for i in range(questions[0], e + 1):
            if self.labels[i][0] not in turns:
                continue
            u = self.units[i]
            if i in questions:
                self.units[i] = u.sliced(_marker_end(u.text, _QUESTION_MARK))
                self.labels[i] = ("question", None)
            else:
                self.units[i] = u.sliced(_marker_end(u.text, _ANSWER_MARK))
                self.labels[i] = ("answer", None)

    def after_body(self, e: int) -> None:
        """Bylines, source lines and tags that close the article; what follows them is furniture."""
        tag_header = False
        for i in range(e + 1, len(self.units)):
            u, fa, kind = self.units[i], self.facts[i], self.kinds[i]
            if kind == "caption":
                self.labels[i] = ("caption", None)
                continue
            if kind in ("share", "follow", "ads", "repeat", "media", "consent", "newsletter"):
                continue
            if kind:
                return
            if fa.dateline:
                self.labels[i] = ("dateline", None)
            elif fa.byline or fa.dated:
                self.labels[i] = ("byline", None)
            elif fa.tags or u.hint == "tag" or (tag_header and u.features.words <= 4):
                self.labels[i] = ("tag", None)
            elif u.features.found.whole("tags"):
                tag_header = True
            else:
                return


def lay_out(units: list[Unit], *, title: Unit | None = None) -> Layout:
    """Label every unit: the headline (unless markup gave one), body blocks, or boilerplate."""
    page = _Page(units, title)
    s, e = _extent([_weight(u, fa, k) for u, fa, k in zip(units, page.facts, page.kinds, strict=True)])
    t: int | None = None
    if s > e:
        # No running prose at all (a brief of a line or two): keep what is not furniture,
        # in order, under the first line if it reads as a headline.
        s, e = 0, len(units) - 1
        content = [i for i, k in enumerate(page.kinds) if not k]
        if title is None and len(content) >= 2 and page.facts[content[0]].title_like:
            t, s = content[0], content[0] + 1
    layout = Layout(title=title)
    if title is None and t is None:
        t = page.find_title(s, e)
    if t is not None:
        layout.title = units[t]
        page.labels[t] = ("title", None)
        page.names = {u.features.found.words for u in units[:t] if u.features.words <= 4}
        # Datelines and bylines just above the headline are read just below it.
        for i in range(t - 1, max(-1, t - 4), -1):
            if page.kinds[i] in TOP:
                break
            if not page.kinds[i] and (page.facts[i].dated or page.facts[i].byline):
                page.labels[i] = ("dateline" if page.facts[i].dateline else "byline", None)
    zone_start = t + 1 if t is not None else 0
    if layout.title is not None:
        for i in range(zone_start, s):
            if not page.kinds[i]:
                page.labels[i] = (page.header_kind(i), None)
    page.body(s, e)
    page.after_body(e)
    for i in range(zone_start, e + 1):
        if page.kinds[i] == "caption" and page.labels[i][0] is None:
            page.labels[i] = ("caption", None)  # the story's pictures: kept, out of the body

    above: list[Labelled] = []
    for i, u in enumerate(units):
        kind, list_id = page.labels[i]
        if kind is None:
            layout.boilerplate.append(u.text)
        elif kind != "title":
            (above if i < zone_start else layout.blocks).append((u, kind, list_id))
    layout.blocks[:0] = above
    return layout
