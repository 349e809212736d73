"""document store: the files a citizen may reuse in a new application (issued results,
earlier uploads), and where an attachment was taken from the store

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from engine.models.base import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "stored_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=100), nullable=True),
        sa.Column("signature", JSON, nullable=True),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"],
                                name=op.f("fk_stored_documents_dossier_id_dossiers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_documents")),
        sa.UniqueConstraint("owner", "origin", "sha256",
                            name=op.f("uq_stored_documents_owner_origin_sha256")),
    )
    with op.batch_alter_table("stored_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stored_documents_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_stored_documents_dossier_id"), ["dossier_id"],
                              unique=False)
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reused", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_column("reused")
    with op.batch_alter_table("stored_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stored_documents_dossier_id"))
        batch_op.drop_index(batch_op.f("ix_stored_documents_owner"))
    op.drop_table("stored_documents")
