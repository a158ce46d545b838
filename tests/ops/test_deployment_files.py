"""docker-compose.yml, the Dockerfile and .dockerignore: read, validated by docker-compose, and their
health checks run for real.

No Docker engine is needed: every command a service runs must parse as a real ``khabar``
subcommand with its options, every variable it sets must be one khabar's settings read (or one
of a short list that Flower, CAMeL Tools or Python read), ``docker-compose config`` must accept
the file with no variable set, and the worker's and Flower's health checks are run against a real
worker and a real Flower.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from pydantic import AliasChoices

from khabar.config.settings import Settings
from khabar.worker.cli.main import app
from tests.ops.helpers import khabar_popen, wait_until
from tests.support import ROOT, RedisServer, free_port, worker_env

# Read by something other than khabar's Settings, on purpose.
OTHER_VARIABLES = {
    "FLOWER_BASIC_AUTH",  # Flower's login, read by Flower itself
    "CAMELTOOLS_DATA",  # where camel_data installs models, read by CAMeL Tools
    "VIRTUAL_ENV", "PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE",
    "PIP_NO_CACHE_DIR", "PIP_DISABLE_PIP_VERSION_CHECK",  # the image's Python and pip
}
COMPOSE = ROOT / "docker-compose.yml"


def settings_variables() -> set[str]:
    """Every environment variable Settings reads: KHABAR_<FIELD> and the declared aliases."""
    names = set()
    for name, field in Settings.model_fields.items():
        names.add(f"KHABAR_{name.upper()}")
        if isinstance(field.validation_alias, AliasChoices):
            names |= {str(choice) for choice in field.validation_alias.choices}
    return names


def check_khabar_command(argv: list[str]) -> None:
    """Parse ``khabar ARGV`` as the CLI would (unknown commands or options raise)."""
    assert argv[0] == "khabar", argv
    group = typer.main.get_command(app)
    command = group.commands.get(argv[1])  # type: ignore[attr-defined]
    assert command is not None, f"no khabar command {argv[1]!r}"
    command.make_context(argv[1], list(argv[2:]), resilient_parsing=False)


def compose_file() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())  # type: ignore[no-any-return]


def unescape(text: str) -> str:
    """A string of the compose file as the container gets it (``$$`` is a literal ``$``)."""
    return text.replace("$$", "$")


def test_compose_services_run_real_commands_with_known_variables() -> None:
    services = compose_file()["services"]
    assert set(services) == {"redis", "worker", "flower"}

    redis = services["redis"]
    assert redis["command"][:3] == ["redis-server", "--appendonly", "yes"]
    assert "redis-cli" in redis["healthcheck"]["test"] and "ping" in redis["healthcheck"]["test"]
    assert any(str(v).endswith(":/data") for v in redis["volumes"])

    worker = services["worker"]
    assert "container_name" not in worker and "ports" not in worker  # --scale worker=N
    assert worker["build"]["context"] == "." and "INSTALL_CAMEL_NER" in worker["build"]["args"]
    assert services["flower"]["profiles"] == ["flower"]  # `docker compose --profile flower up`
    for name in ("worker", "flower"):
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
        check_khabar_command(services[name]["command"])
        unknown = set(services[name]["environment"]) - settings_variables() - OTHER_VARIABLES
        assert unknown == set(), f"{name} sets variables nothing reads: {unknown}"
        assert services[name]["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
        assert service["cpus"] and service["mem_limit"], f"{name} has no resource limits"


def test_compose_requires_no_variable() -> None:
    """`${VAR:?message}` fails every compose command, `run worker khabar status` included, when VAR is unset."""
    assert re.findall(r"\$\{[A-Z_]+:?\?", COMPOSE.read_text()) == []


def compose_command() -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    pytest.skip("neither docker-compose nor `docker compose` is installed (Debian: apt-get install docker-compose; "
                ".ci/run installs it)")


@pytest.mark.parametrize("profile", [[], ["--profile", "flower"]], ids=["default", "flower"])
def test_docker_compose_config_accepts_the_file_with_no_variable_set(profile: list[str], tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    out = subprocess.run([*compose_command(), "-f", str(COMPOSE), *profile, "config"], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    services = yaml.safe_load(out.stdout)["services"]
    # docker-compose 1.x lists every service whatever the profiles; compose v2 leaves Flower out by default.
    assert {"redis", "worker"} <= set(services) and ("flower" in services or not profile)
    assert float(services["worker"]["cpus"]) == 2
    if profile:
        (port,) = services["flower"]["ports"]
        # docker-compose 1.x prints "127.0.0.1:5555:5555"; compose v2 a mapping.
        published = port.removesuffix("/tcp") if isinstance(port, str) else \
            f"{port['host_ip']}:{port['published']}:{port['target']}"
        assert published == "127.0.0.1:5555:5555"
        assert services["flower"]["environment"].get("FLOWER_BASIC_AUTH") in (None, "")


def test_flower_entrypoint_refuses_to_start_without_a_login() -> None:
    flower = compose_file()["services"]["flower"]
    entrypoint = [unescape(part) for part in flower["entrypoint"]]
    argv = [*entrypoint, "echo", "started"]
    bare = subprocess.run(argv, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=30)
    assert (bare.returncode, bare.stdout) == (64, "") and "FLOWER_BASIC_AUTH" in bare.stderr
    logged = subprocess.run(argv, env={"PATH": "/usr/bin:/bin", "FLOWER_BASIC_AUTH": "a:b"}, capture_output=True,
                            text=True, timeout=30)
    assert (logged.returncode, logged.stdout) == (0, "started\n")


def test_worker_and_flower_health_checks_pass_on_real_ones_and_fail_without(
    clean_redis: RedisServer, tmp_path: Path
) -> None:
    services = compose_file()["services"]
    worker_check = unescape(services["worker"]["healthcheck"]["test"][1])
    flower_check = services["flower"]["healthcheck"]["test"][1:]
    port = free_port()
    flower_check = [part.replace("127.0.0.1:5555", f"127.0.0.1:{port}") for part in flower_check]
    # As in the container: the venv's bin on PATH, HOSTNAME the host name, the worker named celery@<host name>.
    env = worker_env(clean_redis.url, tmp_path / "data", ner_backend="gazetteer")
    env |= {"PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}",
            "HOSTNAME": socket.gethostname()}

    def healthy(argv: list[str]) -> bool:
        return subprocess.run(argv, env=env, capture_output=True, timeout=60).returncode == 0

    assert not healthy(["sh", "-c", worker_check])  # no worker yet
    worker = khabar_popen(env, "worker", "-c", "1", stderr=(tmp_path / "worker.log").open("w"))
    flower = khabar_popen(env | {"FLOWER_BASIC_AUTH": "a:b"}, "flower", "--port", str(port),
                          stderr=(tmp_path / "flower.log").open("w"))
    try:
        wait_until(lambda: healthy(["sh", "-c", worker_check]), 90, "the worker health check to pass")
        wait_until(lambda: healthy(flower_check), 60, "the Flower health check to pass")
    finally:
        for process in (worker, flower):
            process.terminate()
            process.wait(timeout=60)
    assert not healthy(["sh", "-c", worker_check])
    assert not healthy(flower_check)


def test_dockerfile_slim_locked_cpu_torch_alone_non_root_optional_ner_model() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.findall(r"^FROM (\S+)", dockerfile, re.M) == ["python:3.11-slim", "python:3.11-slim"]
    installs = re.findall(r"pip install ([^;&\n]*)", re.sub(r"\\\n\s*", " ", dockerfile))
    assert installs and all("--no-deps" in i for i in installs)
    locked = [i for i in installs if " -r " in i]
    assert locked and all("--require-hashes" in i for i in locked)
    for name in re.findall(r"-r (requirements/[\w.-]+)", dockerfile):
        assert (ROOT / name).is_file(), name
    # The CPU index serves torch alone: only the pip call that installs requirements/torch-cpu.txt names it.
    cpu_index = [i for i in installs if "download.pytorch.org/whl/cpu" in i]
    assert len(cpu_index) == 1 and "-r requirements/torch-cpu.txt" in cpu_index[0]
    assert "extra-index-url" not in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    assert "ARG INSTALL_CAMEL_NER=0" in dockerfile and "camel_data -i ner-arabert" in dockerfile
    cmd = re.search(r'^CMD \["(.+)"\]', dockerfile, re.M)
    assert cmd is not None
    check_khabar_command(cmd.group(1).split('", "'))
    env = set(re.findall(r"\b([A-Z][A-Z0-9_]+)=", " ".join(re.findall(r"^ENV (.+?)(?<!\\)$", dockerfile,
                                                                          re.M | re.S))))
    assert env - settings_variables() - OTHER_VARIABLES == set()
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, re.M):
        for name in source.split():
            assert (ROOT / name).exists(), f"COPY {name}: no such file"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".env", ".venv", ".khabar", "build", "dist"} <= set(ignored)
    assert "requirements" not in ignored
