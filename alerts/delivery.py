"""Deliver what is due: per channel, claim from the outbox, send, and record the outcome.

Channels are handled one after the other, each in its own session and with
every failure caught, so one broken channel never blocks the others.
Failures that ended for good are announced on the next channel that works.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from alerts.channels import Channel, redact
from alerts.failures import PermanentDeliveryError, RetryableDeliveryError
from alerts.notice import Batch, FailureNotice, alert_notice, batch_key, failure_notice
from alerts.outbox import (
    Claim,
    RetryPolicy,
    claim,
    mark_failed,
    mark_failures_reported,
    mark_sent,
    next_attempt,
    unreported_failures,
)
from alerts.settings import AlertsSettings
from storage.models import DeliveryRow

log = logging.getLogger("budgetwatch.alerts")


@dataclass
class ChannelReport:
    """What one channel did in one run."""

    channel: str
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0  # queued, but the channel's filters exclude the alert
    failures_reported: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Outbox:
    """How the outbox is worked: lease, batch size, retry policy and the jitter source."""

    lease_seconds: float
    batch_size: int
    policy: RetryPolicy
    rng: random.Random

    @classmethod
    def from_settings(cls, settings: AlertsSettings, rng: random.Random | None = None) -> Outbox:
        """The outbox policy the ``alerts:`` section sets."""
        policy = RetryPolicy(
            settings.backoff_seconds, settings.backoff_max_seconds, settings.retry_hours
        )
        return cls(settings.lease_seconds, settings.batch_size, policy, rng or random.Random())


def deliver_due(
    factory: sessionmaker[Session], channels: Sequence[Channel], outbox: Outbox, now: datetime
) -> list[ChannelReport]:
    """Send every due delivery on every channel; one report per channel."""
    reports = []
    for channel in channels:
        report = ChannelReport(channel.name)
        try:
            with factory() as session:
                _deliver_channel(session, channel, outbox, now, report)
        except Exception as error:  # a database or programming error stays on this channel
            message = redact(f"{type(error).__name__}: {error}", channel.secrets())
            log.error("alerts: channel %s stopped: %s", channel.name, message)
            report.errors.append(message)
        reports.append(report)
    return reports


def _deliver_channel(
    session: Session, channel: Channel, outbox: Outbox, now: datetime, report: ChannelReport
) -> None:
    """Abandoned leases first (so a crashed batch goes out again as it was), then new rows."""
    failures = [failure_notice(row) for row in unreported_failures(session, channel.name)]
    for abandoned in (True, False):
        held = claim(
            session,
            channel.name,
            now,
            lease_seconds=outbox.lease_seconds,
            limit=outbox.batch_size,
            abandoned=abandoned,
        )
        by_key = {row.idempotency_key: row for row in held.rows}
        notices = [alert_notice(row) for row in held.rows]
        _skip(session, held, [by_key[n.key] for n in notices if not channel.wants(n)], now, report)
        for group in channel.batches([n for n in notices if channel.wants(n)]):
            rows = [by_key[notice.key] for notice in group]
            batch = Batch(batch_key([n.key for n in group]), tuple(group), tuple(failures))
            if _attempt(session, channel, held, rows, batch, outbox, now, report) and failures:
                _reported(session, failures, now, report)
                failures = []
    if failures:
        # Nothing was due here, but a failure elsewhere must still be announced.
        key = "failures-" + batch_key([str(f.delivery_id) for f in failures])
        if _try_send(channel, Batch(key, (), tuple(failures)), report):
            _reported(session, failures, now, report)


def _skip(
    session: Session, held: Claim, rows: list[DeliveryRow], now: datetime, report: ChannelReport
) -> None:
    """Close deliveries the channel's filters exclude (queued before the config changed)."""
    if not rows:
        return
    reason = "not sent: the channel's filters (min_severity, regions, rules) exclude this alert"
    mark_failed(session, held, rows, reason, now, retry_at=None)
    # Not a delivery failure worth announcing elsewhere.
    mark_failures_reported(session, [row.id for row in rows], now)
    report.skipped += len(rows)


def _reported(
    session: Session, failures: list[FailureNotice], now: datetime, report: ChannelReport
) -> None:
    """Record that ``failures`` were announced."""
    mark_failures_reported(session, [f.delivery_id for f in failures], now)
    report.failures_reported += len(failures)


def _try_send(channel: Channel, batch: Batch, report: ChannelReport) -> bool:
    """Send a message that has no outbox row of its own; False (and an error noted) if it failed."""
    try:
        channel.send(batch)
    except Exception as error:
        report.errors.append(redact(str(error), channel.secrets()))
        return False
    return True


def _attempt(
    session: Session,
    channel: Channel,
    held: Claim,
    rows: list[DeliveryRow],
    batch: Batch,
    outbox: Outbox,
    now: datetime,
    report: ChannelReport,
) -> bool:
    """Send one batch and record the outcome on its rows; True if it was delivered."""
    try:
        channel.send(batch)
    except PermanentDeliveryError as error:
        _record_failure(session, channel, held, rows, error, None, outbox, now, report)
        return False
    except RetryableDeliveryError as error:
        _record_failure(session, channel, held, rows, error, error.retry_after, outbox, now, report)
        return False
    except Exception as error:  # an unexpected bug must not lose the alert: retry it later
        _record_failure(session, channel, held, rows, error, None, outbox, now, report, retry=True)
        return False
    # A crash right here (sent, not yet marked) repeats this batch once, with the same key.
    mark_sent(session, held, [row.id for row in rows], now)
    report.sent += len(rows)
    return True


def _record_failure(
    session: Session,
    channel: Channel,
    held: Claim,
    rows: list[DeliveryRow],
    error: Exception,
    retry_after: float | None,
    outbox: Outbox,
    now: datetime,
    report: ChannelReport,
    *,
    retry: bool | None = None,
) -> None:
    """Put each row back in the queue with its own backoff, or fail it for good."""
    retryable = isinstance(error, RetryableDeliveryError) if retry is None else retry
    reason = redact(str(error) or type(error).__name__, channel.secrets())
    report.errors.append(reason)
    log.info("alerts: %s: %s", channel.name, reason)
    for row in rows:
        when = next_attempt(row, now, outbox.policy, outbox.rng, retry_after) if retryable else None
        text = reason
        if retryable and when is None:
            text = f"gave up after {row.attempts} attempts: {reason}"
        mark_failed(session, held, [row], text, now, retry_at=when)
        if when is None:
            report.failed += 1
        else:
            report.retrying += 1
