"""The service's tables: per-site crawl runs and the scheduler lock.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

``site_runs`` records every crawl of a configured site (result, counts,
blocked reason), which feeds `budgetwatch status` and the crawl_health
alerts.  ``scheduler_locks`` holds the lease that lets only one
`budgetwatch serve` act on a SQLite database (PostgreSQL uses an advisory
lock instead).  APScheduler creates its own ``apscheduler_jobs`` table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# storage.models.UtcDateTime.
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "site_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=200), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("disclosures", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_reason", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "result IN ('running', 'ok', 'empty', 'blocked', 'failed', 'interrupted')",
            name=op.f("ck_site_runs_result"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_runs")),
    )
    op.create_index("ix_site_runs_site_started_at", "site_runs", ["site", "started_at"])
    op.create_table(
        "scheduler_locks",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("acquired_at", TIMESTAMP, nullable=False),
        sa.Column("lease_until", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_locks")),
    )


def downgrade() -> None:
    op.drop_table("scheduler_locks")
    op.drop_index("ix_site_runs_site_started_at", table_name="site_runs")
    op.drop_table("site_runs")
