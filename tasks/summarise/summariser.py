"""Extractive summary (first version: the lead within the budget)."""

from __future__ import annotations

from tasks.records import Budget, Entities, Sectioned, Summary

VERSION = "0"


def summarise(sectioned: Sectioned, entities: Entities, budget: Budget) -> Summary:
    words = budget.words or 60
    chosen: list[int] = []
    used = 0
    for i, s in enumerate(sectioned.sentences):
        n = len(sectioned.text[s.start : s.end].split())
        if chosen and used + n > words:
            break
        chosen.append(i)
        used += n
    text = " ".join(sectioned.text[sectioned.sentences[i].start : sectioned.sentences[i].end] for i in chosen)
    return Summary(text=text, sentences=tuple(chosen), keywords=())
