"""Stage 1: normalise.  ``normalise(article) -> Normalised``; ``match_form(word)`` for matching."""

from khabar.tasks.normalise.normalise import VERSION, match_form, normalise, require_letters

__all__ = ["VERSION", "match_form", "normalise", "require_letters"]
