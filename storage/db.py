"""Engines, sessions and migrations, all built from a URL that configuration supplies."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

ALEMBIC_INI = Path(__file__).resolve().parent / "alembic.ini"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Pauses before each retry of work that lost its database connection: about half a
# minute in all, enough for a PostgreSQL restart or a failover, short enough that a
# database that stays down still fails the work (which a later run then redoes).
TRANSIENT_WAITS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
T = TypeVar("T")
logger = logging.getLogger(__name__)


def normalize_url(url: str | URL) -> URL:
    """Parse ``url``; a bare ``postgresql://`` means psycopg 3, the driver we ship."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """Create an engine for ``url``, tuned for SQLite (FKs, WAL, busy wait) or PostgreSQL."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, **kwargs)
        in_memory = parsed.database in (None, "", ":memory:")
        event.listen(engine, "connect", _sqlite_pragmas(wal=not in_memory))
        return engine
    # Connections dropped by a restarted server or a NAT timeout are replaced quietly.
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def _sqlite_pragmas(*, wal: bool) -> Any:
    """A connect hook that sets the pragmas SQLite needs per connection."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            # SQLite ignores foreign keys unless asked, on every connection.
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            if wal:
                # WAL lets the monitor read while the crawler writes.
                cursor.execute("PRAGMA journal_mode = WAL")
                # In WAL mode NORMAL syncs at checkpoints, not at every commit: the database
                # cannot be corrupted, and only a power loss (not a crash of the process) can
                # undo the last commits since the checkpoint.  A crawl redoes those documents
                # on its next run; FULL cost an fsync per batch and per extraction.
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    return on_connect


def session_factory(url: str | URL | Engine) -> sessionmaker[Session]:
    """Return a session factory bound to ``url`` (or to an engine already made)."""
    engine = url if isinstance(url, Engine) else make_engine(url)
    # Rows handed to other stages stay readable after the caller commits.
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    """The Alembic configuration shipped inside the storage package."""
    return Config(str(ALEMBIC_INI))


def upgrade(url: str | URL | Engine, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (``alembic upgrade head``)."""
    engine = url if isinstance(url, Engine) else make_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            # env.py uses this connection instead of reading a URL from alembic.ini.
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        if not isinstance(url, Engine):
            engine.dispose()


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` is a lost or refused connection (or a busy SQLite), not a bad statement."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, OperationalError)


def retry_transient(
    work: Callable[[], T], waits: Sequence[float] = TRANSIENT_WAITS, what: str = "database work"
) -> T:
    """``work()``, run again after a pause each time it fails on a lost connection.

    ``work`` must be one whole transaction (it is rolled back when it fails), so running
    it again is safe.  Other errors, and the last transient one, are raised.
    """
    for pause in waits:
        try:
            return work()
        except Exception as error:
            if not is_transient(error):
                raise
            logger.warning("%s: database unavailable (%s); retrying in %g s",
                           what, str(error).splitlines()[0], pause)  # fmt: skip
            time.sleep(pause)
    return work()
