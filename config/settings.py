"""khabar's settings: read from the environment once, at start, into one typed object.

Every variable has a ``KHABAR_`` prefix except the two that deployments already
name by convention, ``REDIS_URL`` and ``SENTRY_DSN`` (the prefixed forms work too).
Nothing deeper in the code reads ``os.environ``: the object is handed down.
Overrides copy (``settings.model_copy(update=...)``), never mutate.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """The embedded Redis's directory: one per user, whatever the current directory.

    ``$XDG_DATA_HOME/khabar``, else ``~/.local/share/khabar`` (``KHABAR_DATA_DIR``
    overrides it), so a worker started in one folder and a ``submit`` in another meet.
    """
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "khabar"


class Settings(BaseSettings):
    # An empty variable (`KHABAR_DATA_DIR=`, compose's `${VAR:-}`) is the same as an unset one.
    model_config = SettingsConfigDict(env_prefix="KHABAR_", frozen=True, extra="ignore", env_ignore_empty=True)

    # --- Redis --------------------------------------------------------------------
    redis_url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("KHABAR_REDIS_URL", "REDIS_URL"),
        description="Broker and result store. Unset: 127.0.0.1:6379 if it answers, else an embedded Redis.",
    )
    result_url: SecretStr | None = Field(
        default=None, description="Separate result backend URL (default: the broker's)."
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Where the embedded Redis keeps its socket and data (default: $XDG_DATA_HOME/khabar, "
        "else ~/.local/share/khabar: one per user).",
    )
    use_local_redis: bool = Field(
        default=True,
        description="With REDIS_URL unset, use a Redis answering on 127.0.0.1:6379 (off: go straight to the "
        "embedded one, leaving an unrelated local Redis alone).",
    )
    key_prefix: str = Field(default="khabar", description="Prefix of every Redis key khabar writes.")

    # --- Limits ---------------------------------------------------------------------
    max_bytes: int = Field(default=2_000_000, description="Largest accepted article, UTF-8 bytes.")
    max_chars: int = Field(default=1_000_000, description="Largest accepted article, characters.")
    min_arabic_ratio: float = Field(default=0.3, description="Share of letters that must be Arabic.")
    soft_time_limit: float = Field(default=60.0, description="Seconds before a stage is stopped as `timeout`.")
    hard_time_limit: float = Field(default=90.0, description="Seconds before the worker child is killed.")
    document_ttl: int = Field(default=30 * 24 * 3600, description="Seconds a finished document is kept (0: forever).")
    max_memory_per_child_kb: int = Field(default=600_000, description="Worker child recycled above this RSS.")
    child_memory_limit_mb: int = Field(
        default=2048, ge=0,
        description="Memory a worker child may hold (RLIMIT_DATA, MiB; 0: no limit). Past it an article's "
        "stage fails as `out_of_memory` and the worker goes on.",
    )

    # --- Retries --------------------------------------------------------------------
    max_retries: int = Field(default=6, description="Retries of a transient failure per stage.")
    retry_backoff: float = Field(default=1.0, description="First retry delay, seconds; doubles each retry.")
    retry_backoff_max: float = Field(default=120.0, description="Longest retry delay, seconds.")
    max_redeliveries: int = Field(
        default=3, description="Times one article's stage may be redelivered after a worker died on it."
    )
    visibility_timeout: int | None = Field(
        default=None,
        description="Seconds before Redis hands an unacknowledged message to another worker "
        "(default: 2 x (hard_time_limit + retry_backoff_max) + 60; must exceed their sum).",
    )
    restore_interval: float = Field(
        default=10.0, description="Seconds between sweeps for messages held past the visibility timeout."
    )

    # --- Stages ---------------------------------------------------------------------
    ner_backend: Literal["crf", "bert", "gazetteer"] = Field(default="crf", description="Entity recogniser.")
    ner_model_path: str | None = Field(default=None, description="Model path (default: the bundled CRF).")
    latin_digits: bool = Field(default=True, description="Turn Arabic-Indic digits into 0-9 in the display text.")
    summary_words: int | None = Field(default=None, description="Default summary budget in words.")
    summary_sentences: int | None = Field(default=None, description="Default summary budget in sentences.")
    summary_ratio: float | None = Field(default=None, description="Default summary budget, share of words.")

    # --- Routing --------------------------------------------------------------------
    queue_prefix: str = Field(default="khabar", description="Queue names are <prefix>.<stage>.")
    concurrency: int | None = Field(
        default=None, description="Worker processes (default: the CPUs the cgroup quota allows, worker/cpus.py)."
    )
    batch_size: int = Field(
        default=64, ge=1,
        description="Articles per message `khabar submit` and `backfill` send (1: a `process_article` each).",
    )
    batch_bytes: int = Field(default=1_000_000, ge=1, description="Most article bytes in one batch message.")
    intake_flush_seconds: float = Field(
        default=0.05, gt=0,
        description="Longest a worker holds single-article messages to take them in together (up to batch_size).",
    )
    prefetch_multiplier: int = Field(
        default=32, ge=1, description="Messages a worker process may hold unstarted (coalescing needs batch_size).",
    )

    # --- Operations -----------------------------------------------------------------
    sentry_dsn: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("KHABAR_SENTRY_DSN", "SENTRY_DSN"),
        description="Report bugs to Sentry when set.",
    )
    sentry_environment: str = Field(default="production", description="Sentry environment tag.")
    release: str | None = Field(
        default=None,
        validation_alias=AliasChoices("KHABAR_RELEASE", "SENTRY_RELEASE"),
        description="Sentry's release (default: khabar@<installed version>).",
    )
    sentry_transport: str | None = Field(
        default=None, description="Drills and tests: 'file:/path' writes Sentry events there as JSON lines."
    )
    send_text_to_sentry: bool = Field(default=False, description="Allow article text in Sentry events.")
    flower_basic_auth: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("KHABAR_FLOWER_BASIC_AUTH", "FLOWER_BASIC_AUTH"),
        description="`khabar flower`'s login, user:password (comma-separated for several); without it "
        "`khabar flower` refuses to start unless --no-auth-trusted-network.",
    )
    log_level: str = Field(default="INFO", description="Worker log level.")
    log_json: bool = Field(default=False, description="One JSON object per log line.")
    log_text: bool = Field(default=False, description="Allow article text in logs.")

    # --- Fault injection (tests and drills; off by default) ---------------------------
    fault_stage: str | None = Field(default=None, description="Stage to inject faults into ('*' for all).")
    fault_rate: float = Field(default=0.0, description="Probability of a transient error per stage run.")
    fault_sleep: float = Field(default=0.0, description="Seconds to sleep in the faulty stage.")
    fault_exit: bool = Field(default=False, description="Kill the worker process in the faulty stage.")
    fault_hang: float = Field(
        default=0.0, description="Seconds the faulty stage hangs deaf to its soft time limit, as in C code."
    )
    fault_bug: bool = Field(default=False, description="Raise a RuntimeError (a bug) in the faulty stage.")
    fault_memory: bool = Field(
        default=False, description="Allocate past child_memory_limit_mb in the faulty stage (a real MemoryError)."
    )

    @field_validator("fault_stage")
    @classmethod
    def _known_stage(cls, value: str | None) -> str | None:
        if value in (None, "", "*"):
            return value or None
        from khabar.tasks.pipeline import STAGE_NAMES  # the one declaration of the stages (imported only here)

        if value not in STAGE_NAMES:
            raise ValueError(f"unknown stage {value!r}; choose one of {', '.join(STAGE_NAMES)} or '*'")
        return value or None

    @model_validator(mode="after")
    def _consistent_limits(self) -> Settings:
        # A message may be held unacknowledged for a retry countdown and then a whole
        # run; a shorter visibility timeout would hand it to a second worker meanwhile.
        if self.soft_time_limit > self.hard_time_limit:
            raise ValueError(
                f"soft_time_limit ({self.soft_time_limit:g} s) must not exceed hard_time_limit "
                f"({self.hard_time_limit:g} s)"
            )
        held = self.hard_time_limit + self.retry_backoff_max
        if self.visibility_timeout is not None and self.visibility_timeout <= held:
            raise ValueError(
                f"visibility_timeout ({self.visibility_timeout} s) must exceed hard_time_limit + "
                f"retry_backoff_max ({held:g} s), or running articles would be delivered twice"
            )
        return self

    @property
    def effective_visibility_timeout(self) -> int:
        """The Redis visibility timeout in force (configured, or derived from the limits)."""
        if self.visibility_timeout is not None:
            return self.visibility_timeout
        return int(2 * (self.hard_time_limit + self.retry_backoff_max) + 60)


def load_settings() -> Settings:
    """Read the settings from the environment (call once, at start)."""
    return Settings()
