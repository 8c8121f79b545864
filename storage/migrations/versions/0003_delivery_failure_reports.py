"""Deliveries remember when their failure was reported on another channel.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

A delivery that ends ``failed`` is announced on the next channel that works;
``failure_reported_at`` records that it was, so it is announced once.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# storage.models.UtcDateTime.
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("failure_reported_at", TIMESTAMP, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("failure_reported_at")
