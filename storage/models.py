"""The database schema: documents, their versions, and what was extracted from each version.

Money is ``Decimal`` in yuan everywhere.  PostgreSQL stores it as
``NUMERIC(20, 2)``; SQLite has no exact decimal type (its NUMERIC turns values
into floats), so there the same column holds whole fen (cents) in a 64-bit
integer, which keeps every value exact and still lets SQL compare and sum.
Timestamps are timezone-aware and always come back in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator, TypeEngine

# Explicit constraint names let batch migrations on SQLite (which rebuild
# tables) and ALTERs on PostgreSQL address the same constraint by name.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MONEY_DIGITS = 20
MONEY_PLACES = 2
CENT = Decimal("0.01")
# NUMERIC(20, 2) would take 18 digits before the point, but SQLite's 64-bit fen
# only 16; one limit on both keeps the databases interchangeable.  10^16 yuan is
# dozens of times China's GDP, so no real figure comes near it.
MONEY_LIMIT = Decimal(10) ** 16


class DocumentStatus(StrEnum):
    """The outcome of the last attempt to fetch a document."""

    OK = "ok"
    FAILED = "failed"  # an error worth retrying
    BLOCKED = "blocked"  # the portal refused us (403, captcha, robots)
    GONE = "gone"  # the document disappeared (404/410)


def check_money(value: Decimal | int) -> Decimal:
    """Return ``value`` as a Decimal that fits NUMERIC(20, 2) exactly, or raise ValueError."""
    # bool is an int, float is inexact: both are mistakes, not money.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValueError(f"money must be Decimal or int, not {type(value).__name__}: {value!r}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"money must be finite, not {amount}")
    if amount != amount.quantize(CENT):
        raise ValueError(f"money has more than {MONEY_PLACES} decimal places: {amount}")
    if abs(amount) >= MONEY_LIMIT:
        raise ValueError(f"money must be below {MONEY_LIMIT:,} yuan: {amount}")
    return amount


class Money(TypeDecorator[Decimal]):
    """Exact yuan: NUMERIC(20, 2) on PostgreSQL, whole fen in a BIGINT on SQLite."""

    impl = Numeric(MONEY_DIGITS, MONEY_PLACES, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(MONEY_DIGITS, MONEY_PLACES, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        amount = check_money(value)
        if dialect.name == "sqlite":
            return int(amount.scaleb(MONEY_PLACES))
        return amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-MONEY_PLACES).quantize(CENT)
        return Decimal(value).quantize(CENT)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored in UTC and returned in UTC on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"timestamp must be timezone-aware: {value!r}")
        value = value.astimezone(UTC)
        # SQLite keeps no offset; storing naive UTC keeps its text sortable.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base of every budgetwatch table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _one_of(column: str, values: list[str]) -> str:
    """SQL for a CHECK that ``column`` is one of ``values``."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class Document(Base):
    """A source (URL or path) that budgetwatch found, with the state of its last fetch."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(_one_of("status", [status.value for status in DocumentStatus]), "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    referrer: Mapped[str | None] = mapped_column(Text)  # the list page that linked to it
    published_date: Mapped[date | None] = mapped_column(Date)
    content_type: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))  # of the current version
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default=DocumentStatus.OK.value)
    error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive, reset on success

    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document",
        cascade="all, delete-orphan",
        order_by="DocumentVersion.id",
    )

    @property
    def current_version(self) -> DocumentVersion | None:
        """The version whose bytes were fetched last, if any fetch succeeded."""
        return next((v for v in self.versions if v.sha256 == self.sha256), None)


class DocumentVersion(Base):
    """One distinct content (by SHA-256) of a document, kept when the bytes change."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)  # when these bytes first came
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)  # the HTTP header as sent
    store_path: Mapped[str | None] = mapped_column(Text)  # content-addressed copy

    document: Mapped[Document] = relationship(back_populates="versions")
    disclosure: Mapped[DisclosureRow | None] = relationship(
        back_populates="version", cascade="all, delete-orphan"
    )


class DisclosureRow(Base):
    """What extraction found in one document version."""

    __tablename__ = "disclosures"
    __table_args__ = (
        CheckConstraint("kind IN ('budget', 'final')", "kind"),
        Index("ix_disclosures_region_year", "region", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_version_id: Mapped[int] = mapped_column(
        ForeignKey("document_versions.id", ondelete="CASCADE"), unique=True
    )
    region: Mapped[str | None] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str | None] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(16))
    pages: Mapped[int] = mapped_column(Integer)
    extracted_at: Mapped[datetime] = mapped_column(UtcDateTime)

    version: Mapped[DocumentVersion] = relationship(back_populates="disclosure")
    figures: Mapped[list[FigureRow]] = relationship(
        back_populates="disclosure", cascade="all, delete-orphan", order_by="FigureRow.id"
    )
    targets: Mapped[list[TargetRow]] = relationship(
        back_populates="disclosure", cascade="all, delete-orphan", order_by="TargetRow.id"
    )


