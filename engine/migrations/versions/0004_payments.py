"""payments, payment notices, refunds

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 11:14:02.676781
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.models.base

revision = '0004'
down_revision = "0003"
branch_labels = None
depends_on = None

def upgrade() -> None:

    op.create_table('payment_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('verdict', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=True),
    sa.Column('received_at', engine.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_notices'))
    )
    with op.batch_alter_table('payment_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_notices_reference'), ['reference'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('gateway', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('transaction_no', sa.String(length=64), nullable=True),
    sa.Column('bank_code', sa.String(length=32), nullable=True),
    sa.Column('response_code', sa.String(length=8), nullable=True),
    sa.Column('received_by', sa.String(length=128), nullable=True),
    sa.Column('created_at', engine.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', engine.models.base.UTCDateTime(), nullable=False),
    sa.Column('paid_at', engine.models.base.UTCDateTime(), nullable=True),
    sa.Column('refund_reference', sa.String(length=64), nullable=True),
    sa.Column('refunded_at', engine.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_payments_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_payments_job_id_jobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('reference', name=op.f('uq_payments_reference'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_paid_at'), ['paid_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_status'), ['status'], unique=False)

    op.create_table('refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('gateway_refund_no', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', engine.models.base.UTCDateTime(), nullable=False),
    sa.Column('settled_at', engine.models.base.UTCDateTime(), nullable=True),
    sa.Column('settled_by', sa.String(length=128), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_refunds_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_refunds_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
    sa.UniqueConstraint('reference', name=op.f('uq_refunds_reference'))
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refunds_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_payment_id'), ['payment_id'], unique=False)

    # ### end Alembic commands ###

def downgrade() -> None:

    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_payment_id'))
        batch_op.drop_index(batch_op.f('ix_refunds_dossier_id'))

    op.drop_table('refunds')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_status'))
        batch_op.drop_index(batch_op.f('ix_payments_paid_at'))
        batch_op.drop_index(batch_op.f('ix_payments_job_id'))
        batch_op.drop_index(batch_op.f('ix_payments_dossier_id'))

    op.drop_table('payments')
    with op.batch_alter_table('payment_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_notices_reference'))

    op.drop_table('payment_notices')

