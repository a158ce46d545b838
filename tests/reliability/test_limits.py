"""Size limits are checked before sending: an oversized article is refused by ``khabar submit``."""

from __future__ import annotations

from tests import corpus
from tests.reliability.helpers import FAST, khabar
from tests.support import worker_env


def test_submit_refuses_an_oversized_article_and_sends_nothing(clean_redis, tmp_path) -> None:
    good, big = tmp_path / "good.txt", tmp_path / "big.txt"
    good.write_text(corpus.article(1), encoding="utf-8")
    big.write_text("\u0628" * 3000, encoding="utf-8")  # 3000 characters, 6000 bytes
    env = worker_env(clean_redis.url, tmp_path / "data", **FAST, max_chars="5000", max_bytes="5000")
    refused = khabar(env, "submit", str(good), str(big))
    assert refused.returncode == 2, refused
    assert "rejected, nothing sent" in refused.stderr and "too_large" in refused.stderr
    assert f"{big}: article is 6,000 bytes; the limit is 5,000" in refused.stderr
    client = clean_redis.client()
    assert client.llen("khabar") == 0 and list(client.scan_iter(match="khabar:article:*")) == []
    sent = khabar(env, "submit", str(good))
    assert sent.returncode == 0 and client.llen("khabar") == 1
