"""the demo's mailbox and stand-in portal leave the production schema (the demo makes them)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 16:30:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from engine.models.base import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

DEMO_TABLES = ("demo_mail", "demo_portal_receipts")


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    for table in DEMO_TABLES:
        if table in present:
            op.drop_index(f"ix_{table}_dossier_code", table_name=table)
            op.drop_table(table)


def downgrade() -> None:
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    present = set(sa.inspect(op.get_bind()).get_table_names())
    columns: dict[str, list[sa.Column[Any]]] = {
        "demo_mail": [
            sa.Column("mail_from", sa.String(300), nullable=False),
            sa.Column("recipients", json, nullable=False),
            sa.Column("subject", sa.String(500), nullable=False),
            sa.Column("message_id", sa.String(300)), sa.Column("dossier_code", sa.String(64)),
            sa.Column("size", sa.Integer(), nullable=False),
            sa.Column("sha256", sa.String(64), nullable=False)],
        "demo_portal_receipts": [
            sa.Column("dossier_code", sa.String(64), nullable=False),
            sa.Column("seq", sa.Integer(), nullable=False),
            sa.Column("status_code", sa.Integer(), nullable=False),
            sa.Column("body", json, nullable=False)],
    }
    for table in DEMO_TABLES:
        if table not in present:
            op.create_table(table, sa.Column("id", sa.Integer(), primary_key=True),
                            sa.Column("received_at", UTCDateTime(), nullable=False),
                            *columns[table])
            op.create_index(f"ix_{table}_dossier_code", table, ["dossier_code"])
