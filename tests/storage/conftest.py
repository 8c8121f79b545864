"""Database fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL runs when BUDGETWATCH_TEST_POSTGRES_URL is set (CI sets it); then an
unreachable server fails the run instead of quietly skipping.  Each test gets
its own schema, so runs sharing one database never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, normalize_url, session_factory, upgrade

POSTGRES_ENV = "BUDGETWATCH_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The PostgreSQL URL from the environment, checked to answer once per run."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set (CI sets it; PostgreSQL contract tests skipped)")
    # A short connect timeout, so an unroutable host fails in seconds, not minutes.
    engine = make_engine(url, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        where = normalize_url(url).render_as_string(hide_password=True)
        pytest.fail(f"{POSTGRES_ENV} is set but {where} is unreachable: {error}", pytrace=False)
    finally:
        engine.dispose()
    return url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL whose connections work in a fresh, private schema, dropped afterwards."""
    schema = f"budgetwatch_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_server)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = normalize_url(postgres_server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'budgetwatch.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    """A session factory on a freshly migrated database."""
    upgrade(database_url)
    sessions = session_factory(database_url)
    yield sessions
    sessions.kw["bind"].dispose()


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session on a freshly migrated database."""
    with factory() as opened:
        yield opened
