"""`budgetwatch db` and `budgetwatch config`: schema and configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from pydantic import SecretStr

from budgetwatch import render
from budgetwatch.config import settings_reference
from budgetwatch.options import common_options, settings_from


@click.group("db")
def db_group() -> None:
    """Database schema management."""


@db_group.command("upgrade")
@common_options
def db_upgrade(db_url: str | None, config_file: Path | None, debug: bool) -> None:
    """Apply the Alembic migrations up to the current schema."""
    from storage.db import upgrade

    settings = settings_from(config_file, db_url)
    upgrade(settings.database_url)
    click.echo(f"database at {render.safe_url(settings.database_url)} is up to date")


@click.group("config")
def config_group() -> None:
    """Configuration."""


@config_group.command("check")
@common_options
@click.option("--json", "as_json", is_flag=True)
def config_check(db_url: str | None, config_file: Path | None, debug: bool, as_json: bool) -> None:
    """Validate the configuration and report every problem at once (never prints secrets)."""
    settings = settings_from(config_file, db_url)
    if as_json:
        click.echo(render.json_line({"ok": True, "database_url": render.safe_url(settings.database_url)}))
    else:
        click.echo(f"configuration is valid; database {render.safe_url(settings.database_url)}")


@config_group.command("show")
@common_options
def config_show(db_url: str | None, config_file: Path | None, debug: bool) -> None:
    """List every setting: its value in force, its default and its meaning (secrets masked)."""
    settings = settings_from(config_file, db_url)
    for name, default, help_text in settings_reference():
        value = shown_value(settings, name)
        click.echo(f"{name:34} {value:34} (default {default})  {help_text}")


def shown_value(settings: Any, dotted: str) -> str:
    """The value in force for a dotted setting name, safe to print."""
    value: Any = settings
    for part in dotted.split("."):
        value = getattr(value, part, None)
    if isinstance(value, SecretStr):
        return "********"
    if isinstance(value, list):
        return f"[{len(value)} entries]"
    if dotted == "database_url" and isinstance(value, str):
        return render.safe_url(value)
    return str(value)
