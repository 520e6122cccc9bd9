"""Quotations: redacted passages of free-text answers, proposed by an analyst, decided by another person

Revision ID: 5db7dcce9cb8
Revises: 5b1e0c7a9d21
Create Date: 2026-11-29 01:54:30.977510

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5db7dcce9cb8'
down_revision = '5b1e0c7a9d21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('quotation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Uuid(), nullable=False),
    sa.Column('question_key', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'approved', 'rejected', name='quotationstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(status = 'proposed' AND decided_at IS NULL) OR (status <> 'proposed' AND decided_at IS NOT NULL)", name=op.f('ck_quotation_decided_when_decided')),
    sa.CheckConstraint('decided_by_id IS NULL OR proposed_by_id IS NULL OR decided_by_id <> proposed_by_id', name=op.f('ck_quotation_four_eyes')),
    sa.CheckConstraint('length(text) > 0', name=op.f('ck_quotation_text_not_empty')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_quotation_consultation_id_consultation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_quotation_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user_account.id'], name=op.f('fk_quotation_proposed_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_quotation_response_id_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quotation'))
    )
    with op.batch_alter_table('quotation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quotation_consultation_id_status'), ['consultation_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotation_response_id'), ['response_id'], unique=False)


def downgrade():
    with op.batch_alter_table('quotation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quotation_response_id'))
        batch_op.drop_index(batch_op.f('ix_quotation_consultation_id_status'))

    op.drop_table('quotation')
