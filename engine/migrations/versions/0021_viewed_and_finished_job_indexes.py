"""indexes for watching: the 'viewed' events by dossier, actor and time (the leaders'
tasks not opened since they were assigned), and jobs by when they ended (the
administrators' monitoring page)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

VIEWED = sa.text("type = 'viewed'")


def upgrade() -> None:
    op.create_index("ix_events_viewed", "events", ["dossier_id", "actor", "at"],
                    postgresql_where=VIEWED, sqlite_where=VIEWED)
    op.create_index("ix_jobs_finished_at", "jobs", ["finished_at"])


def downgrade() -> None:
    op.drop_index("ix_jobs_finished_at", table_name="jobs")
    op.drop_index("ix_events_viewed", table_name="events")
