"""docker-compose.yml and the Dockerfile, checked by reading them (no Docker engine needed).

Every command a service runs must parse as a real ``khabar`` subcommand with its
options, and every variable it sets must be one khabar's settings read (or one of a
short list that Flower, CAMeL Tools or Python read).
"""

from __future__ import annotations

import re
from typing import Any

import typer
import yaml
from pydantic import AliasChoices

from khabar.config.settings import Settings
from khabar.worker.cli.main import app
from tests.support import ROOT

# Read by something other than khabar's Settings, on purpose.
OTHER_VARIABLES = {
    "FLOWER_BASIC_AUTH",  # Flower's login, read by Flower itself
    "CAMELTOOLS_DATA",  # where camel_data installs models, read by CAMeL Tools
    "VIRTUAL_ENV", "PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE",
    "PIP_NO_CACHE_DIR", "PIP_DISABLE_PIP_VERSION_CHECK",  # the image's Python and pip
}


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


def test_compose_services_run_real_commands_with_known_variables() -> None:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"redis", "worker", "flower"}

    redis = services["redis"]
    assert redis["command"][:3] == ["redis-server", "--appendonly", "yes"]
    assert "redis-cli" in redis["healthcheck"]["test"] and "ping" in redis["healthcheck"]["test"]
    assert any(str(v).endswith(":/data") for v in redis["volumes"])

    worker = services["worker"]
    assert "container_name" not in worker and "ports" not in worker  # --scale worker=N
    assert worker["build"]["context"] == "." and "INSTALL_CAMEL_NER" in worker["build"]["args"]
    flower = services["flower"]
    assert "FLOWER_BASIC_AUTH" in flower["environment"] and "${FLOWER_BASIC_AUTH:?" in \
        flower["environment"]["FLOWER_BASIC_AUTH"]
    for name in ("worker", "flower"):
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
        check_khabar_command(services[name]["command"])
        unknown = set(services[name]["environment"]) - settings_variables() - OTHER_VARIABLES
        assert unknown == set(), f"{name} sets variables nothing reads: {unknown}"
        assert services[name]["environment"]["REDIS_URL"] == "redis://redis:6379/0"


def test_dockerfile_slim_cpu_torch_non_root_optional_ner_model() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.findall(r"^FROM (\S+)", dockerfile, re.M) == ["python:3.11-slim", "python:3.11-slim"]
    assert "pip install -c constraints.txt" in dockerfile
    assert "https://download.pytorch.org/whl/cpu" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    assert "ARG INSTALL_CAMEL_NER=0" in dockerfile and "camel_data -i ner-arabert" in dockerfile
    cmd = re.search(r'^CMD \["(.+)"\]', dockerfile, re.M)
    assert cmd is not None
    check_khabar_command(cmd.group(1).split('", "'))
    env = set(re.findall(r"\b([A-Z][A-Z0-9_]+)=", " ".join(re.findall(r"^ENV (.+?)(?<!\\)$", dockerfile,
                                                                          re.M | re.S))))
    assert env - settings_variables() - OTHER_VARIABLES == set()
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".env", ".venv", ".khabar"} <= set(ignored)
