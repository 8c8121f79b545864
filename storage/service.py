"""The service's queries: per-site crawl runs, the scheduler's lease lock, the outbox backlog.

Functions flush but never commit, like the rest of ``storage``; the caller
owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import DeliveryRow, SchedulerLockRow, SiteRunRow


@dataclass(frozen=True)
class SiteRunCounts:
    """What a finished crawl of one site yielded."""

    result: str  # ok, empty, blocked, failed, interrupted
    documents: int = 0
    disclosures: int = 0
    failures: int = 0
    blocked_reason: str | None = None
    error: str | None = None


def start_site_run(session: Session, site: str, now: datetime) -> SiteRunRow:
    """Record that a crawl of ``site`` started (result ``running`` until it ends)."""
    row = SiteRunRow(site=site, started_at=now, result="running", documents=0, disclosures=0,
                     failures=0)  # fmt: skip
    session.add(row)
    session.flush()
    return row


def finish_site_run(session: Session, run_id: int, counts: SiteRunCounts, now: datetime) -> None:
    """Record how the crawl ``run_id`` ended."""
    row = session.get_one(SiteRunRow, run_id)
    row.finished_at, row.result = now, counts.result
    row.documents, row.disclosures, row.failures = (
        counts.documents,
        counts.disclosures,
        counts.failures,
    )
    row.blocked_reason, row.error = counts.blocked_reason, counts.error
    session.flush()


def abandon_running(session: Session, now: datetime, site: str | None = None) -> list[str]:
    """Close runs left ``running`` by a process that died; return their sites (to catch up)."""
    query = select(SiteRunRow).where(SiteRunRow.result == "running")
    if site is not None:
        query = query.where(SiteRunRow.site == site)
    rows = list(session.scalars(query))
    for row in rows:
        row.result, row.finished_at = "interrupted", now
        row.error = row.error or "the process running this crawl stopped before it ended"
    session.flush()
    return sorted({row.site for row in rows})


def last_site_runs(session: Session) -> dict[str, SiteRunRow]:
    """The latest run of every site that ever ran."""
    latest = select(SiteRunRow.site, func.max(SiteRunRow.id).label("id")).group_by(SiteRunRow.site)
    ids = [row.id for row in session.execute(latest)]
    rows = session.scalars(select(SiteRunRow).where(SiteRunRow.id.in_(ids)))
    return {row.site: row for row in rows}


def previous_good_run(session: Session, site: str, before_id: int) -> SiteRunRow | None:
    """The last run of ``site`` before ``before_id`` that found disclosures."""
    query = (
        select(SiteRunRow)
        .where(SiteRunRow.site == site, SiteRunRow.id < before_id, SiteRunRow.disclosures > 0)
        .order_by(SiteRunRow.id.desc())
        .limit(1)
    )
    return session.scalars(query).one_or_none()


def pending_deliveries(session: Session) -> dict[str, int]:
    """Deliveries not yet sent nor failed for good, per channel."""
    query = (
        select(DeliveryRow.channel, func.count())
        .where(DeliveryRow.status.in_(("pending", "sending")))
        .group_by(DeliveryRow.channel)
    )
    return {channel: count for channel, count in session.execute(query).tuples()}


def take_lease(session: Session, name: str, owner: str, now: datetime, seconds: float) -> bool:
    """Take or renew the lock ``name`` for ``owner`` unless someone else holds a live lease."""
    until = now + timedelta(seconds=seconds)
    taken = session.execute(
        update(SchedulerLockRow)
        .where(SchedulerLockRow.name == name)
        .where(or_(SchedulerLockRow.owner == owner, SchedulerLockRow.lease_until < now))
        .values(owner=owner, lease_until=until)
    )
    if taken.rowcount:  # type: ignore[attr-defined]
        return True
    if session.get(SchedulerLockRow, name) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                SchedulerLockRow(name=name, owner=owner, acquired_at=now, lease_until=until)
            )
    except IntegrityError:  # another process inserted it first
        return False
    return True


def lease_holder(session: Session, name: str) -> SchedulerLockRow | None:
    """The current row of lock ``name``, if any."""
    return session.get(SchedulerLockRow, name)


def drop_lease(session: Session, name: str, owner: str) -> None:
    """Release the lock ``name`` if ``owner`` holds it."""
    session.execute(
        delete(SchedulerLockRow).where(
            SchedulerLockRow.name == name, SchedulerLockRow.owner == owner
        )
    )


def streak_start(session: Session, site: str, result: str, now: datetime) -> datetime:
    """When ``site``'s current run of finished crawls ending in ``result`` began (``now`` if new)."""
    query = (
        select(SiteRunRow)
        .where(SiteRunRow.site == site, SiteRunRow.finished_at.is_not(None))
        .where(SiteRunRow.result != "interrupted")
        .order_by(SiteRunRow.id.desc())
        .limit(400)
    )
    since = now
    for row in session.scalars(query):
        if row.result != result:
            break
        since = row.started_at
    return since
