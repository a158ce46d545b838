"""The pipeline, declared once.

``STAGES`` is the single ordered list of stages.  The worker's stage tasks, their
queues and task names (``khabar.worker.routing``) and the in-process runner below are
all derived from it, so they cannot drift apart.  ``INTAKE`` is the name of the step
before the stages (validating and storing a payload), as failures and logs call it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from khabar.config.version import package_version
from khabar.tasks import entities, normalise, section, summarise
from khabar.tasks.entities import Recogniser
from khabar.tasks.records import Article, Entities, Normalised, Sectioned, Summary


@dataclass(frozen=True)
class Resources:
    """What stages need besides their inputs, built once per process from Settings."""

    recogniser: Recogniser
    latin_digits: bool = True


@dataclass(frozen=True)
class Stage:
    name: str
    version: str
    needs: tuple[str, ...]  # "article" or the names of earlier stages
    output: type
    run: Callable[..., Any]  # run(resources, *needed records) -> output record


# The stage functions never raise on text; ``require_letters`` and ``require_text`` then refuse,
# with an input reason, what holds no article (tatweel only, a page with no readable text).
STAGES: tuple[Stage, ...] = (
    Stage(
        "normalise",
        normalise.VERSION,
        ("article",),
        Normalised,
        lambda res, article: normalise.require_letters(normalise.normalise(article, latin_digits=res.latin_digits)),
    ),
    Stage(
        "section",
        section.VERSION,
        ("normalise",),
        Sectioned,
        lambda res, norm: section.checked_section(norm),
    ),
    Stage(
        "entities",
        entities.VERSION,
        ("section",),
        Entities,
        lambda res, sec: entities.find_entities(sec, res.recogniser),
    ),
    Stage(
        "summarise",
        summarise.VERSION,
        ("article", "section", "entities"),
        Summary,
        lambda res, article, sec, ents: summarise.summarise(sec, ents, article.budget),
    ),
)

STAGE_NAMES: tuple[str, ...] = tuple(s.name for s in STAGES)
INTAKE = "validate"  # the step before the stages: a payload validated and stored
STAGES_BY_NAME: Mapping[str, Stage] = {s.name: s for s in STAGES}

# Stored with every document; a backfill re-runs articles whose version differs. The release
# is part of it: a new release may change outputs without a stage's version changing (a data
# file left out of the package did, once).
PIPELINE_VERSION = "+".join([f"khabar-{package_version()}", *(f"{s.name}-{s.version}" for s in STAGES)])


@dataclass(frozen=True)
class StageRun:
    """Timing of one stage for one article."""

    seconds: float
    version: str

    def as_dict(self) -> dict[str, Any]:
        """The record stored and published (``dataclasses.asdict`` is ten times slower: it deep-copies)."""
        return {"seconds": self.seconds, "version": self.version}


def run_stage(stage: Stage, resources: Resources, records: Mapping[str, Any]) -> tuple[Any, StageRun]:
    """Run one stage on the records it needs; return its output and timing."""
    started = time.perf_counter()
    output = stage.run(resources, *(records[name] for name in stage.needs))
    return output, StageRun(seconds=time.perf_counter() - started, version=stage.version)


def run_inprocess(article: Article, resources: Resources) -> tuple[dict[str, Any], dict[str, StageRun]]:
    """Run every stage in order in this process, with no broker.

    Returns the records by stage name (plus "article") and each stage's timing.
    """
    records: dict[str, Any] = {"article": article}
    runs: dict[str, StageRun] = {}
    for stage in STAGES:
        records[stage.name], runs[stage.name] = run_stage(stage, resources, records)
    return records, runs


def process_payload(
    payload: Any, limits: Any, default_budget: Any, resources: Resources
) -> dict[str, Any]:
    """Validate a task payload and run the whole pipeline in-process; return the document.

    The worker builds the same document from the same records (see khabar.worker.execute).
    """

    from khabar.tasks.document import build_document
    from khabar.tasks.validate import parse_payload

    article = parse_payload(payload, limits, default_budget)
    records, runs = run_inprocess(article, resources)
    return build_document(records, {n: r.as_dict() for n, r in runs.items()}, PIPELINE_VERSION)
