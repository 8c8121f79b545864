"""Monitor tests run on SQLite and PostgreSQL with the storage tests' fixtures."""

from __future__ import annotations

from tests.storage.conftest import (  # noqa: F401 (fixtures)
    database_url,
    factory,
    postgres_server,
    postgres_url,
    session,
)
