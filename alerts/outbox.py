"""The outbox queue: claim due deliveries under a lease, then mark them sent, retrying or failed.

A claim is one UPDATE that moves due rows to ``sending`` with a lease
(``claimed_until``).  On PostgreSQL the rows are picked ``FOR UPDATE SKIP
LOCKED``, so concurrent senders take different rows without waiting; SQLite
runs one writer at a time, so the single UPDATE is atomic there by itself.
A sender that dies leaves its rows ``sending``; when the lease runs out they
are due again (the one repeat a crash may cause, with the same key).  Marks
only touch rows whose lease is still the one this sender holds.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql.elements import ColumnElement

from storage.models import DeliveryRow

MAX_ERROR_CHARS = 1000


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded by a retry window."""

    backoff_seconds: float = 60.0
    backoff_max_seconds: float = 3600.0
    retry_hours: float = 48.0

    def delay(self, attempts: int, rng: random.Random) -> float:
        """Seconds before attempt ``attempts + 1``: doubling, capped, jittered to 50–100 %."""
        ceiling = min(self.backoff_max_seconds, self.backoff_seconds * 2 ** max(attempts - 1, 0))
        # Jitter spreads the retries of many deliveries failing together (one outage).
        return ceiling * (0.5 + rng.random() / 2)


@dataclass(frozen=True)
class Claim:
    """Deliveries one sender holds, and the lease that proves it."""

    rows: list[DeliveryRow]
    until: datetime


def _due(channel: str, now: datetime, *, abandoned: bool) -> ColumnElement[bool]:
    """Rows of ``channel`` ready to send: pending and due, or (``abandoned``) leases run out."""
    if abandoned:
        ready = and_(DeliveryRow.status == "sending", DeliveryRow.claimed_until < now)
    else:
        ready = and_(
            DeliveryRow.status == "pending",
            or_(DeliveryRow.next_attempt_at.is_(None), DeliveryRow.next_attempt_at <= now),
        )
    return and_(DeliveryRow.channel == channel, ready)


def claim(
    session: Session,
    channel: str,
    now: datetime,
    *,
    lease_seconds: float,
    limit: int,
    abandoned: bool = False,
) -> Claim:
    """Take up to ``limit`` due deliveries of ``channel`` and commit the lease at once."""
    until = now + timedelta(seconds=lease_seconds)
    condition = _due(channel, now, abandoned=abandoned)
    picked = select(DeliveryRow.id).where(condition).order_by(DeliveryRow.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # Lock the picked rows first: PostgreSQL may re-run a LIMIT subquery inside an
        # UPDATE's WHERE, so the ids are fixed here and held until the commit.
        chosen: Any = list(session.scalars(picked.with_for_update(skip_locked=True)))
    else:
        chosen = picked.scalar_subquery()
    statement = (
        update(DeliveryRow)
        .where(DeliveryRow.id.in_(chosen), condition)
        .values(status="sending", claimed_until=until, attempts=DeliveryRow.attempts + 1)
        .returning(DeliveryRow.id)
        .execution_options(synchronize_session=False)
    )
    ids = list(session.scalars(statement))
    session.commit()
    rows = list(
        session.scalars(
            select(DeliveryRow)
            .where(DeliveryRow.id.in_(ids))
            .options(joinedload(DeliveryRow.alert))
            .order_by(DeliveryRow.id)
            .execution_options(populate_existing=True)
        )
    )
    return Claim(rows, until)


def _held(claim: Claim, ids: Sequence[int]) -> ColumnElement[bool]:
    """Rows among ``ids`` whose lease is still this claim's."""
    return and_(
        DeliveryRow.id.in_(ids),
        DeliveryRow.status == "sending",
        DeliveryRow.claimed_until == claim.until,
    )


def mark_sent(session: Session, claim: Claim, ids: Sequence[int], now: datetime) -> int:
    """Record that ``ids`` were delivered; returns how many rows this sender still held."""
    statement = (
        update(DeliveryRow)
        .where(_held(claim, ids))
        .values(
            status="sent", sent_at=now, claimed_until=None, last_error=None, next_attempt_at=None
        )
        .execution_options(synchronize_session=False)
    )
    count = session.execute(statement).rowcount  # type: ignore[attr-defined]
    session.commit()
    return int(count or 0)


def mark_failed(
    session: Session,
    claim: Claim,
    rows: Sequence[DeliveryRow],
    error: str,
    now: datetime,
    *,
    retry_at: datetime | None,
) -> None:
    """Record a failed attempt: back to ``pending`` until ``retry_at``, or ``failed`` if None."""
    error = error[:MAX_ERROR_CHARS]
    values: dict[str, object] = {"claimed_until": None, "last_error": error}
    if retry_at is None:
        values.update(status="failed", next_attempt_at=None)
    else:
        values.update(status="pending", next_attempt_at=retry_at)
    statement = (
        update(DeliveryRow)
        .where(_held(claim, [row.id for row in rows]))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.execute(statement)
    session.commit()


def next_attempt(
    row: DeliveryRow,
    now: datetime,
    policy: RetryPolicy,
    rng: random.Random,
    retry_after: float | None = None,
) -> datetime | None:
    """When to try ``row`` again (Retry-After wins over backoff), or None once the window closed."""
    seconds = retry_after if retry_after is not None else policy.delay(row.attempts, rng)
    when = now + timedelta(seconds=max(seconds, 0.0))
    deadline = row.created_at + timedelta(hours=policy.retry_hours)
    return when if when <= deadline else None


def unreported_failures(session: Session, other_than: str, limit: int = 50) -> list[DeliveryRow]:
    """Failed deliveries of other channels not yet announced anywhere."""
    query = (
        select(DeliveryRow)
        .where(
            DeliveryRow.status == "failed",
            DeliveryRow.failure_reported_at.is_(None),
            DeliveryRow.channel != other_than,
        )
        .options(joinedload(DeliveryRow.alert))
        .order_by(DeliveryRow.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def mark_failures_reported(session: Session, ids: Sequence[int], now: datetime) -> None:
    """Record that these failures were announced on a working channel."""
    if ids:
        session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id.in_(ids), DeliveryRow.failure_reported_at.is_(None))
            .values(failure_reported_at=now)
            .execution_options(synchronize_session=False)
        )
        session.commit()


def due_counts(session: Session, channels: Sequence[str], now: datetime) -> dict[str, int]:
    """How many deliveries each channel would send now (``alerts send --dry-run``)."""
    counts = {}
    for channel in channels:
        condition = or_(_due(channel, now, abandoned=False), _due(channel, now, abandoned=True))
        counts[channel] = len(list(session.scalars(select(DeliveryRow.id).where(condition))))
    return counts


def list_deliveries(session: Session) -> list[DeliveryRow]:
    """Every delivery, oldest first (``deliveries list``)."""
    return list(session.scalars(select(DeliveryRow).order_by(DeliveryRow.id)))
