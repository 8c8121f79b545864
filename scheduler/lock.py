"""Only one `budgetwatch serve` acts on a database: a PostgreSQL advisory lock, or a lease row.

PostgreSQL holds a session-level advisory lock on a connection kept open
for the life of the service; the server frees it the moment that process
dies.  SQLite has no such thing, so the lock is a row in ``scheduler_locks``
with a lease that the holder renews; a holder killed with -9 loses it when
the lease runs out.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.pool import NullPool

from storage.db import make_engine, normalize_url, session_factory
from storage.errors import BudgetwatchError

LOCK_NAME = "budgetwatch-serve"


class LockHeldError(BudgetwatchError):
    """Another scheduler holds the database's lock."""


class SchedulerLock(Protocol):
    """Try to take the lock, keep it alive, and let it go."""

    def acquire(self) -> bool: ...

    def renew(self) -> bool: ...

    def release(self) -> None: ...

    def holder(self) -> str: ...


def owner_id() -> str:
    """Who holds a lock: host, pid and a random part (pids repeat across containers)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def make_lock(url: str, clock: Callable[[], datetime], lease_seconds: float) -> SchedulerLock:
    """The right lock for the database at ``url``."""
    if normalize_url(url).get_backend_name() == "postgresql":
        return AdvisoryLock(url)
    return LeaseLock(url, clock, lease_seconds)


class AdvisoryLock:
    """``pg_try_advisory_lock`` on a connection of our own, keyed by database schema."""

    def __init__(self, url: str) -> None:
        # NullPool: the lock lives on exactly this connection; none is pooled behind our back.
        self.engine: Engine = make_engine(url, poolclass=NullPool)
        self.connection: Connection | None = None

    def acquire(self) -> bool:
        """Take the lock if free; a dead connection (server restarted) is replaced first."""
        self._drop_connection()
        connection = self.engine.connect()
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        # Tests and tenants may share one database in separate schemas: one lock per schema.
        digest = hashlib.sha256(f"{LOCK_NAME}:{schema}".encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
        connection.commit()
        if not taken:
            connection.close()
            return False
        self.connection = connection
        return True

    def renew(self) -> bool:
        """Check that our connection (and so the lock) is alive; re-take it after a restart."""
        try:
            assert self.connection is not None
            self.connection.execute(text("SELECT 1"))
            self.connection.commit()
            return True
        except Exception:
            return self.acquire()

    def release(self) -> None:
        """Closing the session frees the lock."""
        self._drop_connection()
        self.engine.dispose()

    def holder(self) -> str:
        return "another `budgetwatch serve` (PostgreSQL advisory lock)"

    def _drop_connection(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):  # already broken: nothing to free
                self.connection.close()
            self.connection = None


class LeaseLock:
    """A row in ``scheduler_locks`` that the holder renews before its lease runs out."""

    def __init__(self, url: str, clock: Callable[[], datetime], lease_seconds: float) -> None:
        self.factory = session_factory(url)
        self.clock, self.lease_seconds, self.owner = clock, lease_seconds, owner_id()

    def acquire(self) -> bool:
        from storage.service import take_lease

        with self.factory.begin() as session:
            return take_lease(session, LOCK_NAME, self.owner, self.clock(), self.lease_seconds)

    def renew(self) -> bool:
        try:
            return self.acquire()
        except Exception:  # a locked or vanished file: keep the lease we have until it ends
            return True

    def release(self) -> None:
        from storage.service import drop_lease

        with self.factory.begin() as session:
            drop_lease(session, LOCK_NAME, self.owner)
        self.factory.kw["bind"].dispose()

    def holder(self) -> str:
        from storage.service import lease_holder

        with self.factory() as session:
            row = lease_holder(session, LOCK_NAME)
            if row is None:
                return "another `budgetwatch serve`"
            until = row.lease_until.isoformat(timespec="seconds")
            return f"`budgetwatch serve` {row.owner} (lease until {until})"
