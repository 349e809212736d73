"""account events: who changed which account, roles, tokens and delegations; sealed daily

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 08:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.models.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", engine.models.base.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=False),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_events")),
    )
    with op.batch_alter_table("account_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_events_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_account_events_target"), ["target"], unique=False)
    with op.batch_alter_table("audit_seals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("account_head", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_seals", schema=None) as batch_op:
        batch_op.drop_column("account_head")
        batch_op.drop_column("account_seq")
    op.drop_table("account_events")
