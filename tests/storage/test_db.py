"""Engines and sessions: what each database must enforce for budgetwatch."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from storage.db import is_transient, make_engine, normalize_url, retry_transient
from storage.models import Document, DocumentVersion
from tests.storage.samples import SHA_A, T0

BEIJING = timezone(timedelta(hours=8))


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        with engine.connect() as connection:
            pragmas = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("foreign_keys", "journal_mode", "busy_timeout")
            }
    finally:
        engine.dispose()
    assert pragmas == {"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": 30_000}


def test_in_memory_sqlite_works_without_wal() -> None:
    engine = make_engine("sqlite://")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", ["postgresql://u@db/x", "postgres://u@db/x"])
def test_a_bare_postgresql_url_uses_psycopg_3(url: str) -> None:
    assert normalize_url(url).drivername == "postgresql+psycopg"


def test_a_version_needs_an_existing_document(session: Session) -> None:
    session.add(DocumentVersion(document_id=999, sha256=SHA_A, size=1, fetched_at=T0))
    with pytest.raises(IntegrityError):
        session.flush()


def test_timestamps_come_back_aware_in_utc(
    session: Session, factory: sessionmaker[Session]
) -> None:
    noon_in_beijing = datetime(2026, 3, 1, 12, 0, tzinfo=BEIJING)
    stored = Document(source="s", first_seen=noon_in_beijing, last_seen=noon_in_beijing)
    session.add(stored)
    session.commit()
    with factory() as fresh:
        document = fresh.get(Document, stored.id)
        assert document is not None
        assert document.first_seen == datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
        assert document.first_seen.utcoffset() == timedelta(0)


def test_a_naive_timestamp_is_refused(session: Session) -> None:
    naive = datetime(2026, 3, 1, 12, 0)
    session.add(Document(source="s", first_seen=naive, last_seen=naive))
    with pytest.raises(StatementError, match="timezone-aware"):
        session.flush()


def test_storage_does_not_import_the_extract_stage() -> None:
    # Dependencies point stages -> storage; extract is needed only for type checking.
    code = (
        "import sys, storage.db, storage.models, storage.repository; "
        "sys.exit('extract' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0


def _lost_connection() -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


def test_work_that_lost_its_connection_is_run_again() -> None:
    calls: list[int] = []

    def work() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _lost_connection()
        return "stored"

    assert retry_transient(work, waits=(0, 0, 0)) == "stored"
    assert len(calls) == 3


def test_a_database_that_stays_down_fails_the_work_after_the_waits() -> None:
    calls: list[int] = []

    def work() -> None:
        calls.append(1)
        raise _lost_connection()

    with pytest.raises(OperationalError):
        retry_transient(work, waits=(0, 0))
    assert len(calls) == 3


def test_a_bad_statement_is_not_retried() -> None:
    calls: list[int] = []

    def work() -> None:
        calls.append(1)
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    with pytest.raises(IntegrityError):
        retry_transient(work, waits=(0, 0))
    assert len(calls) == 1
    assert not is_transient(IntegrityError("INSERT", {}, Exception("duplicate key")))
