"""Mentions of one entity merged into one ``Entity``.

The rules, in order (each decision is the conservative one: two people wrongly made one
is worse for a reader than one person listed twice):

1. Mentions whose names are equal word for word in match form (no diacritics; alef,
   yeh and teh marbuta unified) and of one type are one entity.
2. The same name found with different types (Washington as LOC five times and as ORG
   once) is one entity of the type that has more than half of its mentions; with no
   such majority the types stay apart.
3. A shorter name of the same type whose words are the first or last words of a longer
   name joins it: Putin and Vladimir Putin; Kirill and Kirill Dmitriev.  Here a word
   also matches its spelling variant with one more or one fewer alef after its first
   letter in words of four letters or more (Trump is written both ways), but only
   against a longer name, never single word against single word, so that two
   different one-word names (Ayman, Iman) are not merged on their own.
4. A shorter name that fits several longer names that are different entities (Trump
   in an article on Donald and Ivanka Trump) joins the one with strictly the most
   mentions; when two lead equally it stays an entity of its own.

The canonical text is the fullest form (most words); among those, the most frequent,
then the first.  Entities are ordered by their first mention, mentions by position;
a mention keeps the type its recogniser gave it, the entity has the merged type.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from khabar.tasks.entities.mentions import NamedMention
from khabar.tasks.normalise import match_form
from khabar.tasks.records import Entity

_ALEF = "\u0627"
_MIN_VARIANT = 4  # letters in a word's shorter spelling before alef variants are allowed


def _variant(word: str) -> str:
    """Return ``word`` (in match form) without alefs after its first letter, when long enough."""
    loose = word[:1] + word[1:].replace(_ALEF, "")
    return loose if len(loose) >= _MIN_VARIANT else word


def _is_edge(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    return len(short) < len(long) and (long[: len(short)] == short or long[-len(short) :] == short)


@dataclass
class _Group:
    key: tuple[str, ...]  # the name's words in match form
    type: str
    members: list[NamedMention] = field(default_factory=list)
    parent: _Group | None = None  # set when merged into another group

    def root(self) -> _Group:
        group = self
        while group.parent is not None:
            group = group.parent
        return group

    @property
    def first(self) -> int:
        return self.members[0].mention.start

    @property
    def loose(self) -> tuple[str, ...]:
        """The key with spelling variants folded, for matching a shorter name against this one."""
        return tuple(_variant(w) for w in self.key)


def _join(child: _Group, into: _Group) -> None:
    into.members.extend(child.members)
    child.members = []
    child.parent = into


def _merge_types(groups: list[_Group]) -> list[_Group]:
    """Rule 2: one group per name where one type has most of its mentions."""
    by_key: dict[tuple[str, ...], list[_Group]] = {}
    for g in groups:
        by_key.setdefault(g.key, []).append(g)
    for same in by_key.values():
        total = sum(len(g.members) for g in same)
        top = max(same, key=lambda g: len(g.members))
        if len(same) > 1 and 2 * len(top.members) > total:
            for g in same:
                if g is not top:
                    _join(g, top)
    return [g for g in groups if g.parent is None]


def _merge_short_names(groups: list[_Group]) -> None:
    """Rules 3 and 4: shorter names join the longer name they are the edge of."""
    loose = {id(g): g.loose for g in groups}
    by_edge: dict[tuple[str, str], list[_Group]] = {}  # (type, first or last word) -> groups
    for g in groups:
        for word in {loose[id(g)][0], loose[id(g)][-1]}:
            by_edge.setdefault((g.type, word), []).append(g)
    for short in sorted(groups, key=lambda g: (-len(g.key), g.first)):
        name = loose[id(short)]
        roots: dict[int, _Group] = {}
        for long in by_edge.get((short.type, name[0]), []) + by_edge.get((short.type, name[-1]), []):
            # Longer names were visited first, so their roots are settled.
            if _is_edge(name, loose[id(long)]):
                root = long.root()
                roots[id(root)] = root
        if not roots:
            continue
        counts = sorted((len(r.members) for r in roots.values()), reverse=True)
        if len(counts) > 1 and counts[0] == counts[1]:
            continue  # ambiguous: two different entities share this name equally
        _join(short, max(roots.values(), key=lambda r: len(r.members)))


def _canonical(members: Sequence[NamedMention]) -> str:
    most = max(len(m.words) for m in members)
    full = [m.form for m in members if len(m.words) == most]
    counts = Counter(full)
    return max(full, key=lambda form: (counts[form], -full.index(form)))


def merge_mentions(found: Sequence[NamedMention]) -> tuple[Entity, ...]:
    """Return the entities the mentions stand for, ordered by first mention."""
    groups: dict[tuple[tuple[str, ...], str], _Group] = {}
    for m in sorted(found, key=lambda m: (m.mention.start, m.mention.end)):
        key = tuple(match_form(w) for w in m.words)
        groups.setdefault((key, m.mention.type), _Group(key, m.mention.type)).members.append(m)
    roots = _merge_types(list(groups.values()))
    _merge_short_names(roots)
    entities = []
    for g in roots:
        if g.parent is not None:
            continue
        members = sorted(g.members, key=lambda m: (m.mention.start, m.mention.end))
        entities.append(Entity(_canonical(members), g.type, tuple(m.mention for m in members)))
    return tuple(sorted(entities, key=lambda e: (e.mentions[0].start, e.mentions[0].end, e.type)))
