"""The kinds of failure, declared rather than guessed.

* ``InvalidArticle``: the input is bad.  Never retried, recorded with a reason
  code, not reported to Sentry as a bug (it is in every task's ``throws``).
* ``TRANSIENT``: trouble that may pass (a lost Redis connection, a timeout, a
  model still loading, an injected fault).  Retried with exponential backoff and
  jitter, a bounded number of times; when the retries run out the article fails
  with reason ``retries_exhausted``.
* Anything else is a bug: the article fails with reason ``error`` and its
  traceback, and the exception is reported.

The worker's one error ladder (``khabar.worker.execute``) acts on these declarations.
"""

from __future__ import annotations

from enum import StrEnum

import redis
from kombu.exceptions import OperationalError


class Reason(StrEnum):
    """Why an article was rejected or failed; stable strings stored with failures."""

    # Bad input (InvalidArticle): the sender must fix the article.
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    NOT_TEXT = "not_text"
    NOT_ARABIC = "not_arabic"
    MALFORMED_PAYLOAD = "malformed_payload"
    WRONG_TYPE = "wrong_type"
    MISSING_FIELD = "missing_field"
    BAD_BUDGET = "bad_budget"
    NOT_JSON = "not_json"  # a message in another serialization (pickle, yaml...), refused unread
    # Bad input found by a stage: legal as a payload, but no article is in it (khabar.tasks.bounds).
    EMPTY_AFTER_NORMALISE = "empty_after_normalise"  # no Arabic letter once invisible noise is gone
    TOO_DEEP = "too_deep"  # HTML nested deeper than any page: the parser would take minutes
    NO_TEXT = "no_text"  # no readable text once furniture, scripts and markup are gone
    WORD_TOO_LONG = "word_too_long"  # its only "words" are longer than any real word
    # Failures while processing: `khabar failed retry` may help once the cause is fixed.
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    OUT_OF_MEMORY = "out_of_memory"  # a stage ran out of the child's memory ceiling (MemoryError)
    RETRIES_EXHAUSTED = "retries_exhausted"
    LOST = "lost"  # its message vanished before the payload was stored (see khabar.worker.sweeper)
    ERROR = "error"


class KhabarError(Exception):
    """Base of khabar's own errors."""


class InvalidArticle(KhabarError):
    """The article cannot be processed as given; retrying would not help."""

    def __init__(self, reason: Reason | str, detail: str = "") -> None:
        # args stay (reason, detail) so Celery can rebuild the exception from JSON.
        super().__init__(str(reason), detail)
        self.reason = Reason(reason)
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.reason.value}: {self.detail}"


class TransientError(KhabarError):
    """Trouble that may pass; retried."""


class ModelLoading(TransientError):
    """A model or backend the stage needs is still loading."""


class InjectedFault(TransientError):
    """A fault injected on purpose (settings ``fault_stage``/``fault_rate``) for tests and drills."""


class CrashLoop(KhabarError):
    """The worker died on this article's stage more times than allowed (reason ``crashed``)."""


class MissingInput(KhabarError):
    """A stage found no stored input for its article (expired, purged, never stored)."""


# Retried, and only these.  redis.ConnectionError covers BusyLoadingError (a
# restarted Redis still reading its append-only file); ReadOnlyError is a replica
# that has not been promoted yet; OperationalError is kombu giving up on a publish.
TRANSIENT: tuple[type[BaseException], ...] = (
    TransientError,
    redis.ConnectionError,
    redis.TimeoutError,
    redis.ReadOnlyError,
    OperationalError,
    ConnectionError,
    TimeoutError,
)

# Raised on purpose and already recorded: logged without a traceback, not sent to Sentry.
EXPECTED: tuple[type[BaseException], ...] = (InvalidArticle, MissingInput)
