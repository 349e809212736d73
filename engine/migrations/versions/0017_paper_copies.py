"""paper copies: official paper copies printed at the desk from a signed result

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.models.base import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "paper_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("document_number", sa.String(length=100), nullable=True),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("printed_by", sa.String(length=128), nullable=False),
        sa.Column("printed_by_name", sa.String(length=200), nullable=False),
        sa.Column("printed_at", UTCDateTime(), nullable=False),
        sa.Column("fee_per_copy", sa.Integer(), nullable=False),
        sa.Column("fee_total", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"],
                                name=op.f("fk_paper_copies_dossier_id_dossiers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_copies")),
    )
    op.create_index("ix_paper_copies_dossier_id", "paper_copies", ["dossier_id"])


def downgrade() -> None:
    op.drop_index("ix_paper_copies_dossier_id", table_name="paper_copies")
    op.drop_table("paper_copies")
