"""messages and signals: what dossiers wait for, and the messages that reached motcua

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.models.base import JSONType, UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_waits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id"), nullable=False),
        sa.Column("workflow_task_id", sa.String(length=36), nullable=False),
        sa.Column("element_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_message_waits_dossier_id", "message_waits", ["dossier_id"])
    op.create_index("ix_message_waits_reference", "message_waits", ["reference"])
    op.create_index("ix_message_waits_name", "message_waits", ["name", "status"])
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("correlation", JSONType, nullable=False),
        sa.Column("payload", JSONType, nullable=False),
        sa.Column("source", sa.String(length=160), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=True, unique=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id"), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_messages_name", "messages", ["name"])
    op.create_index("ix_messages_dossier_id", "messages", ["dossier_id"])


def downgrade() -> None:
    op.drop_table("messages")
    op.drop_table("message_waits")
