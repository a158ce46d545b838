"""Stage 4: summarise.  ``summarise(sectioned, entities, budget) -> Summary``."""

from khabar.tasks.summarise.summariser import VERSION, summarise

__all__ = ["VERSION", "summarise"]
