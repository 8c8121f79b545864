"""The README documents every setting and every command (one declaration feeds both)."""

from __future__ import annotations

from pathlib import Path

import click

from budgetwatch.cli import cli
from budgetwatch.config import settings_reference

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: str = "budgetwatch") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            paths += command_paths(command, f"{prefix} {name}")
        else:
            paths.append(f"{prefix} {name}")
    return paths


def test_every_setting_is_in_the_readme_with_its_default() -> None:
    for name, default, _help in settings_reference():
        assert f"`{name}` | `{default}`" in README, (
            f"README lacks setting {name} (default {default})"
        )


def test_every_command_is_in_the_readme() -> None:
    for path in command_paths(cli):
        assert f"`{path}" in README, f"README lacks command {path}"


def test_readme_starts_with_demo_then_test() -> None:
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    lines = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert lines[:2] == ["make demo", "make test"]
