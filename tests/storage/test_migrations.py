"""The migrations build exactly the schema the models describe, on every database."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from storage.db import make_engine, upgrade
from storage.models import Base

TABLES = {
    "documents",
    "document_versions",
    "disclosures",
    "figures",
    "performance_targets",
    "alerts",
    "deliveries",
    "monitor_runs",
    "site_runs",
    "scheduler_locks",
    "document_notes",
}


def schema_diff(url: str) -> list[Any]:
    """What autogenerate would change to make the database match the models."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_upgrade_from_empty_creates_every_table_at_head(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
    assert tables == TABLES | {"alembic_version"}
    assert head == "0005"


def test_migrations_match_the_models(database_url: str) -> None:
    upgrade(database_url)
    assert schema_diff(database_url) == []


def test_the_comparison_notices_a_missing_index(database_url: str) -> None:
    # Guards the test above: a comparison that never reports anything proves nothing.
    upgrade(database_url)
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_figures_metric"))
    engine.dispose()
    diff = schema_diff(database_url)
    assert [change[0] for change in diff] == ["add_index"]
    assert diff[0][1].name == "ix_figures_metric"


def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    assert schema_diff(database_url) == []
