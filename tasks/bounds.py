"""The declared bounds of the stages: what keeps every stage near-linear in its input.

An article under the size limits (1,000,000 characters) can still be built to make a stage
quadratic or worse: a run of 200,000 combining marks (Unicode composition sorts them, in C,
where the soft time limit cannot strike), 900,000 dots (one token each, and regexes that
backtrack over long runs), 20,000 sentences (a 20,000 x 20,000 similarity matrix), 80,000
nested elements (a parser that walks its stack of open elements at every tag).  Each such
input is either cut down by a cap declared here, and the cut recorded in the document
(``Cap`` records; the document's ``caps``, each with the sentence below), or refused with an
input reason (``khabar.tasks.errors.Reason``) where no article can be in it.

Every cap sits far above what a real article needs (the figures are in docs/PERFORMANCE.md,
``bench/bench_growth.py``), so a real article is never changed by one.
"""

from __future__ import annotations

from khabar.tasks.records import Cap

# normalise: combining marks (of a non-zero combining class) in one run, i.e. on one letter.
# Arabic puts at most three on a letter (shadda, a vowel, a dagger alef); Quranic text a few more.
MAX_MARKS = 8
# normalise: a run of punctuation marks and symbols with nothing between them (".....", "!?!?").
# Each is a token of its own; real text writes a few, a separator line some dozens.
MAX_SYMBOL_RUN = 32
# section: letters and digits in one word.  The longest Arabic words have about 15 letters,
# English dictionary words 45, a SHA-256 in hexadecimal 64.
MAX_WORD = 100
# section: elements open at once in HTML, estimated before parsing.  Real pages nest 20 to 60 deep;
# reading a page recurses once per level, under Python's limit of 1,000 frames.
MAX_DEPTH = 500
# entities: tokens in one sequence handed to the recogniser (a longer "sentence" is tagged in
# pieces of this many tokens), and tokens in one call to it (its features take ~4 KB a token).
MAX_SEQUENCE = 400
MAX_TAG_TOKENS = 10_000
# entities: tokens of an article tagged at all (the CRF takes 20 to 100 us a token, so this keeps the
# stage near 10 s): a 10,000-word article has about 12,000; 1,000,000 characters of real words about
# 180,000; one-letter words glued by dots, a million.
MAX_TAGGED_TOKENS = 100_000
# summarise: candidate sentences ranked (LexRank's similarity matrix is n x n).  Real articles
# have tens; news puts the gist first, so the first ones are the ones a summary takes.
MAX_RANKED = 1_000

# What each cap did, as the document says it: formatted with the Cap's ``limit`` and ``found``.
EFFECTS: dict[str, str] = {
    "marks_per_letter": "runs of more than {limit} combining marks on one letter were cut to {limit} "
    "(the longest had {found})",
    "symbol_run": "runs of more than {limit} punctuation marks or symbols were cut to {limit} "
    "(the longest had {found})",
    "sequence_tokens": "sentences of more than {limit} tokens were tagged in pieces of {limit} "
    "(the longest had {found})",
    "tagged_tokens": "only the first {limit} of {found} tokens were tagged for entities",
    "ranked_sentences": "only the first {limit} of {found} candidate sentences were ranked for the summary",
}


def describe(stage: str, cap: Cap) -> dict[str, object]:
    """Return the document's entry for a cap: its stage, name, figures and what it did."""
    effect = EFFECTS.get(cap.name, "{limit} / {found}").format(limit=cap.limit, found=cap.found)
    return {"stage": stage, "name": cap.name, "limit": cap.limit, "found": cap.found, "effect": effect}
