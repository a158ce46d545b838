"""Reliability settings and error classes: checked without a broker."""

from __future__ import annotations

import ssl

import pytest
import redis
from kombu.exceptions import OperationalError
from pydantic import ValidationError

from khabar.config.settings import Settings
from khabar.tasks.errors import EXPECTED, TRANSIENT, InjectedFault, InvalidArticle, ModelLoading, Reason


def test_the_transient_list_is_explicit() -> None:
    """Only the declared kinds of trouble are retried; a bug or bad input never is (khabar.worker.execute)."""
    for exc in (InjectedFault("x"), ModelLoading("x"), redis.ConnectionError(), redis.TimeoutError(),
                redis.BusyLoadingError(), OperationalError(), ConnectionResetError(), TimeoutError()):
        assert isinstance(exc, TRANSIENT), exc
    for exc in (KeyError("k"), ValueError(), RuntimeError(), redis.ResponseError("WRONGTYPE"), MemoryError(),
                InvalidArticle(Reason.EMPTY)):
        assert not isinstance(exc, TRANSIENT), exc
    assert isinstance(InvalidArticle(Reason.NOT_ARABIC), EXPECTED)


def test_visibility_timeout_must_outlast_a_held_message() -> None:
    # Default: twice the longest hold (hard limit + longest retry delay) plus a minute.
    assert Settings().effective_visibility_timeout == 2 * (90 + 120) + 60
    assert Settings(visibility_timeout=300).effective_visibility_timeout == 300
    with pytest.raises(ValidationError, match="delivered twice"):
        Settings(visibility_timeout=200)  # shorter than 90 s hard limit + 120 s backoff
    with pytest.raises(ValidationError, match="must not exceed hard_time_limit"):
        Settings(soft_time_limit=100, hard_time_limit=90)


def test_rediss_urls_verify_certificates_unless_told_not_to() -> None:
    from khabar.worker.transport import tls_options

    assert tls_options("redis://:pw@host:6379/0") is None
    assert tls_options("rediss://:pw@host:6380/0") == {"ssl_cert_reqs": ssl.CERT_REQUIRED}
    opts = tls_options("rediss://host:6380/0?ssl_cert_reqs=CERT_NONE&ssl_ca_certs=/ca.pem&other=1")
    assert opts == {"ssl_cert_reqs": ssl.CERT_NONE, "ssl_ca_certs": "/ca.pem"}
    with pytest.raises(ValueError, match="ssl_cert_reqs"):
        tls_options("rediss://host/0?ssl_cert_reqs=maybe")
