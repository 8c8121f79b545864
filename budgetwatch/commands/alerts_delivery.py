"""`budgetwatch alerts send|test` and `budgetwatch deliveries list`: the delivery side of alerts."""

from __future__ import annotations

import sys
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from budgetwatch import render
from budgetwatch.config import Settings
from budgetwatch.options import EXIT_FAILED_ITEMS, common_options, open_database, settings_from
from storage.errors import ConfigError, DeliveryError


def configured_channels(settings: Settings) -> list[Any]:
    """A channel object per configured channel; none configured is a config error."""
    from alerts.channels import build_channel

    if not settings.alerts.channels:
        raise ConfigError("alerts.channels: no delivery channel is configured")
    return [build_channel(channel, settings.alerts) for channel in settings.alerts.channels]


@click.command("send")
@common_options
@click.option("--dry-run", is_flag=True, help="Count what is due per channel; send nothing.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per channel.")
def alerts_send(
    db_url: str | None, config_file: Path | None, debug: bool, dry_run: bool, as_json: bool
) -> None:
    """Deliver the alerts that are due and print, per channel: sent, retrying, failed."""
    from alerts.delivery import Outbox, deliver_due
    from alerts.outbox import due_counts

    settings = settings_from(config_file, db_url)
    channels = configured_channels(settings)
    factory = open_database(settings.database_url)
    now = datetime.now(UTC)
    if dry_run:
        with factory() as session:
            counts = due_counts(session, [channel.name for channel in channels], now)
        for name, count in counts.items():
            line = (
                render.json_line({"channel": name, "due": count})
                if as_json
                else f"{name}: {count} due"
            )
            click.echo(line)
        return
    reports = deliver_due(factory, channels, Outbox.from_settings(settings.alerts), now)
    for report in reports:
        if as_json:
            click.echo(render.json_line(asdict(report)))
            continue
        click.echo(
            f"{report.channel}: {report.sent} sent, {report.retrying} retrying, {report.failed} failed"
            + (f", {report.skipped} filtered out" if report.skipped else "")
        )
        for error in report.errors:
            click.echo(f"  {error}", err=True)
    if any(report.failed for report in reports):
        sys.exit(EXIT_FAILED_ITEMS)


@click.command("test")
@common_options
@click.argument("channel_name", metavar="CHANNEL")
def alerts_test(
    db_url: str | None, config_file: Path | None, debug: bool, channel_name: str
) -> None:
    """Send a test message on CHANNEL (a name from alerts.channels)."""
    from alerts.channels import redact
    from alerts.notice import Batch

    settings = settings_from(config_file, db_url)
    channel = next((c for c in configured_channels(settings) if c.name == channel_name), None)
    if channel is None:
        names = ", ".join(c.name for c in settings.alerts.channels)
        raise ConfigError(
            f"alerts.channels: no channel named {channel_name!r} (configured: {names})"
        )
    try:
        channel.send(Batch(key=f"test-{uuid.uuid4().hex}", test=True))
    except DeliveryError as error:
        raise DeliveryError(f"{channel_name}: {redact(str(error), channel.secrets())}") from None
    click.echo(f"{channel_name}: test message sent")


@click.group("deliveries")
def deliveries_group() -> None:
    """The alert delivery outbox."""


@deliveries_group.command("list")
@common_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per delivery.")
def deliveries_list(
    db_url: str | None, config_file: Path | None, debug: bool, as_json: bool
) -> None:
    """One line per delivery: alert id, channel, status, attempts, last error, sent_at."""
    from alerts.outbox import list_deliveries

    factory = open_database(settings_from(config_file, db_url).database_url)
    with factory() as session:
        rows = list_deliveries(session)
    for row in rows:
        sent_at = row.sent_at.isoformat() if row.sent_at else None
        if as_json:
            fields = {
                "id": row.id,
                "alert_id": row.alert_id,
                "channel": row.channel,
                "status": row.status,
                "attempts": row.attempts,
                "last_error": row.last_error,
                "sent_at": sent_at,
                "next_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None,
                "idempotency_key": row.idempotency_key,
            }
            click.echo(render.json_line(fields))
        else:
            error = f"  {row.last_error}" if row.last_error else ""
            click.echo(
                f"alert {row.alert_id:<6} {row.channel:20} {row.status:8} "
                f"{row.attempts} attempts  {sent_at or '-'}{error}"
            )
