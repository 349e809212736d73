"""incidents of any input, not only of jobs

A dossier can fail to take any input (a timer firing, a task completed on the web, a
service result): the incident names the element and keeps the traceback for
administrators. Incidents of jobs keep their job; the others have none.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.alter_column("job_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("source", sa.String(length=16), server_default="job",
                                      nullable=False))
        batch_op.add_column(sa.Column("element_id", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("timer_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("detail", sa.Text(), nullable=True))
        batch_op.create_foreign_key("fk_incidents_timer_id_timers", "timers", ["timer_id"], ["id"])
    op.execute("UPDATE incidents SET element_id = (SELECT element_id FROM jobs "
               "WHERE jobs.id = incidents.job_id)")


def downgrade() -> None:
    op.execute("DELETE FROM incidents WHERE job_id IS NULL")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_constraint("fk_incidents_timer_id_timers", type_="foreignkey")
        batch_op.drop_column("detail")
        batch_op.drop_column("timer_id")
        batch_op.drop_column("element_id")
        batch_op.drop_column("source")
        batch_op.alter_column("job_id", existing_type=sa.Integer(), nullable=False)
