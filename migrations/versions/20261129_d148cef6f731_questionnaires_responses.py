"""Questionnaires (a document on the consultation), schedules, and responses by answer row

Revision ID: d148cef6f731
Revises: 89b507431326
Create Date: 2026-11-29 01:00:41.239152

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd148cef6f731'
down_revision = '89b507431326'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('response',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('open', 'invited', 'sealed', 'assisted', name='channel', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('questionnaire_version', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('stakeholder_category', sa.String(length=40), nullable=False),
    sa.Column('jurisdiction', sa.String(length=80), nullable=True),
    sa.Column('place_category', sa.String(length=40), nullable=True),
    sa.Column('declared_organisation', sa.String(length=200), nullable=True),
    sa.Column('submission_key_hash', sa.String(length=64), nullable=True),
    sa.Column('answers_digest', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_response_consultation_id_consultation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response')),
    sa.UniqueConstraint('consultation_id', 'submission_key_hash', name=op.f('uq_response_consultation_id_submission_key_hash'))
    )
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('answer',
    sa.Column('response_id', sa.Uuid(), nullable=False),
    sa.Column('question_key', sa.String(length=40), nullable=False),
    sa.Column('item_key', sa.String(length=40), nullable=False),
    sa.Column('choice_key', sa.String(length=40), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('number', sa.Float(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.CheckConstraint('rank IS NULL OR rank >= 1', name=op.f('ck_answer_rank_positive')),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_answer_response_id_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', 'question_key', 'item_key', 'choice_key', name=op.f('pk_answer'))
    )
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('use_of_input', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=False, server_default='UTC'))
        batch_op.add_column(sa.Column('ui_fallback_locale', sa.String(length=8), nullable=False, server_default='en'))
        batch_op.add_column(sa.Column('questionnaire', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('version', sa.String(length=64), nullable=True))



def downgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('questionnaire')
        batch_op.drop_column('ui_fallback_locale')
        batch_op.drop_column('timezone')
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')
        batch_op.drop_column('use_of_input')

    op.drop_table('answer')
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_consultation_id'))

    op.drop_table('response')
