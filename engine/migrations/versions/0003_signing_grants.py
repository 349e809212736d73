"""signing grants: an officer's consent to sign, passphrase sealed, taken once

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.models.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("task_element", sa.String(length=128), nullable=False),
        sa.Column("sealed_passphrase", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.Column("used_at", engine.models.base.UTCDateTime(), nullable=True),
        sa.Column("used_by", sa.String(length=128), nullable=True),
        sa.Column("result", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                  nullable=True),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"],
                                name=op.f("fk_signing_grants_dossier_id_dossiers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_grants")),
    )
    with op.batch_alter_table("signing_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signing_grants_dossier_id"), ["dossier_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("signing_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signing_grants_dossier_id"))
    op.drop_table("signing_grants")
