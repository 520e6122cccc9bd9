"""Visit sessions: where and how facilitators collect sealed answers, and how many (never which)

Revision ID: dc3c6d5d68e6
Revises: 5db7dcce9cb8
Create Date: 2026-11-29 01:56:33.410790

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dc3c6d5d68e6'
down_revision = '5db7dcce9cb8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visit_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('facilitator_id', sa.Integer(), nullable=True),
    sa.Column('place', sa.String(length=40), nullable=False),
    sa.Column('jurisdiction', sa.String(length=80), nullable=True),
    sa.Column('mode', sa.Enum('paper', 'assisted', 'oral', 'kiosk', name='visitmode', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('forms_entered', sa.Integer(), nullable=False),
    sa.CheckConstraint('closed_at IS NULL OR closed_at >= opened_at', name=op.f('ck_visit_session_closed_after_opening')),
    sa.CheckConstraint('ends_at > opened_at', name=op.f('ck_visit_session_ends_after_opening')),
    sa.CheckConstraint('forms_entered >= 0', name=op.f('ck_visit_session_forms_entered_not_negative')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_visit_session_consultation_id_consultation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['facilitator_id'], ['user_account.id'], name=op.f('fk_visit_session_facilitator_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_session'))
    )
    with op.batch_alter_table('visit_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_session_consultation_id'), ['consultation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('visit_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_session_consultation_id'))

    op.drop_table('visit_session')
