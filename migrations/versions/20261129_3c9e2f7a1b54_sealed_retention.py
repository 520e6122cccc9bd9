"""Sealed envelopes are deleted a set number of days after unsealing

Revision ID: 3c9e2f7a1b54
Revises: fc66820ab68b
Create Date: 2026-11-29 04:40:00

Consultations unsealed before this revision get ``unsealed_at`` from their ``sealed.unsealed``
audit event, or else from when they closed, so their retention period runs from then.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '3c9e2f7a1b54'
down_revision = 'fc66820ab68b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_retention_days', sa.Integer(), nullable=False,
                                      server_default='30'))
        batch_op.add_column(sa.Column('unsealed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_consultation_sealed_retention_days_range'),
            'sealed_retention_days BETWEEN 0 AND 3650',
        )
    _backfill_unsealed_at()


def _backfill_unsealed_at():
    consultation = sa.table(
        'consultation',
        sa.column('id', sa.Integer()),
        sa.column('uuid', sa.Uuid()),
        sa.column('status', sa.String()),
        sa.column('closed_at', sa.DateTime(timezone=True)),
        sa.column('closes_at', sa.DateTime(timezone=True)),
        sa.column('unsealed_at', sa.DateTime(timezone=True)),
    )
    audit = sa.table(
        'audit_event',
        sa.column('action', sa.String()),
        sa.column('subject', sa.String()),
        sa.column('occurred_at', sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(consultation.c.id, consultation.c.uuid, consultation.c.closed_at,
                  consultation.c.closes_at)
        .where(consultation.c.status.in_(['unsealed', 'published']))
    ).all()
    for row in rows:
        when = connection.scalar(
            sa.select(sa.func.min(audit.c.occurred_at)).where(
                audit.c.action == 'sealed.unsealed',
                audit.c.subject == f'consultation:{row.uuid}',
            )
        )
        when = when or row.closed_at or row.closes_at or datetime.now(timezone.utc)
        connection.execute(
            consultation.update().where(consultation.c.id == row.id).values(unsealed_at=when)
        )


def downgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_consultation_sealed_retention_days_range'),
                                 type_='check')
        batch_op.drop_column('unsealed_at')
        batch_op.drop_column('sealed_retention_days')
