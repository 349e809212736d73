"""delivery: sent messages, shipments, portal updates, demo mailbox and portal

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 11:13:07.421337
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "demo_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.Column("mail_from", sa.String(length=300), nullable=False),
        sa.Column(
            "recipients",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("dossier_code", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_mail")),
    )
    with op.batch_alter_table("demo_mail", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_demo_mail_dossier_code"), ["dossier_code"], unique=False
        )

    op.create_table(
        "demo_portal_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.Column("dossier_code", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column(
            "body",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_portal_receipts")),
    )
    with op.batch_alter_table("demo_portal_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_demo_portal_receipts_dossier_code"), ["dossier_code"], unique=False
        )

    op.create_table(
        "portal_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "body",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("acked_at", engine.models.base.UTCDateTime(), nullable=True),
        sa.Column(
            "ack",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_portal_updates_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_updates")),
        sa.UniqueConstraint("dossier_id", "seq", name=op.f("uq_portal_updates_dossier_id_seq")),
    )
    with op.batch_alter_table("portal_updates", schema=None) as batch_op:
        batch_op.create_index("ix_portal_updates_pending", ["dossier_id", "acked_at"], unique=False)

    op.create_table(
        "sent_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=160), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column("template", sa.String(length=32), nullable=False),
        sa.Column(
            "recipients",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "receipt",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.Column("sent_at", engine.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_sent_messages_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_messages")),
        sa.UniqueConstraint(
            "idempotency_key", "channel", name=op.f("uq_sent_messages_idempotency_key_channel")
        ),
    )
    with op.batch_alter_table("sent_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sent_messages_dossier_id"), ["dossier_id"], unique=False
        )

    op.create_table(
        "shipments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=160), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(length=32), nullable=False),
        sa.Column("tracking_number", sa.String(length=64), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column(
            "documents",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", engine.models.base.UTCDateTime(), nullable=True),
        sa.Column("delivered_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_shipments_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_shipments_idempotency_key")),
        sa.UniqueConstraint("tracking_number", name=op.f("uq_shipments_tracking_number")),
    )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipments_dossier_id"), ["dossier_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipments_dossier_id"))

    op.drop_table("shipments")
    with op.batch_alter_table("sent_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sent_messages_dossier_id"))

    op.drop_table("sent_messages")
    with op.batch_alter_table("portal_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_portal_updates_pending")

    op.drop_table("portal_updates")
    with op.batch_alter_table("demo_portal_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demo_portal_receipts_dossier_code"))

    op.drop_table("demo_portal_receipts")
    with op.batch_alter_table("demo_mail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demo_mail_dossier_code"))

    op.drop_table("demo_mail")
