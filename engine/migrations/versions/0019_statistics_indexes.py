"""statistics indexes: the leaders' dashboard and the monthly report count dossiers by
when they were received and finished, and officers' steps by when they were completed

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_dossiers_received_at", "dossiers", ["received_at"])
    op.create_index("ix_dossiers_finished_at", "dossiers", ["finished_at"])
    op.create_index("ix_human_tasks_completed", "human_tasks", ["state", "completed_at"])


def downgrade() -> None:
    op.drop_index("ix_human_tasks_completed", table_name="human_tasks")
    op.drop_index("ix_dossiers_finished_at", table_name="dossiers")
    op.drop_index("ix_dossiers_received_at", table_name="dossiers")
