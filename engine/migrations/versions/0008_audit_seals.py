"""audit seals: daily timestamped Merkle roots over the dossiers' chain heads

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 08:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_seals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sealed_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.Column("leaves", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("token", sa.LargeBinary(), nullable=False),
        sa.Column("tsa", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_seals")),
        sa.UniqueConstraint("day", name=op.f("uq_audit_seals_day")),
    )
    op.create_table(
        "seal_leaves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seal_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("dossier_code", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"],
                                name=op.f("fk_seal_leaves_dossier_id_dossiers")),
        sa.ForeignKeyConstraint(["seal_id"], ["audit_seals.id"],
                                name=op.f("fk_seal_leaves_seal_id_audit_seals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seal_leaves")),
    )
    with op.batch_alter_table("seal_leaves", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seal_leaves_dossier_id"), ["dossier_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_seal_leaves_seal_id"), ["seal_id"], unique=False)


def downgrade() -> None:
    op.drop_table("seal_leaves")
    op.drop_table("audit_seals")
