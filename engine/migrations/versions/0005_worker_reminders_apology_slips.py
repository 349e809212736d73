"""SLA reminders sent, apology slips, late marks

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.models.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.create_table(
        "apology_slips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("previous_appointment", sa.Date(), nullable=True),
        sa.Column("new_appointment", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(length=128), nullable=False),
        sa.Column("issued_by_name", sa.String(length=200), nullable=False),
        sa.Column("issued_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"],
                                name=op.f("fk_apology_slips_dossier_id_dossiers")),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_apology_slips_job_id_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apology_slips")),
        sa.UniqueConstraint("dossier_id", "number", name=op.f("uq_apology_slips_dossier_id_number")),
    )
    with op.batch_alter_table("apology_slips", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_apology_slips_dossier_id"), ["dossier_id"], unique=False)

    op.create_table(
        "late_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("marked_by", sa.String(length=128), nullable=False),
        sa.Column("marked_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.Column("slip_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"],
                                name=op.f("fk_late_marks_dossier_id_dossiers")),
        sa.ForeignKeyConstraint(["slip_id"], ["apology_slips.id"],
                                name=op.f("fk_late_marks_slip_id_apology_slips")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_late_marks")),
    )
    with op.batch_alter_table("late_marks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_late_marks_dossier_id"), ["dossier_id"], unique=False)

    op.create_table(
        "sla_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("human_task_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=16), nullable=False),
        sa.Column("recipients", json_type, nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("sent_at", engine.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"],
                                name=op.f("fk_sla_reminders_dossier_id_dossiers")),
        sa.ForeignKeyConstraint(["human_task_id"], ["human_tasks.id"],
                                name=op.f("fk_sla_reminders_human_task_id_human_tasks")),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_sla_reminders_job_id_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_reminders")),
        sa.UniqueConstraint("human_task_id", name=op.f("uq_sla_reminders_human_task_id")),
    )
    with op.batch_alter_table("sla_reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_reminders_dossier_id"), ["dossier_id"], unique=False)


def downgrade() -> None:
    op.drop_table("sla_reminders")
    op.drop_table("late_marks")
    op.drop_table("apology_slips")
