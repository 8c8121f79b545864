"""Document notes: defects of a document found at extraction (placeholders, stale years, tables).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Column types are spelled out here rather than imported from storage.models,
so that this revision keeps creating the same table when the models move on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("disclosure_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('placeholder', 'wrong_year', 'blank_three_public_table', 'missing_table')",
            name=op.f("ck_document_notes_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["disclosures.id"],
            name=op.f("fk_document_notes_disclosure_id_disclosures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_notes")),
    )
    op.create_index(op.f("ix_document_notes_disclosure_id"), "document_notes", ["disclosure_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_document_notes_disclosure_id"), table_name="document_notes")
    op.drop_table("document_notes")
