"""a citizen's dossiers in the order "my dossiers" pages them: by applicant, newest
submission first (replaces the index on the applicant alone, which it covers)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 22:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_dossiers_applicant", "dossiers", ["applicant_user", "submitted_at", "id"])
    op.drop_index("ix_dossiers_applicant_user", table_name="dossiers")


def downgrade() -> None:
    op.create_index("ix_dossiers_applicant_user", "dossiers", ["applicant_user"])
    op.drop_index("ix_dossiers_applicant", table_name="dossiers")
