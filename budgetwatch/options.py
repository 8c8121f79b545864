"""Options and exit codes shared by every `budgetwatch` command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from budgetwatch.config import Settings, load_config

F = TypeVar("F", bound=Callable[..., Any])

EXIT_FAILED_ITEMS = 1  # the command ran, but some items failed
EXIT_ERROR = 2  # the command could not run (bad config, unreachable database, bad input)


def common_options(func: F) -> F:
    """--db, --config and --debug, which every command takes."""
    func = click.option("--debug", is_flag=True, help="Show tracebacks.")(func)
    func = click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="YAML config file (default: $BUDGETWATCH_CONFIG).",
    )(func)
    func = click.option("--db", "db_url", help="SQLAlchemy database URL (overrides the config).")(
        func
    )
    return func


def settings_from(config_file: Path | None, db_url: str | None) -> Settings:
    """Load the configuration with the command line's overrides."""
    return load_config(config_file, overrides={"database_url": db_url})


def open_database(url: str) -> Any:
    """Migrate the database to the current schema and return a session factory.

    Inside a command, the factory's connection pool is closed when the command
    ends, so an in-process caller (tests, the scheduler) leaks no connections.
    """
    from storage.db import session_factory, upgrade

    upgrade(url)
    factory = session_factory(url)
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(factory.kw["bind"].dispose)
    return factory