class FigureRow(Base):
    """One candidate value for a metric; ``chosen`` marks the value the disclosure states."""

    __tablename__ = "figures"
    __table_args__ = (
        CheckConstraint("origin IN ('narrative', 'table')", "origin"),
        Index("ix_figures_metric", "metric"),
        Index("ix_figures_disclosure_id_metric", "disclosure_id", "metric"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(100))
    value: Mapped[Decimal] = mapped_column(Money)
    unit: Mapped[str] = mapped_column(Text)  # as written: 万元, 元, 辆
    raw: Mapped[str] = mapped_column(Text)  # the number as written: "7,769.34"
    evidence_text: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    offset: Mapped[int | None] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(16))
    table_title: Mapped[str | None] = mapped_column(Text)
    cell: Mapped[str | None] = mapped_column(Text)
    chosen: Mapped[bool] = mapped_column(Boolean)
    # Narrative and table disagree beyond rounding; set on both sides of the conflict.
    conflict: Mapped[bool] = mapped_column(Boolean, default=False)

    disclosure: Mapped[DisclosureRow] = relationship(back_populates="figures")


class TargetRow(Base):
    """One performance-target indicator (绩效目标表 row)."""

    __tablename__ = "performance_targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), index=True
    )
    project: Mapped[str] = mapped_column(Text)
    level1: Mapped[str] = mapped_column(Text)
    level2: Mapped[str] = mapped_column(Text)
    level3: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    comparator: Mapped[str] = mapped_column(Text)
    value: Mapped[str] = mapped_column(Text)  # as written: "100", "≥95", "按时"
    unit: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)

    disclosure: Mapped[DisclosureRow] = relationship(back_populates="targets")


# --- The monitor's tables: alerts, their delivery outbox, and monitor runs (issue #5) ---

ALERT_SEVERITIES = ["info", "warning", "critical"]
ALERT_STATUSES = ["new", "acknowledged", "dismissed"]
DELIVERY_STATUSES = ["pending", "sending", "sent", "failed"]


class AlertRow(Base):
    """One finding of the monitor, deduplicated by rule, region, department, year, kind, metric."""

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint(_one_of("severity", ALERT_SEVERITIES), "severity"),
        CheckConstraint(_one_of("status", ALERT_STATUSES), "status"),
        Index("ix_alerts_status", "status"),
        Index("ix_alerts_region_year", "region", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # sha256 of rule, region, department, year, kind, metric: the same finding twice is one row.
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str | None] = mapped_column(String(16))
    metric: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)  # one Chinese sentence a person can act on
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)  # money as decimal strings
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # source, page, text, cell
    # sha256 of the facts (figures and evidence): a change updates and reopens the alert.
    facts_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="new")
    dismiss_reason: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    deliveries: Mapped[list[DeliveryRow]] = relationship(
        back_populates="alert", cascade="all, delete-orphan", order_by="DeliveryRow.id"
    )


class DeliveryRow(Base):
    """The outbox: one alert's facts to send on one channel, queued in the alert's transaction."""

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(_one_of("status", DELIVERY_STATUSES), "status"),
        # A reopened alert is sent again, but never twice for the same facts.
        UniqueConstraint("alert_id", "channel", "facts_hash"),
        Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(100))  # the channel's name in the config
    facts_hash: Mapped[str] = mapped_column(String(64))
    # Fixed at creation and sent along, so a receiver can drop a retried duplicate.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)  # a sender's lease
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # A failed delivery is announced once on another channel (migration 0003, issue #6).
    failure_reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    alert: Mapped[AlertRow] = relationship(back_populates="deliveries")


class MonitorRunRow(Base):
    """One monitor pass; the last watermark tells the next incremental pass where to start."""

    __tablename__ = "monitor_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    full: Mapped[bool] = mapped_column(Boolean)
    alerts_new: Mapped[int] = mapped_column(Integer, default=0)
    alerts_changed: Mapped[int] = mapped_column(Integer, default=0)
    # The highest figure and disclosure ids covered: a new or re-extracted disclosure gets
    # higher ids, so the next incremental pass looks only at what lies above them.
    watermark: Mapped[int | None] = mapped_column(Integer)
    disclosure_watermark: Mapped[int | None] = mapped_column(Integer)


SITE_RUN_RESULTS = ["running", "ok", "empty", "blocked", "failed", "interrupted"]


class SiteRunRow(Base):
    """One crawl of one configured site by the cycle: how it ended and what it yielded."""

    __tablename__ = "site_runs"
    __table_args__ = (
        CheckConstraint(_one_of("result", SITE_RUN_RESULTS), "result"),
        Index("ix_site_runs_site_started_at", "site", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(200))  # the site's name in crawl.sites
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # "running" until it ends; a row still running after a crash marks the cycle to catch up.
    result: Mapped[str] = mapped_column(String(16), default="running")
    documents: Mapped[int] = mapped_column(Integer, default=0)  # new + changed + unchanged + failed
    disclosures: Mapped[int] = mapped_column(Integer, default=0)  # disclosure entries listed
    failures: Mapped[int] = mapped_column(Integer, default=0)  # documents that failed
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class SchedulerLockRow(Base):
    """A lease that lets one `budgetwatch serve` act on a database where advisory locks are absent."""

    __tablename__ = "scheduler_locks"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))  # host:pid:random of the holder
    acquired_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lease_until: Mapped[datetime] = mapped_column(UtcDateTime)


NOTE_KINDS = ["placeholder", "wrong_year", "blank_three_public_table", "missing_table"]


class DocumentNoteRow(Base):
    """A defect of the document itself found at extraction (extract.quality): one per place."""

    __tablename__ = "document_notes"
    __table_args__ = (CheckConstraint(_one_of("kind", NOTE_KINDS), "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text)

    # Only this side is mapped: the database's ON DELETE CASCADE removes a disclosure's notes,
    # and storage.repository replaces them wholesale on re-extraction.
    disclosure: Mapped[DisclosureRow] = relationship()
