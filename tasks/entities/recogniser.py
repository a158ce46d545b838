"""Named entities (first version: a tiny gazetteer; the trained model replaces it)."""

from __future__ import annotations

from typing import Protocol

from tasks.records import Entities, Entity, Mention, Sectioned

VERSION = "0"


class Recogniser(Protocol):
    name: str

    def tag(self, sentences: list[list[str]]) -> list[list[str]]:
        """Return one IOB2 label per token of each sentence."""
        ...


class GazetteerRecogniser:
    name = "gazetteer"
    _NAMES = {"روسيا": "LOC", "واشنطن": "LOC", "موسكو": "LOC", "ترامب": "PERS", "بوتين": "PERS"}

    def tag(self, sentences: list[list[str]]) -> list[list[str]]:
        return [[("B-" + self._NAMES[t]) if t in self._NAMES else "O" for t in s] for s in sentences]


def load_recogniser(backend: str = "gazetteer", model_path: str | None = None) -> Recogniser:
    return GazetteerRecogniser()


def find_entities(sectioned: Sectioned, recogniser: Recogniser) -> Entities:
    text = sectioned.text
    toks = [text[s:e] for s, e in sectioned.tokens]
    labels = recogniser.tag([toks])[0]
    merged: dict[tuple[str, str], list[Mention]] = {}
    for (s, e), lab in zip(sectioned.tokens, labels):
        if lab != "O":
            m = Mention(text[s:e], lab[2:], s, e)
            merged.setdefault((m.text, m.type), []).append(m)
    ents = tuple(Entity(t, ty, tuple(ms)) for (t, ty), ms in merged.items())
    return Entities(backend=recogniser.name, entities=ents)
