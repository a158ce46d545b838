"""The kinds of failure, declared rather than guessed.

* ``InvalidArticle``: the input is bad.  Never retried, recorded with a reason
  code, not reported to Sentry as a bug.
* ``TransientError`` (and the connection errors listed in ``TRANSIENT``): trouble
  that may pass.  Retried with exponential backoff and jitter, a bounded number
  of times.
* Anything else is a bug: the article fails, the traceback is recorded, and the
  error is reported.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why an article was rejected or failed; stable strings stored with failures."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    NOT_TEXT = "not_text"
    NOT_ARABIC = "not_arabic"
    MALFORMED_PAYLOAD = "malformed_payload"
    WRONG_TYPE = "wrong_type"
    MISSING_FIELD = "missing_field"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    RETRIES_EXHAUSTED = "retries_exhausted"
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
    """Trouble that may pass (a backend loading, an injected fault); retried."""


class ArticleNotFound(KhabarError):
    """No stored article has this id (expired, purged or never submitted)."""


class MissingInput(KhabarError):
    """A stage found no stored input for its article (expired, purged, never stored)."""
