"""Stage 1: the display form of an article and the matching form of words."""

from __future__ import annotations

import re
from functools import lru_cache

from camel_tools.utils.dediac import dediac_ar
from camel_tools.utils.normalize import (
    normalize_alef_ar,
    normalize_alef_maksura_ar,
    normalize_teh_marbuta_ar,
)

from khabar.tasks.errors import InvalidArticle, Reason
from khabar.tasks.normalise.charsets import ARABIC_LETTER_RANGES, TATWEEL, ranges_class
from khabar.tasks.normalise.clean import clean_bounded
from khabar.tasks.normalise.markup import decode_references
from khabar.tasks.offsets import compose
from khabar.tasks.records import Article, Normalised

# "1": CAMeL-based cleaning (presentation forms, NFC, bidi and control characters,
# line ends, digit punctuation), character references decoded in HTML.
# 2: stray control characters are removed and counted (they made a real article `not_text`);
# runs of marks and punctuation are cut (khabar.tasks.bounds).
VERSION = "2"

_ARABIC_LETTER = re.compile(f"[{ranges_class(ARABIC_LETTER_RANGES)}]")  # tatweel is not one


def normalise(article: Article, *, latin_digits: bool = True) -> Normalised:
    """Return the article's display form with its alignment to ``Article.content``.

    For HTML input the display form is still HTML: character references that hide
    noise are decoded and the text is cleaned as plain text would be.  Never raises on
    a ``str``; the pipeline then asks ``require_letters`` whether an article is left.
    """
    raw = article.content
    if article.kind == "html":
        decoded, to_raw = decode_references(raw)
        text, to_decoded, caps = clean_bounded(decoded, latin_digits=latin_digits, markup=True)
        anchors = compose(to_decoded, to_raw) if len(to_raw) > 1 else to_decoded
    else:
        text, anchors, caps = clean_bounded(raw, latin_digits=latin_digits)
    return Normalised(kind=article.kind, text=text, to_raw=anchors, caps=caps)


def require_letters(normalised: Normalised) -> Normalised:
    """Return ``normalised``, or raise InvalidArticle (``empty_after_normalise``) if a text kept no Arabic letter.

    Validation counts tatweel as a letter and cannot know what cleaning removes: a text of
    tatweel and digits passes it and is empty here.  HTML is judged by the section stage, on its text.
    """
    if normalised.kind == "text" and _ARABIC_LETTER.search(normalised.text) is None:
        raise InvalidArticle(
            Reason.EMPTY_AFTER_NORMALISE,
            f"no Arabic letter is left once invisible characters and tatweel are removed "
            f"({len(normalised.text):,} characters left)",
        )
    return normalised


# Words, not lines, are remembered: the stages ask for the same few thousand words again and again.
_CACHED_UP_TO = 40  # characters


def match_form(word: str) -> str:
    """Return the form used to compare words: no diacritics or tatweel, unified alef, yeh and teh marbuta."""
    if len(word) <= _CACHED_UP_TO:
        return _word_match_form(word)
    return _match_form(word)


def _match_form(text: str) -> str:
    return normalize_teh_marbuta_ar(
        normalize_alef_maksura_ar(normalize_alef_ar(dediac_ar(text.replace(TATWEEL, ""))))
    )


# Each stage computes match forms of the same words (the section, entities and summarise
# stages all compare words): one cache per process, so no stage repeats another's work.
_word_match_form = lru_cache(maxsize=1 << 16)(_match_form)
