"""docker-compose.yml, the Dockerfile and budgetwatch.example.yaml, checked without Docker."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import yaml

from budgetwatch.cli import cli
from budgetwatch.config import load_config

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def is_command(words: list[str]) -> bool:
    """Whether ``budgetwatch words…`` names a real command of the click tree."""
    command: click.Command = cli
    for word in words:
        if word.startswith("-") or not isinstance(command, click.Group):
            break
        if word not in command.commands:
            return False
        command = command.commands[word]
    return not isinstance(command, click.Group)


def test_every_budgetwatch_command_in_compose_exists() -> None:
    entry = " ".join(COMPOSE["services"]["budgetwatch"]["entrypoint"])
    runs = [shlex.split(part)[1:] for part in re.findall(r"budgetwatch [a-z ]+", entry)]
    assert [words[:2] for words in runs] == [["db", "upgrade"], ["serve"]]  # migrate, then serve
    assert all(is_command(words) for words in runs)


def test_services_volumes_and_health() -> None:
    services = COMPOSE["services"]
    assert services["budgetwatch"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "healthcheck" in services["db"]
    assert services["mailpit"]["profiles"] == ["mail"]
    named = set(COMPOSE["volumes"])
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source.startswith("./") or source in named, volume
    assert (ROOT / "budgetwatch.example.yaml").exists()


def test_compose_environment_is_valid_configuration() -> None:
    env = {k: v.replace("${POSTGRES_PASSWORD:-budgetwatch}", "pw") for k, v in
           COMPOSE["services"]["budgetwatch"]["environment"].items()}  # fmt: skip
    config = env.pop("BUDGETWATCH_CONFIG")
    assert config in {v.split(":")[1] for v in COMPOSE["services"]["budgetwatch"]["volumes"]}
    settings = load_config(None, env=env)
    assert settings.database_url.startswith("postgresql+psycopg://budgetwatch:pw@db:5432/")
    assert str(settings.store_dir) == "/data/files"


def test_dockerfile_installs_the_package_and_runs_a_real_command() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install" in text and 'ENTRYPOINT ["budgetwatch"]' in text
    assert is_command(re.search(r'CMD \["(\w+)"\]', text).group(1).split())  # type: ignore[union-attr]
    for package in (
        "budgetwatch",
        "crawler",
        "extract",
        "storage",
        "monitor",
        "alerts",
        "scheduler",
    ):
        assert f"COPY {package} ./{package}" in text


def test_the_example_config_validates_with_dummy_secrets() -> None:
    names = set(
        re.findall(r"\$\{(\w+)\}", (ROOT / "budgetwatch.example.yaml").read_text(encoding="utf-8"))
    )
    settings = load_config(ROOT / "budgetwatch.example.yaml", env={name: "dummy" for name in names})
    assert [site.name for site in settings.crawl.sites] == ["固安县", "鹿寨县"]
    assert {c.name for c in settings.alerts.channels} >= {"oversight-mail", "wecom-group"}
