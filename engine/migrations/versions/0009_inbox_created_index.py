"""inbox: index for queues sorted by when tasks arrived

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 08:35:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_human_tasks_inbox_created", "human_tasks",
                    ["state", "role", "department", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_human_tasks_inbox_created", table_name="human_tasks")
