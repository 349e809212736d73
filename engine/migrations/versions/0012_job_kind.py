"""jobs.kind: a workflow service task's job, or a side job (notice, reminder, portal
update, refund) that no workflow task waits for

Side jobs used to be told apart by an empty workflow_task_id (and, for some, a
"detached" flag in the payload, always set together with it). Existing rows get
their kind from those markers; their idempotency keys are left as they are, so a
job retried after the upgrade still sends once.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="service",
                                      nullable=False))
    op.execute("""
        UPDATE jobs SET kind = CASE
            WHEN operator = 'portal.sync' THEN 'portal_update'
            WHEN operator = 'fee.refund' THEN 'refund'
            WHEN element_id = 'reminder' THEN 'reminder'
            ELSE 'notice' END
        WHERE workflow_task_id = ''
    """)


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("kind")
