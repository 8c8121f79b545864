"""`budgetwatch monitor` and `budgetwatch alerts list|ack|dismiss`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from budgetwatch import render
from budgetwatch.options import common_options, open_database, settings_from

STATUSES = ("new", "acknowledged", "dismissed")


@contextmanager
def database(config_file: Path | None, db_url: str | None) -> Iterator[Any]:
    """A session factory on the configured database, its connections closed afterwards."""
    factory = open_database(settings_from(config_file, db_url).database_url)
    try:
        yield factory
    finally:
        factory.kw["bind"].dispose()


def show(view: object, as_json: bool, label: str = "") -> None:
    """Print one alert: a JSON line, or a line a person reads."""
    from monitor.report import AlertView

    assert isinstance(view, AlertView)
    if as_json:
        click.echo(render.json_line(asdict(view)))
        return
    click.echo(f"{label}#{view.id} [{view.severity}] {view.rule} ({view.status}): {view.message}")


@click.command("monitor")
@common_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per new or changed alert.")
@click.option("--full", is_flag=True, help="Re-evaluate everything, not only what changed.")
def monitor_command(
    db_url: str | None, config_file: Path | None, debug: bool, as_json: bool, full: bool
) -> None:
    """Run the monitor rules, store alerts, and print the new and changed ones."""
    import monitor

    settings = settings_from(config_file, db_url)
    with database(config_file, db_url) as factory, factory.begin() as session:
        # Outbox rows for every channel are written in the same transaction as
        # the alert; each channel's filters (regions, rules, severity) apply at send time.
        channels = [channel.name for channel in settings.alerts.channels]
        report = monitor.evaluate(
            session, now=datetime.now(UTC), settings=settings.monitor, full=full, channels=channels
        )
    for view in report.new:
        show(view, as_json, "new ")
    for view in report.changed:
        show(view, as_json, "changed ")
    if not as_json:
        click.echo(
            f"{'full' if report.full else 'incremental'} pass: {len(report.new)} new, "
            f"{len(report.changed)} changed, {report.unchanged} unchanged alerts"
        )


@click.group("alerts")
def alerts_group() -> None:
    """Alerts the monitor raised."""


@alerts_group.command("list")
@common_options
@click.option("--status", type=click.Choice(STATUSES), help="Only alerts with this status.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per alert.")
def alerts_list(
    db_url: str | None, config_file: Path | None, debug: bool, status: str | None, as_json: bool
) -> None:
    """List stored alerts, most recently changed first."""
    from monitor.report import AlertView
    from storage.monitoring import list_alerts

    with database(config_file, db_url) as factory, factory() as session:
        for row in list_alerts(session, status):
            show(AlertView.of(row), as_json)


@alerts_group.command("ack")
@common_options
@click.argument("alert_id", type=int)
def alerts_ack(db_url: str | None, config_file: Path | None, debug: bool, alert_id: int) -> None:
    """Acknowledge an alert; it reopens if its facts change."""
    from storage.monitoring import acknowledge_alert

    with database(config_file, db_url) as factory, factory.begin() as session:
        acknowledge_alert(session, alert_id, datetime.now(UTC))
    click.echo(f"alert {alert_id} acknowledged")


@alerts_group.command("dismiss")
@common_options
@click.argument("alert_id", type=int)
@click.option("--reason", required=True, help="Why the alert is wrong or needs no action.")
def alerts_dismiss(
    db_url: str | None, config_file: Path | None, debug: bool, alert_id: int, reason: str
) -> None:
    """Dismiss an alert; it stays dismissed unless its facts change."""
    from storage.monitoring import dismiss_alert

    with database(config_file, db_url) as factory, factory.begin() as session:
        dismiss_alert(session, alert_id, reason, datetime.now(UTC))
    click.echo(f"alert {alert_id} dismissed")
