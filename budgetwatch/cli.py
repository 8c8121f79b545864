"""The `budgetwatch` command line: one entry point for every stage.

Errors are one readable line on stderr and a non-zero exit; ``--debug`` shows
the traceback.  ``--json`` prints one JSON object per line for machines.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from budgetwatch import render
from budgetwatch.commands.monitor import alerts_group, monitor_command
from budgetwatch.config import settings_reference
from budgetwatch.options import (
    EXIT_ERROR,
    EXIT_FAILED_ITEMS,
    common_options,
    open_database,
    settings_from,
)
from storage.errors import BudgetwatchError


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


EXIT_INTERRUPTED = 130  # the crawl was stopped (SIGTERM / Ctrl-C) before it finished


@cli.command()
@common_options
@click.option("--start-url", "start_urls", multiple=True, help="Home or 预决算 column page (repeatable).")
@click.option("--site", help="A site named in crawl.sites or a profile in crawler/sites/.")
@click.option("--store-dir", type=click.Path(file_okay=False, path_type=Path), help="Where downloaded files go.")
@click.option("--max-pages", type=click.IntRange(1), help="Stop after this many responses.")
@click.option("--json", "as_json", is_flag=True, help="Print one summary object at the end.")
def crawl(
    db_url: str | None,
    config_file: Path | None,
    debug: bool,
    start_urls: tuple[str, ...],
    site: str | None,
    store_dir: Path | None,
    max_pages: int | None,
    as_json: bool,
) -> None:
    """Crawl county portals for budget disclosures, store the documents and extract them."""
    from budgetwatch import crawling

    settings = settings_from(config_file, db_url)
    job = crawling.crawl_job(
        settings, start_urls, site, store_dir, max_pages, log_level="DEBUG" if debug else "WARNING"
    )

    def show(progress: crawling.CrawlProgress) -> None:
        click.echo(crawling.progress_line(progress), err=True)

    summary = crawling.crawl(job, None if as_json else show)
    if as_json:
        click.echo(render.json_line(crawling.summary_json(summary)))
    else:
        blocked = "".join(f"\nblocked: {site} ({why})" for site, why in summary.blocked_sites.items())
        click.echo(f"{summary.finish_reason}: {crawling.progress_line(summary.progress)}{blocked}")
    if not summary.finished:
        sys.exit(EXIT_INTERRUPTED)


@cli.group()
def documents() -> None:
    """Documents the crawler fetched."""


@documents.command("list")
@common_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document.")
def documents_list(db_url: str | None, config_file: Path | None, debug: bool, as_json: bool) -> None:
    """List every document with its digest, versions and status."""
    from budgetwatch.crawling import document_rows

    rows = document_rows(open_database(settings_from(config_file, db_url).database_url))
    for row in rows:
        if as_json:
            click.echo(render.json_line(row))
        else:
            click.echo(f"{row['status']:8} v{row['versions']} {row['url']}  {row['title'] or ''}")


@cli.group()
def disclosures() -> None:
    """Disclosures extracted from the documents."""


@disclosures.command("list")
@common_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per disclosure.")
def disclosures_list(db_url: str | None, config_file: Path | None, debug: bool, as_json: bool) -> None:
    """List the current disclosures with their figures in yuan."""
    from budgetwatch.crawling import disclosure_rows

    rows = disclosure_rows(open_database(settings_from(config_file, db_url).database_url))
    for row in rows:
        if as_json:
            click.echo(render.json_line(row))
        else:
            names = f"{row['region'] or ''} {row['department'] or ''} {row['year'] or ''} {row['kind'] or ''}"
            click.echo(f"{names.strip()}  {len(row['figures'])} figures  {row['source_url']}")


cli.add_command(monitor_command)
cli.add_command(alerts_group, "alerts")

# Importing the delivery commands adds `alerts send|test` to the alerts group (issue #6).
from budgetwatch.commands.alerts_delivery import deliveries_group  # noqa: E402

cli.add_command(deliveries_group, "deliveries")

# The service around the cycle (issue #7).
from budgetwatch.commands.service import (  # noqa: E402
    demo_command,
    run_command,
    serve_command,
    status_command,
)

cli.add_command(run_command)
cli.add_command(serve_command)
cli.add_command(status_command)
cli.add_command(demo_command)


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
