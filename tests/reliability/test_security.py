"""Redis with a password and with TLS: workers and the command line work, no secret is printed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from khabar.worker.store import ArticleStore
from khabar.worker.transport import tls_options
from tests import corpus
from tests.reliability.helpers import FAST, ConfiguredRedis, json_lines, khabar, wait_for
from tests.support import worker_env

PASSWORD = "s3cret-Pa55-for-khabar"


def _submit_and_finish(server: ConfiguredRedis, tmp_path: Path, make_worker, n: int = 2) -> dict[str, str]:
    """Run a worker and ``khabar submit`` against the server; return the CLI's environment."""
    worker = make_worker(server.url, concurrency=1, **FAST)
    env = worker_env(server.url, tmp_path / "cli-data", **FAST)
    files = []
    for p in corpus.payloads(n, start=950):
        path = tmp_path / f"{p['id']}.{'html' if 'html' in p else 'txt'}"
        path.write_text(str(p.get("text") or p.get("html")), encoding="utf-8")
        files.append(str(path))
    submitted = khabar(env, "submit", *files)
    assert submitted.returncode == 0, submitted.stderr
    ids = submitted.stdout.split()
    docs = wait_for(ArticleStore(server.client()), ids, timeout=90)
    assert all(d["status"] == "done" for d in docs.values()), docs
    status = khabar(env, "status")
    assert status.returncode == 0, status.stderr
    (report,) = json_lines(status.stdout)
    assert report["articles"]["done"] == n
    assert PASSWORD not in status.stdout + status.stderr
    assert ":***@" in report["redis"]
    assert PASSWORD not in worker.log.read_text(errors="replace")
    return env


def test_password_protected_redis_and_no_secret_printed(tmp_path, make_worker) -> None:
    server = ConfiguredRedis(tmp_path / "redis", f"redis://:{PASSWORD}@127.0.0.1:{{port}}/0",
                             ["--requirepass", PASSWORD], {"password": PASSWORD}).start()
    try:
        env = _submit_and_finish(server, tmp_path, make_worker)
        listed = khabar(env, "failed", "list")
        assert listed.returncode == 0 and PASSWORD not in listed.stdout + listed.stderr
        # A wrong password fails cleanly, and neither password appears in the error.
        wrong = dict(env, REDIS_URL=f"redis://:not-{PASSWORD}@127.0.0.1:{server.port}/0")
        refused = khabar(wrong, "status")
        assert refused.returncode != 0
        assert PASSWORD not in refused.stdout + refused.stderr
    finally:
        server.stop()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is needed to make a test certificate")
def test_tls_redis_with_certificate_checked(tmp_path, make_worker) -> None:
    certs = tmp_path / "certs"
    certs.mkdir()
    cert, key = certs / "cert.pem", certs / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    server = ConfiguredRedis(
        tmp_path / "redis",
        f"rediss://:{PASSWORD}@127.0.0.1:{{port}}/0?ssl_cert_reqs=required&ssl_ca_certs={cert}",
        ["--tls-cert-file", str(cert), "--tls-key-file", str(key), "--tls-ca-cert-file", str(cert),
         "--tls-auth-clients", "no", "--requirepass", PASSWORD],
        {"password": PASSWORD, "ssl": True, "ssl_ca_certs": str(cert)},
        tls=True,
    )
    try:
        server.start()
    except RuntimeError as exc:
        if "TLS" in str(exc) or "tls" in str(exc):
            pytest.skip(f"this redis-server has no TLS support: {exc}")
        raise
    try:
        assert tls_options(server.url)["ssl_ca_certs"] == str(cert)
        _submit_and_finish(server, tmp_path, make_worker)
        # The certificate is checked by default: without the CA that signed it, no connection.
        unverified = worker_env(f"rediss://:{PASSWORD}@127.0.0.1:{server.port}/0", tmp_path / "d2", **FAST)
        refused = khabar(unverified, "status", timeout=60)
        assert refused.returncode != 0
        assert "certificate" in refused.stderr.lower()
        assert PASSWORD not in refused.stdout + refused.stderr
    finally:
        server.stop()
