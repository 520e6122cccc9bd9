"""Responses unsealed from envelopes held for review are marked, to be counted apart

Revision ID: 5b1e0c7a9d21
Revises: 2484647d2370
Create Date: 2026-11-29 02:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5b1e0c7a9d21'
down_revision = '2484647d2370'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_held', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('is_held')
