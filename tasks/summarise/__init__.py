"""Stage 4: summarise.  ``summarise(sectioned, entities, budget) -> Summary``."""

from tasks.summarise.summariser import VERSION, summarise

__all__ = ["VERSION", "summarise"]
