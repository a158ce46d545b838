"""Stage 3: entities.  ``find_entities(sectioned, recogniser) -> Entities``."""

from khabar.tasks.entities.recogniser import BACKENDS, VERSION, Recogniser, find_entities, load_recogniser

__all__ = ["BACKENDS", "VERSION", "Recogniser", "find_entities", "load_recogniser"]
