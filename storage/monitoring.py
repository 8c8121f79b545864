"""Alerts, their delivery outbox and monitor runs: the only writers of those tables.

The monitor hands over ``AlertCandidate`` values; ``upsert_alert`` turns them
into rows, deduplicated by rule, region, department, year, kind and metric,
and queues one outbox row per channel in the same transaction whenever an
alert is new or its facts changed.  Functions flush but never commit.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import InputError
from storage.models import (
    ALERT_SEVERITIES,
    ALERT_STATUSES,
    AlertRow,
    DeliveryRow,
    MonitorRunRow,
)

Outcome = Literal["new", "changed", "unchanged"]


@dataclass(frozen=True)
class AlertCandidate:
    """A finding of one rule, before it is stored: JSON-ready figures and evidence."""

    rule: str
    severity: str
    region: str | None
    department: str | None
    year: int | None
    kind: str | None
    metric: str | None
    message: str
    figures: Mapping[str, Any] = field(default_factory=dict)  # money as decimal strings
    evidence: Sequence[Mapping[str, Any]] = ()

    @property
    def dedup_key(self) -> str:
        """A stable hash of what the alert is about (not of what it says)."""
        parts = [self.rule, self.region, self.department, self.year, self.kind, self.metric]
        return _digest(parts)

    @property
    def facts_hash(self) -> str:
        """A hash of the figures compared: when they change, the alert reopens."""
        return _digest(dict(self.figures))


def _digest(value: Any) -> str:
    """sha256 of a canonical JSON rendering of ``value``."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def get_alert(session: Session, alert_id: int) -> AlertRow:
    """The alert with ``alert_id``, or InputError naming the id."""
    alert = session.get(AlertRow, alert_id)
    if alert is None:
        raise InputError(f"alert {alert_id} does not exist")
    return alert


def _apply(alert: AlertRow, candidate: AlertCandidate) -> None:
    """Copy what the candidate says onto the stored alert."""
    alert.severity = candidate.severity
    alert.message = candidate.message
    alert.figures = dict(candidate.figures)
    alert.evidence = [dict(item) for item in candidate.evidence]
    alert.facts_hash = candidate.facts_hash


def upsert_alert(
    session: Session, candidate: AlertCandidate, now: datetime, channels: Sequence[str] = ()
) -> tuple[AlertRow, Outcome]:
    """Store a finding: new, changed (facts differ; reopened if closed) or unchanged."""
    if candidate.severity not in ALERT_SEVERITIES:
        raise InputError(f"alert {candidate.rule}: severity must be one of {ALERT_SEVERITIES}")
    key = candidate.dedup_key
    alert = session.scalars(select(AlertRow).where(AlertRow.dedup_key == key)).one_or_none()
    if alert is None:
        alert = AlertRow(
            dedup_key=key,
            rule=candidate.rule,
            region=candidate.region,
            department=candidate.department,
            year=candidate.year,
            kind=candidate.kind,
            metric=candidate.metric,
            status="new",
            first_seen=now,
            last_seen=now,
            updated_at=now,
        )
        _apply(alert, candidate)
        session.add(alert)
        session.flush()
        queue_deliveries(session, alert, channels, now)
        return alert, "new"
    alert.last_seen = max(alert.last_seen, now)
    if alert.facts_hash == candidate.facts_hash:
        # Wording and evidence may improve without reopening what a person closed.
        alert.message, alert.evidence = candidate.message, [dict(e) for e in candidate.evidence]
        return alert, "unchanged"
    _apply(alert, candidate)
    alert.updated_at = now
    alert.status, alert.dismiss_reason, alert.acknowledged_at = "new", None, None
    session.flush()
    queue_deliveries(session, alert, channels, now)
    return alert, "changed"


def queue_deliveries(
    session: Session, alert: AlertRow, channels: Sequence[str], now: datetime
) -> list[DeliveryRow]:
    """Queue the alert's current facts on each channel, once per (alert, channel, facts)."""
    queued = {
        (row.channel, row.facts_hash)
        for row in session.scalars(select(DeliveryRow).where(DeliveryRow.alert_id == alert.id))
    }
    created = []
    for channel in dict.fromkeys(channels):
        if (channel, alert.facts_hash) in queued:
            continue
        delivery = DeliveryRow(
            alert_id=alert.id,
            channel=channel,
            facts_hash=alert.facts_hash,
            idempotency_key=uuid.uuid4().hex,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(delivery)
        created.append(delivery)
    session.flush()
    return created


def list_alerts(session: Session, status: str | None = None) -> list[AlertRow]:
    """Stored alerts, newest first, optionally only those with ``status``."""
    query = select(AlertRow).order_by(AlertRow.updated_at.desc(), AlertRow.id.desc())
    if status is not None:
        if status not in ALERT_STATUSES:
            raise InputError(f"alert status must be one of {ALERT_STATUSES}, got {status!r}")
        query = query.where(AlertRow.status == status)
    return list(session.scalars(query))


def acknowledge_alert(session: Session, alert_id: int, now: datetime) -> AlertRow:
    """Mark an alert as seen; it reopens if its facts change."""
    alert = get_alert(session, alert_id)
    alert.status, alert.acknowledged_at, alert.updated_at = "acknowledged", now, now
    session.flush()
    return alert


def dismiss_alert(session: Session, alert_id: int, reason: str, now: datetime) -> AlertRow:
    """Close an alert as wrong or known; it stays closed unless its facts change."""
    if not reason.strip():
        raise InputError(f"alert {alert_id}: dismissing needs a reason")
    alert = get_alert(session, alert_id)
    alert.status, alert.dismiss_reason, alert.updated_at = "dismissed", reason.strip(), now
    session.flush()
    return alert


def last_run(session: Session) -> MonitorRunRow | None:
    """The last finished monitor run, whose watermarks start the next incremental pass."""
    query = (
        select(MonitorRunRow)
        .where(MonitorRunRow.finished_at.is_not(None))
        .order_by(MonitorRunRow.id.desc())
        .limit(1)
    )
    return session.scalars(query).one_or_none()
