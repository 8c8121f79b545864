"""The `budgetwatch` command line: one entry point for every stage.

Errors are one readable line on stderr and a non-zero exit; ``--debug`` shows
the traceback.  ``--json`` prints one JSON object per line for machines.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from budgetwatch import render
from budgetwatch.config import Settings, load_config, settings_reference
from storage.errors import BudgetwatchError

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="budgetwatch")
def cli() -> None:
    """budgetwatch: watch Chinese government budget disclosures (部门预算 / 部门决算)."""


@cli.command()
@common_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input file.")
@click.option("--store", is_flag=True, help="Write documents, disclosures and figures to the database.")
@click.option("--workers", type=click.IntRange(1, 64), help="Worker processes (default from config).")
@click.argument("paths", nargs=-1, required=True)
def extract(
    db_url: str | None,
    config_file: Path | None,
    debug: bool,
    as_json: bool,
    store: bool,
    workers: int | None,
    paths: tuple[str, ...],
) -> None:
    """Extract canonical figures from disclosure files (txt, html, pdf, doc(x), xls(x), zip)."""
    from budgetwatch.extraction import ExtractOptions, expand_inputs, run_extraction, store_result

    settings = settings_from(config_file, db_url)
    items = expand_inputs(paths)
    options = ExtractOptions(
        workers=workers or settings.extract.workers,
        timeout_seconds=settings.extract.timeout_seconds,
        memory_mb=settings.extract.memory_mb,
    )
    factory = open_database(settings.database_url) if store else None
    failed = 0
    results = []
    with render.progress(len(items), "extracting", enabled=not as_json) as advance:
        for (path, _), result in zip(items, run_extraction(items, options), strict=True):
            if factory is not None:
                store_result(factory, path, result)
            if result.error is not None:
                failed += 1
            if as_json:
                click.echo(render.json_line(render.result_json(result)))
            else:
                results.append(result)
            advance()
    if not as_json:
        render.print_results(results)
    if failed:
        sys.exit(EXIT_FAILED_ITEMS)


def open_database(url: str) -> Any:
    """Migrate the database to the current schema and return a session factory."""
    from storage.db import session_factory, upgrade

    upgrade(url)
    return session_factory(url)


@cli.group()
def db() -> None:
    """Database schema management."""


@db.command("upgrade")
@common_options
def db_upgrade(db_url: str | None, config_file: Path | None, debug: bool) -> None:
    """Apply the Alembic migrations up to the current schema."""
    from storage.db import upgrade

    settings = settings_from(config_file, db_url)
    upgrade(settings.database_url)
    click.echo(f"database at {render.safe_url(settings.database_url)} is up to date")


@cli.group()
def config() -> None:
    """Configuration."""


@config.command("check")
@common_options
@click.option("--json", "as_json", is_flag=True)
def config_check(db_url: str | None, config_file: Path | None, debug: bool, as_json: bool) -> None:
    """Validate the configuration and report every problem at once (never prints secrets)."""
    settings = settings_from(config_file, db_url)
    if as_json:
        click.echo(render.json_line({"ok": True, "database_url": render.safe_url(settings.database_url)}))
    else:
        click.echo(f"configuration is valid; database {render.safe_url(settings.database_url)}")


@config.command("show")
def config_show() -> None:
    """List every setting with its default and meaning."""
    for name, default, help_text in settings_reference():
        click.echo(f"{name:28} {default:28} {help_text}")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI, turn our errors into one line and an exit code."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="budgetwatch", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BudgetwatchError as exc:
        if debug:
            raise
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # the last line of defence: one line, not a traceback
        if debug:
            raise
        click.echo(f"error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
        sys.exit(EXIT_ERROR)
