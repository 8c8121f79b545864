"""`budgetwatch run --once`, `serve`, `status` and `demo`: the service around the cycle."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from budgetwatch import render
from budgetwatch.options import common_options, open_database, settings_from
from storage.errors import BudgetwatchError, InputError

EXIT_INTERRUPTED = 130


def _reachable(url: str) -> None:
    """Migrate the database, turning "cannot connect" into one clear error."""
    from sqlalchemy.exc import OperationalError

    from storage.db import upgrade

    try:
        upgrade(url)
    except OperationalError as error:
        reason = str(error.orig or error).strip().splitlines()[0]
        raise BudgetwatchError(
            f"cannot reach the database {render.safe_url(url)}: {reason}"
        ) from None


def _cycle_json(result: Any) -> dict[str, Any]:
    """`run --once --json`: the cycle result as one object."""
    from dataclasses import asdict

    data = asdict(result)
    data["ok"] = result.ok
    return data


@click.command("run")
@common_options
@click.option("--once", is_flag=True, help="Run one full cycle now and exit (for cron).")
@click.option("--site", "sites", multiple=True, help="Only this site of crawl.sites (repeatable).")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the cycle's result as one JSON object."
)
def run_command(
    db_url: str | None,
    config_file: Path | None,
    debug: bool,
    once: bool,
    sites: tuple[str, ...],
    as_json: bool,
) -> None:
    """One cycle: crawl every site, monitor, send alerts; exit 0 when the cycle ran."""
    from budgetwatch.cycle import run_cycle

    if not once:
        raise click.UsageError("`run` needs --once; `budgetwatch serve` runs cycles on a schedule")
    settings = settings_from(config_file, db_url)
    known = {site.name for site in settings.crawl.sites}
    unknown = [name for name in sites if name not in known]
    if unknown:
        raise InputError(f"crawl.sites has no site named {', '.join(unknown)}")
    _reachable(settings.database_url)
    result = run_cycle(settings, sites=list(sites) or None)
    if as_json:
        click.echo(render.json_line(_cycle_json(result)))
    else:
        for step in result.steps:
            click.echo(f"{'ok    ' if step.ok else 'FAILED'} {step.step}: {step.detail}")
    if result.interrupted:
        click.echo("the cycle was interrupted; the next one continues", err=True)
        sys.exit(EXIT_INTERRUPTED)


@click.command("serve")
@common_options
@click.option("--wait", is_flag=True, help="If another serve holds the database, wait for it.")
def serve_command(db_url: str | None, config_file: Path | None, debug: bool, wait: bool) -> None:
    """Run the cycles on each site's schedule until SIGTERM (one scheduler per database)."""
    from scheduler.service import Service

    settings = settings_from(config_file, db_url)
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    _reachable(settings.database_url)
    service = Service(settings, wait_for_lock=wait)
    service.install_signal_handlers()
    try:
        if service.open():
            where = render.safe_url(settings.database_url)
            click.echo(f"serve: scheduling {len(settings.crawl.sites)} sites on {where}", err=True)
            service.serve()
    finally:
        service.close()
    click.echo("serve: stopped", err=True)


@click.command("status")
@common_options
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
def status_command(
    db_url: str | None, config_file: Path | None, debug: bool, as_json: bool
) -> None:
    """Per site: last run, result, documents, disclosures, failures; next runs; pending deliveries."""
    from budgetwatch.status import gather, print_status

    settings = settings_from(config_file, db_url)
    _reachable(settings.database_url)
    factory = open_database(settings.database_url)
    try:
        status = gather(settings, factory)
    finally:
        factory.kw["bind"].dispose()
    if as_json:
        click.echo(render.json_line(status))
    else:
        print_status(status)


@click.command("demo")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-out"),
    show_default=True,
    help="Folder for the demo's database, files and mails (emptied first).",
)
def demo_command(out: Path) -> None:
    """Crawl the bundled sample portal twice on loopback, show the alerts and the mail."""
    from budgetwatch.demo import run_demo

    run_demo(out)
